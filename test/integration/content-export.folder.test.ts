import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { CaptureWriter } from '../../electron/core/store/repos/capture-writer';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { ContentExportRepository } from '../../electron/core/store/repos/content-export';
import { pollContentExport } from '../../electron/core/symphony/content-export/ingest';
import { contentExportSettingsSchema } from '../../shared/contract/content-export';
import { generateEmlExport, generateXmlExport } from '../../electron/sandbox/emulators/content-export/generator';
import { makeTempDir } from '../support/tmp';
import { checkpointCount } from '../support/store-reads';

const temp = makeTempDir('content-export-folder-');
afterAll(() => temp.cleanup());

function setup(name: string) {
  const dir = path.join(temp.dir, `${name}-drop`);
  fs.mkdirSync(dir, { recursive: true });
  const store = Store.open(path.join(temp.dir, `${name}.db`));
  const connectorId = new ConnectorRepository(store).create(name).id;
  const settings = contentExportSettingsSchema.parse({ transport: 'folder', localDir: dir, minFileAgeSeconds: 0 });
  const poll = (patch: Partial<typeof settings> = {}) => pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: { ...settings, ...patch }, store, spoolDir: path.join(temp.dir, `${name}-spool`) });
  return { dir, store, connectorId, poll, capture: new CaptureRepository(store) };
}

function zipOf(entries: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of Object.entries(entries)) zip.addBuffer(Buffer.from(data), name);
  zip.end();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

