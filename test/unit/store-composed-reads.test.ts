import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lostSpooledAttachments } from '../../electron/core/runs/adapters/spool-check';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository, type NewItem } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';
import { MappingRepository } from '../../electron/core/store/repos/mapping';
import { RunRepository } from '../../electron/core/store/repos/runs';
import { makeTempDir } from '../support/tmp';

/**
 * What the pipeline once read with one SQL statement over three domains' tables it now asks each
 * owner for and composes (docs/ARCHITECTURE.md, "SQL by owner"). These prove the composed answers
 * on a real SQLite file: the same rows, across pages, with nothing of other states let in.
 */

const temp = makeTempDir('archiver-composed-');
afterAll(() => temp.cleanup());

function world(name: string) {
  const store = Store.open(path.join(temp.dir, `${name}.db`));
  const connector = new ConnectorRepository(store).create(name);
  const run = new RunRepository(store).create({ connectorId: connector.id, trigger: 'manual', owner: 'test', nowMs: Date.now() });
  new CaptureRepository(store).conversations.upsertConversations(
    connector.id,
    ['stream', 's1'].map((streamId) => ({ streamId, streamType: 'ROOM' as const, name: streamId, external: false, crossPod: false, active: true, lastModified: null })),
  );
  return { store, connectorId: connector.id, runId: run.id, capture: new CaptureRepository(store), itemLog: new ItemLogRepository(store), deliveries: new DeliveryRepository(store) };
}

function item(n: number, attachments = 0): NewItem {
  return {
    messageId: `m${n}`,
    timestamp: 1_700_000_000_000 + n,
    sender: { userId: '1', email: 'a@example.com', displayName: 'A', external: false },
    presentationML: '<div>x</div>',
    entityJSON: '{}',
    replacesMessageId: null,
    sourceJson: '{}',
    sourceSha256: 'x',
    attachments: Array.from({ length: attachments }, (_, i) => ({ attachmentId: `f${n}-${i}`, name: `f${i}.txt`, contentType: 'text/plain', declaredSize: 3, inline: false })),
  };
}

