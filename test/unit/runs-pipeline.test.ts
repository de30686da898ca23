import { afterEach, describe, expect, it } from 'vitest';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';
import { MapCursorRepository } from '../../electron/core/store/repos/map-cursor';
import { RunRepository } from '../../electron/core/store/repos/runs';
import type { Stages } from '../../electron/core/runs/stages';
import { actualDeliveries, expectedDeliveries, openHarness, type Harness } from '../support/pipeline-harness';
import { mailboxesOf, messageOf, type FakePod } from '../support/pipeline-stages';
import { makeTempDir } from '../support/tmp';
import { runReasonCodes } from '../../shared/contract';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((fn) => fn()));

function harness(pod: FakePod, options: Parameters<typeof openHarness>[2] = {}): Harness & { dir: string } {
  const temp = makeTempDir();
  const h = openHarness(temp.dir, pod, options);
  cleanups.push(temp.cleanup, () => h.close());
  return { ...h, dir: temp.dir };
}

async function runOnce(h: Harness) {
  const { done } = await h.controller.start(h.connector.id, 'manual');
  return done;
}

describe('pipeline with in-test stages', () => {
  it('delivers every item to every mapped member once and balances the run', async () => {
    const pod: FakePod = { messages: 2000, streams: 20, convertFailEvery: 0, tooLargeEvery: 400 };
    const h = harness(pod);
    const outcome = await runOnce(h);
    // Stream 3's people have no mailbox: their items are held, so the run is not green.
    expect(outcome.status).toBe('completed-with-problems');
    const rec = outcome.result!.reconciliation;
    expect(rec.balanced).toBe(true);
    expect(rec.captured.count).toBe(2000);

    // Expected numbers computed from the pod's definition, not from the pipeline.
    let unmapped = 0, excluded = 0, tooLarge = 0, delivered = 0, bytes = 0;
    for (let i = 0; i < pod.messages; i++) {
      const m = messageOf(i, pod);
      bytes += m.bytes;
      if (m.bytes > 150 * 1024 * 1024) tooLarge++;
      else if ((i % pod.streams) % 10 === 3) unmapped++;
      else if ((i % pod.streams) % 10 === 5) excluded++;
      else delivered++;
    }
    expect(rec.captured.bytes).toBe(bytes);
    expect(rec.delivered.count).toBe(delivered);
    expect(rec.held.count).toBe(unmapped);
    expect(rec.skipped.byReason).toEqual({ excluded, 'too-large': tooLarge });
    expect(rec.failed.count).toBe(0);
    expect(rec.unaccounted).toEqual({ count: 0, bytes: 0 });
    expect(rec.captured.count).toBe(rec.delivered.count + rec.blocked.count + rec.failed.count + rec.held.count + rec.skipped.count);
    // Per delivery: every planned (item × mailbox) is delivered.
    const planned = Object.fromEntries(expectedDeliveries(pod));
    const fannedOut = Object.values(planned).reduce((n, v) => n + v, 0);
    expect(rec.deliveries).toEqual({ planned: fannedOut, delivered: fannedOut, alreadyThere: 0, partial: 0, blocked: 0, failed: 0, held: 0, skipped: 0, open: 0 });

    const actual = actualDeliveries(h.mailboxes);
    expect(actual.duplicates).toBe(0);
    expect(Object.fromEntries(actual.perMailbox)).toEqual(Object.fromEntries(expectedDeliveries(pod)));

    // A second run finds nothing new and still balances (on zero items).
    const second = await runOnce(h);
    expect(second.status).toBe('succeeded');
    expect(second.result!.reconciliation.captured.count).toBe(0);
    expect(actualDeliveries(h.mailboxes).duplicates).toBe(0);

    // Per conversation: every stream balances, and stream 0 has all its 100 items delivered.
    const items = new ItemLogRepository(h.store);
    const conv = items.conversationTotals(outcome.runId, h.connector.id, 0, 100, []);
    expect(conv.total).toBe(20);
    expect(conv.rows.every((r) => r.balanced)).toBe(true);
    expect(conv.rows.find((r) => r.streamId === 'stream0')).toMatchObject({ captured: 100, delivered: 100 - tooLargeIn(pod, 0) });

    // The item log tells each item's path, with the Graph id per mailbox.
    const log = items.log({ connectorId: h.connector.id, runId: outcome.runId, streamId: 'stream1', status: 'delivered', offset: 0, limit: 1000 });
    const first = log.entries.filter((e) => e.itemId === log.entries[0]!.itemId);
    expect(first.map((e) => e.event)).toEqual(['captured', 'converted', 'planned', 'delivered', 'delivered', 'delivered']);
    expect(first.filter((e) => e.event === 'delivered').map((e) => e.mailbox).sort()).toEqual(mailboxesOf(1));
    expect(first.filter((e) => e.event === 'delivered').every((e) => /^graph-\d+$/.test(e.graphId ?? ''))).toBe(true);
    const person = items.log({ connectorId: h.connector.id, person: 'user4@acme.test', offset: 0, limit: 1 });
    const skippedLog = items.log({ connectorId: h.connector.id, status: 'skipped', streamId: 'stream3', offset: 0, limit: 5 });
    expect(skippedLog.entries.some((e) => e.event === 'skipped' && /unmapped/.test(e.detail ?? ''))).toBe(true);
    // user4 is a mapped member of streams 2, 4, 12 and 14 (3 and 13 are unmapped): 4 × 100 items, minus the too-large ones.
    const user4 = [2, 4, 12, 14].reduce((n, s) => n + 100 - tooLargeIn(pod, s), 0);
    expect(items.log({ connectorId: h.connector.id, person: 'user4@acme.test', offset: 0, limit: 1 }).total).toBeGreaterThanOrEqual(user4);
    expect(person.entries[0]).toBeDefined();
  });

  it('retries failed items in later runs, holds them after the limit, and lets the officer retry or skip', async () => {
    const pod: FakePod = { messages: 200, streams: 10, convertFailEvery: 50, tooLargeEvery: 0 };
    const failing = new Set(['user1@acme.test']);
    const temp = makeTempDir();
    cleanups.push(temp.cleanup);
    let h = openHarness(temp.dir, pod, { failingMailboxes: failing, pipeline: { maxAttempts: 3 } });
    const items = () => new ItemLogRepository(h.store);
    const withUser1 = Array.from({ length: pod.messages }, (_, i) => i).filter((i) => mailboxesOf(i % pod.streams).includes('user1@acme.test') && i % 50 !== 49).length;
    const convertFailed = pod.messages / 50;

    for (let attempt = 1; attempt <= 3; attempt++) {
      const out = await runOnce(h);
      expect(out.status).toBe('completed-with-problems');
      const rec = out.result!.reconciliation;
      expect(rec.balanced).toBe(true);
      expect(rec.failed.count).toBe(withUser1 + convertFailed);
      expect(rec.stoppedRetrying.count).toBe(attempt === 3 ? withUser1 + convertFailed : 0);
      expect(rec.deliveries.failed).toBe(withUser1);
      // Each failure counted once (the volume chart): in the run it first failed in.
      expect(rec.failedFirstTime).toBe(attempt === 1 ? withUser1 + convertFailed : 0);
    }
    expect(items().failed(h.connector.id, 0, 1000).items.every((i) => i.status === 'stopped-retrying' && i.attempts === 3)).toBe(true);
    // Held items are not retried by themselves.
    const idle = await runOnce(h);
    expect(idle.result!.reconciliation.captured.count).toBe(0);

    // The mailbox works again; the officer retries the delivery failures and skips the unreadable ones.
    h.close();
    h = openHarness(temp.dir, pod, { pipeline: { maxAttempts: 3 } });
    cleanups.push(() => h.close());
    const held = items().failed(h.connector.id, 0, 1000).items;
    const unreadable = held.filter((i) => i.archiveKey === null).map((i) => i.itemId);
    const refused = held.filter((i) => i.archiveKey !== null).map((i) => i.itemId);
    expect(unreadable.length).toBe(convertFailed);
    const { retryItems, skipItems } = await import('../../electron/core/runs/officer-actions');
    expect(retryItems(h.store, h.connector.id, refused, Date.now())).toBe(refused.length);
    expect(skipItems(h.store, h.connector.id, unreadable, 'Test messages of the pilot, agreed with compliance', Date.now())).toBe(unreadable.length);
    const after = await runOnce(h);
    expect(after.status).toBe('succeeded');
    expect(after.result!.reconciliation).toMatchObject({ balanced: true, captured: { count: refused.length }, delivered: { count: refused.length } });
    expect(items().failed(h.connector.id, 0, 10).total).toBe(0);
    const actual = actualDeliveries(h.mailboxes);
    expect(actual.duplicates).toBe(0);
    expect(Object.fromEntries(actual.perMailbox)).toEqual(Object.fromEntries(expectedDeliveries(pod)));
    const skippedLine = items().log({ connectorId: h.connector.id, status: 'skipped', offset: 0, limit: 100 }).entries.find((e) => e.event === 'skipped' && e.itemId === unreadable[0]);
    expect(skippedLine?.detail).toMatch(/agreed with compliance/);
  });

  it('marks a run failed when the ledger lost deliveries or an item was never planned', async () => {
    const pod: FakePod = { messages: 300, streams: 10, convertFailEvery: 0, tooLargeEvery: 0 };
    const lossy = (s: Stages): Stages => ({
      ...s,
      import: { ...s.import, enqueue: (c, key, boxes) => s.import.enqueue(c, key, key.endsWith('/m7') ? boxes.slice(1) : boxes) },
    });
    const h = harness(pod, { wrap: lossy });
    const out = await runOnce(h);
    expect(out.status).toBe('failed');
    expect(out.result!.reconciliation.balanced).toBe(false);
    expect(out.result!.reconciliation.unaccounted.count).toBe(1);
    expect(out.error).toMatchObject({ code: runReasonCodes.unbalanced, message: expect.stringMatching(/fewer delivery records than mailboxes/) });
    const stored = new RunRepository(h.store).get(out.runId)!;
    expect(stored.status).toBe('failed');
    // The run row keeps the reason as the value it was, not as text.
    expect(stored.error).toEqual(out.error);

    // Items skipped over by the cursor (a pipeline bug) are caught by the capture cross-check.
    h.store.db.prepare('INSERT INTO t_items (connector_id, message_id, stream_id, sender, bytes, ts, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(h.connector.id, 'late', 'stream0', 'x', 1, 0, 'now');
    const late = h.store.db.prepare('SELECT max(id) AS id FROM t_items').get() as { id: number };
    h.store.db.prepare('INSERT INTO t_items (connector_id, message_id, stream_id, sender, bytes, ts, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(h.connector.id, 'later', 'stream0', 'x', 1, 0, 'now');
    new MapCursorRepository(h.store).advance(h.connector.id, late.id);
    const next = await runOnce(h);
    expect(next.result!.reconciliation.problems.join(' ')).toMatch(/1 captured item\(s\) were never planned/);
    expect(next.status).toBe('failed');
  });

  it('cancels through the signal and the next run finishes the work exactly once', async () => {
    const pod: FakePod = { messages: 1500, streams: 15, convertFailEvery: 0, tooLargeEvery: 0 };
    let cancelAt = 0;
    const h: Harness = harness(pod, {
      hooks: {
        point: (name) => {
          if (name === 'import:created' && ++cancelAt === 700) h.controller.cancel(h.connector.id);
        },
      },
    });
    const first = await runOnce(h);
    expect(first.status).toBe('cancelled');
    expect(first.result!.reconciliation.balanced).toBe(false);
    const second = await runOnce(h);
    expect(second.status).toBe('succeeded');
    // The second run answers for the items the first left unfinished.
    expect(second.result!.reconciliation.captured.count).toBeGreaterThan(0);
    const actual = actualDeliveries(h.mailboxes);
    expect(actual.duplicates).toBe(0);
    expect(Object.fromEntries(actual.perMailbox)).toEqual(Object.fromEntries(expectedDeliveries(pod)));
  });
});

describe('pipeline: held items and deliveries left open', () => {
  it('gives an item held for an unmapped member the new mailbox once mapping releases it', async () => {
    const pod: FakePod = { messages: 100, streams: 10, convertFailEvery: 0, tooLargeEvery: 0 };
    let mapped = false;
    const withRelease = (s: Stages): Stages => ({
      ...s,
      map: {
        ...s.map,
        async releaseHeld(_connector, enqueue) {
          if (!mapped) return;
          mapped = false; // mapping releases a held item exactly once
          const ids = (h.store.db.prepare("SELECT item_id FROM item_outcomes WHERE stream_id = 'stream3'").all() as { item_id: number }[]).map((r) => r.item_id);
          enqueue(ids.map((itemId) => ({ itemId, mailbox: 'ghost3a@acme.test' })));
        },
      },
    });
    const h = harness(pod, { wrap: withRelease });
    const first = await runOnce(h);
    expect(first.status).toBe('completed-with-problems');
    expect(first.result!.reconciliation).toMatchObject({ held: { count: 10 }, skipped: { count: 10, byReason: { excluded: 10 } } });
    mapped = true;
    const second = await runOnce(h);
    expect(second.status).toBe('succeeded');
    expect(second.result!.reconciliation).toMatchObject({ balanced: true, captured: { count: 10 }, delivered: { count: 10 }, skipped: { count: 0 } });
    const third = await runOnce(h);
    expect(third.result!.reconciliation.captured.count).toBe(0);
    expect(actualDeliveries(h.mailboxes).perMailbox.get('ghost3a@acme.test')).toBe(10);
    expect(actualDeliveries(h.mailboxes).duplicates).toBe(0);
    const log = new ItemLogRepository(h.store).log({ connectorId: h.connector.id, streamId: 'stream3', limit: 1000, offset: 0 });
    expect(log.entries.filter((e) => e.event === 'planned' && e.mailbox === 'ghost3a@acme.test')).toHaveLength(10);
  });

  it('counts deliveries the importer left open as a failed attempt and finishes them next run', async () => {
    const pod: FakePod = { messages: 60, streams: 6, convertFailEvery: 0, tooLargeEvery: 0 };
    let outage = true;
    // An outage: the importer leaves user7's deliveries pending (Graph's retry-later), as the real one does.
    const flaky = (s: Stages): Stages => ({
      ...s,
      import: {
        ...s.import,
        async run(ctx) {
          if (outage) h.store.db.prepare("UPDATE t_deliveries SET status = 'parked' WHERE mailbox = 'user7@acme.test' AND status = 'pending'").run();
          await s.import.run(ctx);
          h.store.db.prepare("UPDATE t_deliveries SET status = 'pending' WHERE status = 'parked'").run();
        },
      },
    });
    const h = harness(pod, { wrap: flaky });
    const first = await runOnce(h);
    const affected = Array.from({ length: pod.messages }, (_, i) => i).filter((i) => mailboxesOf(i % pod.streams).includes('user7@acme.test')).length;
    expect(first.result!.reconciliation).toMatchObject({ balanced: true, failed: { count: affected } });
    const failed = new ItemLogRepository(h.store).failed(h.connector.id, 0, 100).items;
    expect(failed.every((f) => f.reason?.code === 'delivery-not-finished' && /not finished in this run/.test(f.reason.message) && f.reason.fix)).toBe(true);
    outage = false;
    const second = await runOnce(h);
    expect(second.result!.reconciliation).toMatchObject({ balanced: true, captured: { count: affected }, delivered: { count: affected } });
    expect(Object.fromEntries(actualDeliveries(h.mailboxes).perMailbox)).toEqual(Object.fromEntries(expectedDeliveries(pod)));
  });
});

function tooLargeIn(pod: FakePod, stream: number): number {
  let n = 0;
  for (let i = stream; i < pod.messages; i += pod.streams) if (messageOf(i, pod).bytes > 150 * 1024 * 1024) n++;
  return n;
}
