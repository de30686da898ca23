import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportMethod } from '../../shared/contract';
import { convertTranscript } from '../../electron/core/convert/transcript';
import { createRouter } from '../../electron/core/deliver/router';
import { MimeDestination } from '../../electron/core/deliver/graph-mime';
import { GraphClient } from '../../electron/core/graph/client';
import { enqueueDeliveries, importDeliveries } from '../../electron/core/graph/importer';
import { BODY_ATTACHMENT_NAME, JsonDestination } from '../../electron/core/graph/json-destination';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { generatePod } from '../fixtures/convert/generate';
import { TestWorld } from '../support/world';
import { attachmentFile, deterministicBytes, makeEmail, writeDeterministicFile } from '../support/import-fixtures';
import { startImportWorld, type ImportWorld, type ImportWorldOptions } from '../support/world-recipes';

const MB = 1024 * 1024;
const ADVANCED = ['Mail.ReadWrite', 'User.Read.All', 'Mail-Advanced.ReadWrite.All'];

/** What a reviewer sees per mailbox, independent of the method that wrote it. */
async function itemsOf(world: ImportWorld, mailbox: string) {
  const box = world.emulator.directory.mailboxes.get(world.emulator.directory.findUser(mailbox)!.id)!;
  return [...box.messages.values()]
    .map((m) => ({ messageId: String(m.fields.internetMessageId), isDraft: m.isDraft, sent: m.sentDateTime, attachments: m.attachments.map((a) => `${a.name}:${a.size}:${a.sha256}`).sort() }))
    .sort((a, b) => a.messageId.localeCompare(b.messageId));
}

