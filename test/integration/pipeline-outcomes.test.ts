import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reconciliation } from '../../shared/contract';
import { itemStatusLabels, reasonWords, runOutcomeDetail } from '../../shared/contract';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { main } from '../../electron/host/cli';
import { exportRunLog } from '../../electron/core/runs/log-export';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';

/**
 * Issue 13: one run over both emulators in which every delivery outcome occurs, each caused the
 * way Microsoft 365 causes it, and one mailbox each:
 *   already there — the answer to some creates is lost (the item was made): looked up, not re-made;
 *   partially delivered — the item is made, its large attachment refused;
 *   blocked — the mailbox answers 403 access denied;
 *   failed — every create refused (400);
 *   not finished — the mailbox answers 503 for the whole run;
 *   held — a participant has no mailbox at all.
 * Both reconciliations balance, the run is *completed with problems*, and the CLI's `status`,
 * the run's CSV and its ZIP carry the same numbers.
 */
describe('a run with every delivery outcome', () => {
  const temp = new TestWorld();
  let world: RealWorld;
  let rec: Reconciliation;
  let status: string;
  const box: Record<'lost' | 'partial' | 'blocked' | 'failed' | 'open', string> = { lost: '', partial: '', blocked: '', failed: '', open: '' };

  beforeAll(async () => {
    world = await startRealWorld(temp, {
      symphony: { seed: 'outcomes', conversations: 3, messages: 24, attachments: 0, internalUsers: 7, externalUsers: 0 },
      // The seventh person has no mailbox: their items are held.
      hasMailbox: (i) => i !== 6,
      // Lost answers are settled within the run: short request deadline and settle margin.
      graph: { retry: { baseMs: 2, maxMs: 10 }, requestTimeoutMs: 3_000, settleMarginMs: 300 },
    });
    const people = [...world.symphony.pod.users.values()].filter((u) => !u.external && u.accountType === 'NORMAL').sort((a, b) => (a.id < b.id ? -1 : 1));
    const upn = (i: number) => world.tenant.get(people[i]!.email.toLowerCase())!;
    Object.assign(box, { lost: upn(0), partial: upn(1), blocked: upn(2), failed: upn(3), open: upn(4) });
    // Every special person writes once in the first conversation, so each fault meets deliveries;
    // the partial one's message carries a 3.5 MB file (an upload session after the create).
    const first = [...world.symphony.pod.streams.values()][0]!;
    for (const i of [0, 2, 3, 4, 6]) world.symphony.pod.addMessage(first.id, { sender: people[i]!.id });
    world.symphony.pod.addMessage(first.id, { sender: people[1]!.id, attachmentSizes: [3_500_000] });
    const dir = world.graphEmulator.directory;
    dir.setMailboxState(dir.findUser(box.blocked)!, 'denied');
    const of = (p: string, mailbox: string) => decodeURIComponent(p).toLowerCase().includes(`/users/${mailbox}/`);
    let lost = 0;
    world.graphEmulator.setFaults({ rate: 1, kinds: ['lost'], match: (method, p) => method === 'POST' && of(p, box.lost) && p.endsWith('/messages') && lost++ % 2 === 0 });
    world.graphEmulator.onRequest = (method, p) => {
      if (of(p, box.failed) && method === 'POST' && p.endsWith('/messages')) return { status: 400, code: 'ErrorInvalidRecipients', message: 'The item was refused.' };
      if (of(p, box.partial) && method === 'POST' && p.includes('/attachments')) return { status: 400, code: 'ErrorAttachmentSizeExceeded', message: 'The attachment was refused.' };
      if (of(p, box.open)) return { status: 503, code: 'ServiceUnavailable', message: 'Try again later.' };
      return undefined;
    };
    const outcome = await (await world.controller.start(world.connector.id, 'manual')).done;
    rec = outcome.result!.reconciliation;
    status = outcome.status;
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('has every outcome, balances per delivery and per item, and is completed with problems', () => {
    const d = rec.deliveries;
    expect(status).toBe('completed-with-problems');
    expect(rec.problems).toEqual([]);
    expect(rec.balanced).toBe(true);
    for (const outcome of ['delivered', 'alreadyThere', 'partial', 'blocked', 'failed', 'held', 'open'] as const) expect(d[outcome], outcome).toBeGreaterThan(0);
    expect(d.planned).toBe(d.delivered + d.alreadyThere + d.partial + d.blocked + d.failed + d.held + d.skipped + d.open);
    expect(rec.captured.count).toBe(rec.delivered.count + rec.blocked.count + rec.failed.count + rec.held.count + rec.skipped.count);
    expect(rec.blockedMailboxes).toEqual([expect.objectContaining({ mailbox: box.blocked, reason: 'access-denied' })]);
    // Each mailbox's deliveries are where its fault put them.
    const mailboxOf = (m: string) => world.graphEmulator.directory.mailboxes.get(world.graphEmulator.directory.findUser(m)!.id)!.messages;
    expect(mailboxOf(box.failed).size).toBe(0);
    expect(mailboxOf(box.open).size).toBe(0);
    expect(mailboxOf(box.blocked).size).toBe(0);
    // The partially delivered item is in its mailbox, without its file.
    expect([...mailboxOf(box.partial).values()].some((m) => m.attachments.length === 0)).toBe(true);
    const keys = [...mailboxOf(box.lost).values()].map((m) => JSON.stringify(m.extended));
    expect(new Set(keys).size).toBe(keys.length);
    const words = runOutcomeDetail(rec);
    for (const part of [`blocked (${box.blocked}: access denied)`, 'failed', 'partially delivered (attachment missing)', 'held for participants without a mailbox', 'not finished']) expect(words).toContain(part);
  });

  it('lists every failed or blocked item in the CLI with its reason as the Monitor renders it', async () => {
    const failed = new ItemLogRepository(world.store).failed(world.connector.id, 0, 1000);
    expect(failed.total).toBeGreaterThan(0);
    const lines: string[] = [];
    expect(await main(['failed'], { out: (l) => lines.push(l), err: (l) => lines.push(l) }, { SYMPHONY_ARCHIVER_HOME: temp.dir })).toBe(1);
    expect(lines[0]).toContain(`${failed.total} item(s) failed, stopped retrying or blocked`);
    for (const item of failed.items) {
      expect(item.reason, String(item.itemId)).not.toBeNull();
      expect(lines).toContain(`  item ${item.itemId} ${itemStatusLabels[item.status]} after ${item.attempts} run(s) (${item.archiveKey}): ${reasonWords(item.reason!)}`);
    }
    // The refused item's reason carries Graph's own words in its detail, not in a joined string.
    // A refused delivery keeps Graph's answer as a value: the error's code, the officer's words, Graph's text in the detail.
    const refused = new DeliveryRepository(world.store).list(world.connector.id, 'failed').filter((d) => d.mailbox === box.failed);
    expect(refused.length).toBeGreaterThan(0);
    for (const d of refused) {
      expect(d.reason).toMatchObject({ code: 'invalid-input', message: `Microsoft 365 refused an item for ${box.failed} (ErrorInvalidRecipients).` });
      expect(d.reason?.detail).toContain('The item was refused.');
      expect(d.lastError).toBe(d.reason?.message);
    }
  });

  it('reports the same numbers in the CLI status, the CSV and the ZIP', async () => {
    const lines: string[] = [];
    expect(await main(['status'], { out: (l) => lines.push(l), err: (l) => lines.push(l) }, { SYMPHONY_ARCHIVER_HOME: temp.dir })).toBe(0);
    expect(lines[0]).toContain('last run 1 completed with problems at');
    expect(lines[0]).toContain(runOutcomeDetail(rec));
    expect(lines.filter((l) => l.startsWith('  blocked: '))).toEqual([expect.stringContaining(`${box.blocked}, ${rec.deliveries.blocked} deliveries waiting.`)]);

    const paths = world.paths;
    const csv = await exportRunLog({ store: world.store, paths, runId: 1, format: 'csv', destination: path.join(temp.dir, 'run-1.csv') });
    const rows = Papa.parse<Record<string, string>>(fs.readFileSync(csv.path, 'utf8').trim(), { header: true }).data;
    const per = (event: string, mailbox?: string) => rows.filter((r) => r.event === event && (!mailbox || r.mailbox === mailbox)).length;
    // Each line names its item's Symphony message id (asked of capture, page by page).
    const capture = new CaptureRepository(world.store);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.message_id === '' || r.message_id !== capture.item(Number(r.item_id))?.messageId)).toEqual([]);
    expect(per('delivered')).toBe(rec.deliveries.delivered + rec.deliveries.alreadyThere);
    expect(rows.filter((r) => r.event === 'delivered' && /already in the mailbox/.test(r.detail ?? '')).length).toBe(rec.deliveries.alreadyThere);
    expect(per('blocked', box.blocked)).toBe(rec.deliveries.blocked);
    expect(per('failed', box.failed) + per('failed', box.partial)).toBe(rec.deliveries.failed + rec.deliveries.partial);
    const zip = await exportRunLog({ store: world.store, paths, runId: 1, format: 'zip', destination: path.join(temp.dir, 'run-1.zip') });
    const reconciliation = await new Promise<string>((resolve, reject) =>
      yauzl.open(zip.path, { lazyEntries: true }, (error, file) => {
        if (error || !file) return reject(error);
        file.on('entry', (entry: yauzl.Entry) => {
          if (!entry.fileName.endsWith('-reconciliation.json')) return file.readEntry();
          file.openReadStream(entry, (e, stream) => {
            if (e || !stream) return reject(e);
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          });
        });
        file.readEntry();
      }),
    );
    expect(JSON.parse(reconciliation)).toEqual(rec);
  });
});