describe('Content Export from a folder', () => {
  it('reads transcript EMLs without Symphony ids into one item per conversation, and stores a re-delivered copy once', async () => {
    const { dir, store, connectorId, poll, capture } = setup('transcript');
    const day = await generateEmlExport({ day: '2026-10-05', conversations: 9, layout: 'transcript', attachmentEvery: 4, seed: 5 });
    // A person the member-stream reader already knows keeps their Symphony id.
    const known = day.conversations[0]!.members[0]!;
    capture.conversations.upsertParticipants(connectorId, [{ userId: known.userId, email: known.email.toUpperCase(), displayName: known.displayName, external: false }], true);
    fs.writeFileSync(path.join(dir, day.fileName), day.zip);

    const report = await poll();
    expect(report.files[0]).toMatchObject({ outcome: 'ingested', conversations: 9, items: 9, inserted: 9 });
    const items = [...capture.iterateItems(connectorId)];
    expect(items).toHaveLength(9);
    for (const conversation of day.conversations) {
      const item = items.find((i) => i.presentationML.includes(conversation.messages[0]!.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')));
      expect(item, conversation.entry).toBeDefined();
      // Every line of the transcript is in the one item.
      for (const m of conversation.messages) expect(item!.presentationML).toContain(m.senderEmail);
      expect(item!.messageId).toMatch(/^ce[A-Za-z0-9_-]{43}$/);
      expect(item!.streamId).toMatch(/^ce[A-Za-z0-9_-]{30}$/);
      expect(item!.attachments.map((a) => a.sha256).sort()).toEqual(conversation.messages.flatMap((m) => m.attachments.map((a) => a.sha256)).sort());
      const stored = capture.conversations.conversation(connectorId, item!.streamId)!;
      expect(stored.streamType).toBe(conversation.streamType);
      const ids = new Map(stored.members.map((m) => [m.email.toLowerCase(), m.userId]));
      for (const member of conversation.members) {
        expect(ids.get(member.email)).toBe(member === known ? known.userId : `email:${member.email}`);
      }
    }
    // Pseudonymous people are not sent to the pod's directory by the member-stream reader.
    expect(capture.conversations.unresolvedUserIds(connectorId)).toEqual([]);

    // The admin re-runs the export: another name, the same content.
    const rerun = await generateEmlExport({ day: '2026-10-05', conversations: 9, layout: 'transcript', attachmentEvery: 4, seed: 5, generatedMs: Date.parse('2026-10-07T10:00:00Z') });
    expect(rerun.fileName).not.toBe(day.fileName);
    fs.writeFileSync(path.join(dir, rerun.fileName), rerun.zip);
    const second = await poll();
    expect(second.files.map((f) => [f.name, f.outcome, f.items, f.inserted])).toEqual([
      [day.fileName, 'already-ingested', 0, 0],
      [rerun.fileName, 'ingested', 9, 0],
    ]);
    expect(capture.counts(connectorId).items).toBe(9);
    store.dispose();
  });

  it('stores a message already captured from its member stream once, and leaves that stream\'s checkpoint alone', async () => {
    const { dir, store, connectorId, poll, capture } = setup('overlap');
    const day = await generateEmlExport({ day: '2026-10-06', conversations: 4, seed: 6, messagesPer: () => 3 });
    const conversation = day.conversations[1]!;
    const seen = conversation.messages[0]!;
    const sender = conversation.members.find((m) => m.email === seen.senderEmail)!;
    capture.conversations.upsertConversations(connectorId, [{ streamId: conversation.streamId!, streamType: conversation.streamType, name: conversation.name, external: false, crossPod: false, active: true, lastModified: null }]);
    const item = { messageId: seen.messageId!, timestamp: seen.timestamp, sender: { userId: sender.userId, email: sender.email, displayName: sender.displayName, external: false }, presentationML: '<div>from the stream</div>', entityJSON: '{}', replacesMessageId: null, sourceJson: '{"v4":true}', sourceSha256: 'x', attachments: [] };
    // As the member-stream reader stores a page: the item and the checkpoint past it.
    new CaptureWriter(store, connectorId, 'acme.symphony.com').write({ items: [{ streamId: conversation.streamId!, item }] }, () =>
      capture.conversations.setCheckpoint(connectorId, conversation.streamId!, { since: seen.timestamp, skip: 1 }),
    );
    fs.writeFileSync(path.join(dir, day.fileName), day.zip);

    const report = await poll();
    expect(report.files[0]).toMatchObject({ outcome: 'ingested', items: 12, inserted: 11 });
    expect(capture.counts(connectorId).items).toBe(12);
    expect(capture.itemByMessageId(connectorId, seen.messageId!)!.sourceJson).toBe('{"v4":true}');
    expect(capture.conversations.checkpoint(connectorId, conversation.streamId!)).toEqual({ since: seen.timestamp, skip: 1 });
    expect(checkpointCount(store)).toBe(1);
    store.dispose();
  });

  it('refuses XML exports and bad archive content with messages naming the file and what to do', async () => {
    const { dir, store, connectorId, poll, capture } = setup('refusals');
    const xml = await generateXmlExport('2026-10-01');
    fs.writeFileSync(path.join(dir, xml.fileName), xml.zip);
    const good = await generateEmlExport({ day: '2026-10-02', conversations: 2, seed: 2, entryChecksums: false });
    const tampered = await zipOf({ 'conversation-0000.eml': 'From: a@acme.example\r\nTo: b@acme.example\r\nDate: Fri, 02 Oct 2026 10:00:00 +0000\r\n\r\nhello\r\n', 'conversation-0000.eml.md5': '0123456789abcdef0123456789abcdef  conversation-0000.eml\n' });
    const tamperedName = 'e_acme-prod-1_SD-2026-10-03-00_ED-2026-10-04-00_GD-2026-10-04_1790985660000.zip';
    fs.writeFileSync(path.join(dir, tamperedName), tampered);
    fs.writeFileSync(path.join(dir, good.fileName), good.zip);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an export');

    const report = await poll();
    const byName = new Map(report.files.map((f) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual([xml.fileName, good.fileName, tamperedName].sort());
    expect(byName.get(xml.fileName)).toMatchObject({ outcome: 'failed' });
    expect(byName.get(xml.fileName)!.message).toContain(`${xml.fileName} is in an XML format (Symphony XML or Actiance; 1 XML files such as conversation-0000.xml)`);
    expect(byName.get(xml.fileName)!.fix).toMatch(/set the export format to EML/);
    expect(byName.get(tamperedName)!.message).toMatch(/conversation-0000\.eml does not match conversation-0000\.eml\.md5/);
    expect(byName.get(good.fileName)).toMatchObject({ outcome: 'ingested', items: good.messageCount });
    expect(capture.counts(connectorId).items).toBe(good.messageCount);
    expect(new ContentExportRepository(store).files(connectorId).filter((f) => f.status === 'failed').map((f) => f.name).sort()).toEqual([xml.fileName, tamperedName].sort());
    store.dispose();
  });

  it('leaves a file that may still be being written for a later poll', async () => {
    const { dir, store, poll } = setup('young');
    const day = await generateEmlExport({ day: '2026-10-08', conversations: 1, seed: 8 });
    fs.writeFileSync(path.join(dir, day.fileName), day.zip);
    const report = await poll({ minFileAgeSeconds: 3600 });
    expect(report.files.map((f) => f.outcome)).toEqual(['waiting']);
    expect((await poll()).files.map((f) => f.outcome)).toEqual(['ingested']);
    store.dispose();
  });
});