describe('the same e-mails through each import method', () => {
  let temp: TestWorld;
  /** One world per import method, so a test can free one method's tenant before the next. */
  const methodWorlds = new Map<ImportWorld, TestWorld>();
  beforeEach(() => {
    temp = new TestWorld();
  });
  afterEach(async () => {
    for (const w of methodWorlds.values()) await w.dispose();
    methodWorlds.clear();
    await temp.dispose();
  });

  async function archive(method: ImportMethod, emails: ConvertedEmail[], mailboxes: number, emulator: ImportWorldOptions['emulator'] = {}) {
    const scope = new TestWorld();
    const world = await startImportWorld(scope, { mailboxes, emulator, limits: { uploadWindowMs: 1_000 } });
    methodWorlds.set(world, scope);
    const token = await world.emulator.mintToken({ roles: ADVANCED });
    const graph = new GraphClient({ baseUrl: world.emulator.baseUrl, getToken: async () => token, throttle: world.throttle, retry: { baseMs: 20, maxMs: 200 } });
    const router = createRouter({ json: new JsonDestination({ graph, messageClass: world.connector.settings.microsoft.messageClass, scratchDir: scope.path('scratch') }), mime: new MimeDestination({ graph }) }, method);
    const byKey = new Map(emails.map((e) => [e.archiveKey, e]));
    for (const email of emails) enqueueDeliveries(world.store, world.connector.id, email.archiveKey, world.mailboxes);
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph, router, loadEmail: (key) => byKey.get(key)! });
    return { world, summary, routes: new DeliveryRepository(world.store).list(world.connector.id).map((d) => [d.archiveKey, d.mailbox, d.route] as const) };
  }

  it('gives per mailbox the same items, non-draft, with the original dates and identical attachments', async () => {
    const files = path.join(temp.dir, 'files');
    fs.mkdirSync(files);
    const emails = Array.from({ length: 12 }, (_, i) =>
      makeEmail(i, i % 4 === 0 ? [attachmentFile(files, `scan-${i}.bin`, deterministicBytes(`s${i}`, 3_400_000 + i))] : i % 3 === 0 ? [attachmentFile(files, `note-${i}.txt`, deterministicBytes(`n${i}`, 2000 + i))] : [], 7),
    );
    const json = await archive('graph-json', emails, 3);
    const mime = await archive('graph-mime', emails, 3);
    expect(json.summary).toMatchObject({ delivered: 36, failed: 0 });
    expect(mime.summary).toMatchObject({ delivered: 36, failed: 0 });
    for (let i = 0; i < 3; i++) {
      const a = await itemsOf(json.world, json.world.mailboxes[i]!);
      const b = await itemsOf(mime.world, mime.world.mailboxes[i]!);
      expect(a.map((x) => x.messageId)).toEqual(emails.map((e) => e.messageId).sort((x, y) => x.localeCompare(y)));
      expect(b).toEqual(a);
      expect(a.every((x) => !x.isDraft)).toBe(true);
      expect(a.map((x) => x.sent).sort()).toEqual(emails.map((e) => e.date.toISOString()).sort());
    }
    // The ledger says which path each item took: what fits importMime went that way, the 3.4 MB scans by JSON create.
    expect(json.routes.every(([, , route]) => route === 'graph-json')).toBe(true);
    for (const [key, , route] of mime.routes) expect(route).toBe(emails.find((e) => e.archiveKey === key)!.attachments.some((a) => a.size > 3 * MB) ? 'graph-json' : 'graph-mime');
    // importMime received the converter's .eml: every custody header is on the item.
    const imported = [...mime.world.emulator.directory.allMessages()].find((m) => m.message.mime)!;
    const parsed = await simpleParser(Buffer.from(imported.message.mime!, 'latin1'));
    expect(parsed.headers.get('x-symphony-custody-6')).toBeDefined();
    for (const w of [json.world, mime.world]) expect(w.emulator.importMime.counters.patches).toEqual([]);
    expect(mime.world.emulator.importMime.counters.refusedSize).toBe(0);
  });

  it('a 50,000-message bot day and a 140 MB attachment land through each path, no request over the limits', { timeout: 240_000 }, async () => {
    const pod = generatePod({ seed: 11, spool: path.join(temp.dir, 'spool'), conversations: 1, messagesPerConversation: 5 });
    const conversation = pod.conversations[0]!;
    const base = pod.messages.find((m) => m.attachments.length === 0)!;
    const day = Date.UTC(2026, 10, 30);
    const messages = Array.from({ length: 50_000 }, (_, i) => ({ ...base, id: i + 1, messageId: `bot-${i}`, timestamp: day + i * 1700, presentationML: `<div data-format="PresentationML" data-version="2.0">Alert ${i}: price moved on curve ${i % 97}</div>` }));
    const { email: transcript } = await convertTranscript({ conversation, day: '2026-11-30', messages });
    expect(Buffer.byteLength(transcript.html)).toBeGreaterThan(4 * MB);
    const bigFile = path.join(temp.dir, 'big.bin');
    const sha256 = await writeDeterministicFile(bigFile, 'big', 140 * MB);
    const big = makeEmail(1, [{ filename: 'recording.bin', contentType: 'application/octet-stream', path: bigFile, size: 140 * MB, sha256, inline: false }]);
    const emulator = { blobDir: path.join(temp.dir, 'blobs'), limits: { uploadWindowMs: 1_000, maxItemBytes: 150 * MB } };
    for (const method of ['graph-json', 'graph-mime'] as const) {
      const { world, summary, routes } = await archive(method, [transcript, big], 1, { ...emulator, blobDir: path.join(temp.dir, `blobs-${method}`) });
      expect(summary).toMatchObject({ delivered: 2, failed: 0 });
      expect(routes.map(([, , r]) => r)).toEqual(['graph-json', 'graph-json']);
      const items = [...world.emulator.directory.allMessages()].map((m) => m.message);
      const day = items.find((m) => m.fields.internetMessageId === transcript.messageId)!;
      expect(day.isDraft).toBe(false);
      expect(day.attachments.map((a) => [a.name, a.size])).toEqual([[BODY_ATTACHMENT_NAME, Buffer.byteLength(transcript.html)]]);
      expect(String((day.fields.body as { content: string }).content)).toContain(BODY_ATTACHMENT_NAME);
      const rec = items.find((m) => m.fields.internetMessageId === big.messageId)!;
      expect(rec.attachments.map((a) => [a.name, a.size, a.sha256])).toEqual([['recording.bin', 140 * MB, sha256]]);
      expect(world.emulator.importMime.counters.refusedSize).toBe(0);
      await methodWorlds.get(world)!.dispose();
      methodWorlds.delete(world);
    }
  });
});