describe('reads composed from their owners', () => {
  it('finds the lost spool files of items with open deliveries, page after page of keys, and no others', () => {
    const w = world('spool');
    const count = 1_234; // more than two pages of open keys
    w.capture.insertItems(w.connectorId, 'pod', 'stream', Array.from({ length: count }, (_, n) => item(n, 1)));
    const stored = w.capture.itemsAfterId(w.connectorId, 0, count);
    expect(stored).toHaveLength(count);
    const lostExpected: number[] = [];
    w.store.transaction(() => {
      for (const [n, row] of stored.entries()) {
        const file = path.join(temp.dir, `spool-${row.id}`);
        fs.writeFileSync(file, 'abc');
        w.capture.markAttachmentStored(row.id, 0, { size: 3, sha256: 'x', spoolPath: file });
        const archiveKey = `key-${String(n).padStart(5, '0')}`;
        w.itemLog.insertOutcome({ connectorId: w.connectorId, itemId: row.id, streamId: 'stream', sender: 'a@example.com', archiveKey, status: 'planned', reason: null, mailboxes: 1, bytes: 3, runId: w.runId, at: new Date().toISOString() });
        w.deliveries.enqueue(w.connectorId, archiveKey, ['b@example.com']);
        // Every seventh item is delivered already: its lost file does not matter any more.
        if (n % 7 === 0) w.deliveries.markDelivered({ connectorId: w.connectorId, archiveKey, mailbox: 'b@example.com' }, 'graph-id');
        if (n % 97 === 0 || n % 98 === 0) {
          fs.rmSync(file);
          if (n % 7 !== 0) lostExpected.push(row.id);
        }
      }
    });
    const lost = lostSpooledAttachments(w, w.connectorId);
    expect(lost.map((l) => l.itemId).sort((a, b) => a - b)).toEqual(lostExpected.sort((a, b) => a - b));
    expect(lostExpected.length).toBeGreaterThan(10);
    expect(lost.every((l) => l.position === 0 && !fs.existsSync(l.spoolPath))).toBe(true);
    w.store.dispose();
  });

  it('counts a delivered item that still waits for a participant’s mailbox as held in its conversation’s books', () => {
    const w = world('books');
    const mapping = new MappingRepository(w.store);
    w.capture.insertItems(w.connectorId, 'pod', 's1', [item(1), item(2), item(3)]);
    const [a, b, c] = w.capture.itemsAfterId(w.connectorId, 0, 10);
    const at = new Date().toISOString();
    w.store.transaction(() => {
      for (const row of [a!, b!, c!]) {
        w.itemLog.insertOutcome({ connectorId: w.connectorId, itemId: row.id, streamId: 's1', sender: 'a@example.com', archiveKey: `k${row.id}`, status: 'planned', reason: null, mailboxes: 1, bytes: 1, runId: w.runId, at });
        w.itemLog.setStatus(w.connectorId, row.id, 'delivered', { at });
      }
      // b waits for a second participant who has no mailbox yet.
      mapping.recordItem(w.connectorId, b!.id, b!.timestamp, [{ userId: '9', email: 'nobody@example.com', displayName: 'N', external: false }], ['9'], at);
    });
    const waiting = mapping.waitingItemIds(w.connectorId);
    expect(waiting).toEqual([b!.id]);
    expect(mapping.waitingCounts(w.connectorId, [a!.id, b!.id, c!.id])).toEqual(new Map([[b!.id, 1]]));
    const books = w.itemLog.conversationTotals(w.runId, w.connectorId, 0, 10, waiting);
    expect(books).toEqual({ total: 1, rows: [{ streamId: 's1', captured: 3, delivered: 2, blocked: 0, failed: 0, held: 1, skipped: 0, bytes: 3, balanced: true }] });
    // Released, it is delivered like the others.
    mapping.markReleased(w.connectorId, '9', [b!.id], 'n@example.com', at);
    expect(w.itemLog.conversationTotals(w.runId, w.connectorId, 0, 10, mapping.waitingItemIds(w.connectorId)).rows[0]).toMatchObject({ delivered: 3, held: 0 });
    w.store.dispose();
  });

  it('tests each item of the run against the waiting ids in one indexed list, not a scan of them per item', () => {
    const w = world('books-plan');
    // Many waiting ids, most of other runs: the books must not scan them once per item of the run.
    w.capture.insertItems(w.connectorId, 'pod', 's1', Array.from({ length: 40 }, (_, i) => item(i + 1)));
    const rows = w.capture.itemsAfterId(w.connectorId, 0, 100);
    const at = new Date().toISOString();
    w.store.transaction(() => {
      for (const row of rows) {
        w.itemLog.insertOutcome({ connectorId: w.connectorId, itemId: row.id, streamId: 's1', sender: 'a@example.com', archiveKey: `k${row.id}`, status: 'planned', reason: null, mailboxes: 1, bytes: 1, runId: w.runId, at });
        w.itemLog.setStatus(w.connectorId, row.id, 'delivered', { at });
      }
    });
    const waiting = [...rows.filter((_, i) => i % 4 === 0).map((r) => r.id), ...Array.from({ length: 5000 }, (_, i) => 1_000_000 + i)];
    const statements: string[] = [];
    const prepare = w.store.prepare.bind(w.store);
    w.store.prepare = (sql: string) => (statements.push(sql), prepare(sql));
    const books = w.itemLog.conversationTotals(w.runId, w.connectorId, 0, 10, waiting);
    expect(books.rows).toEqual([{ streamId: 's1', captured: 40, delivered: 30, blocked: 0, failed: 0, held: 10, skipped: 0, bytes: 40, balanced: true }]);
    const sql = statements.find((q) => q.includes('json_each(@waiting)'))!;
    const plan = (w.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ c: w.connectorId, run: w.runId, limit: 10, offset: 0, waiting: JSON.stringify(waiting) }) as { detail: string }[]).map((r) => r.detail);
    // The ids are read once into a list (SQLite's LIST SUBQUERY); nothing else is scanned whole.
    expect(plan.some((d) => d.startsWith('LIST SUBQUERY'))).toBe(true);
    expect(plan.filter((d) => d.startsWith('SCAN') && !d.startsWith('SCAN json_each'))).toEqual([]);
    w.store.dispose();
  });

  it('takes the items of an interrupted run into the next one once, through the runs and item-log owners', () => {
    const w = world('takeover');
    const runs = new RunRepository(w.store);
    w.capture.insertItems(w.connectorId, 'pod', 's1', [item(1), item(2)]);
    const rows = w.capture.itemsAfterId(w.connectorId, 0, 10);
    for (const row of rows) w.itemLog.addRunItem(w.runId, row.id);
    runs.markInterrupted(w.connectorId, 'someone-else', Date.now());
    const next = runs.create({ connectorId: w.connectorId, trigger: 'manual', owner: 'test', nowMs: Date.now() });
    const interrupted = runs.interruptedNotTakenOver(w.connectorId, next.id);
    expect(interrupted).toEqual([w.runId]);
    expect(w.itemLog.copyRunItems(interrupted, next.id)).toBe(2);
    runs.markTakenOver(interrupted, next.id);
    expect(runs.interruptedNotTakenOver(w.connectorId, next.id)).toEqual([]);
    expect(runs.get(w.runId)!.takenOverBy).toBe(next.id);
    expect(w.itemLog.runItemCount(next.id)).toBe(2);
    w.store.dispose();
  });
});
