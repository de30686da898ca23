import { afterEach, describe, expect, it } from 'vitest';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';
import { EXIT, summarise, type CliIo } from '../../electron/host/cli';
import type { FaultKind } from '../../electron/sandbox/emulators/graph/server';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';
import { storedItems } from '../support/store-reads';

const MESSAGES = 160;

/**
 * The directory look-up (`GET /users?$filter=…`, mapping people to mailboxes) under transient and
 * lasting faults, over the real stages and both emulators: a single 429, 503 or reset is retried
 * like a delivery and the run succeeds; a look-up that keeps failing leaves only the items that
 * need it waiting — no outcome, no failure, counted in the run's `waiting` — and the next run, once
 * Graph answers again, finishes them.
 */
describe('runs ride out directory look-up faults', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  /** A world whose GET /users fails as `fault(url)` says (undefined: answered). */
  async function world(fault: (url: URL) => FaultKind | undefined): Promise<RealWorld> {
    const temp = new TestWorld();
    const w = await startRealWorld(temp, {
      symphony: { seed: 'directory-faults', conversations: 8, messages: MESSAGES, attachments: 0, internalUsers: 10, externalUsers: 2 },
      graph: { retry: { baseMs: 5, maxMs: 50 } },
      // Each look-up of a failing address retries in full (no pause), so that the next run is not
      // held back by this one's failures: the test's clock is the real one.
      mapping: { directoryPauseMs: 0 },
    });
    cleanups.push(() => temp.dispose());
    w.graphEmulator.setFaults({
      rate: 1,
      kinds: ['503'],
      match: (method, path, _headers, url) => {
        if (method !== 'GET' || path !== '/v1.0/users') return false;
        const kind = fault(url);
        if (kind) w.graphEmulator.faults!.kinds = [kind];
        return kind !== undefined;
      },
    });
    return w;
  }

  const run = async (w: RealWorld) => (await w.controller.start(w.connector.id, 'manual')).done;

  it('one 429, one 503 and one reset on GET /users: retried, the run succeeds with every item', async () => {
    const plan: FaultKind[] = ['429', '503', 'reset'];
    const w = await world(() => plan.shift());
    const outcome = await run(w);
    expect(plan).toEqual([]);
    expect(w.graphEmulator.counters.faults).toMatchObject({ '429': 1, '503': 1, reset: 1 });
    expect(outcome.status).toBe('succeeded');
    const rec = outcome.result!.reconciliation;
    expect(rec).toMatchObject({ balanced: true, read: MESSAGES, captured: { count: MESSAGES }, failed: { count: 0 } });
    expect(rec.waiting).toBeUndefined();
    expect(rec.delivered.count + rec.skipped.count).toBe(MESSAGES);
    expect(rec.delivered.count).toBeGreaterThan(MESSAGES / 2);
  });

  it('a look-up that keeps failing: only the items that need it wait, the run says so, the next run finishes them', async () => {
    let failing: string | null = null;
    const w = await world((url) => (failing && (url.searchParams.get('$filter') ?? '').includes(failing) ? 'reset' : undefined));
    // The person in the fewest conversations (but some): their conversations' items need the look-up.
    const pod = w.symphony.pod;
    const streamsOf = (id: bigint) => [...pod.streams.values()].filter((s) => s.members.has(id) || s.messages.some((m) => m.sender === id));
    const person = [...pod.users.values()]
      .filter((u) => !u.external && u.accountType === 'NORMAL' && w.tenant.has(u.email.toLowerCase()) && streamsOf(u.id).length > 0)
      .sort((a, b) => streamsOf(a.id).length - streamsOf(b.id).length)[0]!;
    failing = person.email.toLowerCase();
    const affected = new Set(streamsOf(person.id).map((s) => s.id));
    const affectedMessages = [...pod.streams.values()].filter((s) => affected.has(s.id)).reduce((n, s) => n + s.messages.length, 0);
    expect(affectedMessages).toBeGreaterThan(0);
    expect(affectedMessages).toBeLessThan(MESSAGES);

    const first = await run(w);
    const rec = first.result!.reconciliation;
    // The run did its work: it read everything and answered for every item that did not wait.
    expect(first.status).toBe('succeeded');
    expect(rec.read).toBe(MESSAGES);
    const waiting = rec.waiting?.['lookup-failed'] ?? 0;
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThanOrEqual(affectedMessages);
    expect(rec).toMatchObject({ balanced: true, failed: { count: 0 }, captured: { count: MESSAGES - waiting } });
    // The waiting items have no outcome (nothing failed, nothing skipped) and all belong to the
    // failing person's conversations; every other item has its outcome.
    const items = new ItemLogRepository(w.store);
    const rows = storedItems(w.store, w.connector.id);
    const open = rows.filter((r) => items.get(w.connector.id, r.id) === undefined);
    expect(open).toHaveLength(waiting);
    expect(open.every((r) => affected.has(r.streamId))).toBe(true);
    // The run line says so, in words, and the command's exit code is not 0.
    const lines: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    expect(summarise(w.connector, { runId: first.runId, status: first.status, error: first.error, reconciliation: rec }, io)).toBe(EXIT.problems);
    expect(lines[0]).toContain(`read ${MESSAGES} new message(s) from Symphony`);
    expect(lines[0]).toContain(`${waiting} wait for the next run (directory look-up failed: ${waiting})`);
    expect(lines[0]).not.toMatch(/captured 0/);

    // Graph answers again: the next run takes the waiting items in and delivers them.
    failing = null;
    const second = await run(w);
    expect(second.status).toBe('succeeded');
    expect(second.result!.reconciliation).toMatchObject({ balanced: true, read: 0, captured: { count: waiting }, failed: { count: 0 } });
    expect(second.result!.reconciliation.waiting).toBeUndefined();
    expect(rows.filter((r) => items.get(w.connector.id, r.id) === undefined)).toEqual([]);
  });
});
