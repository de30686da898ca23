import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatedUser, MailboxState } from '../../electron/sandbox/emulators/graph/model';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';
import { runOutcomeWords } from '../../shared/contract/run-words';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { expectedPairs, landingProblems } from '../support/landing';
import { TestWorld } from '../support/world';

/**
 * Issue 13: a mailbox that cannot be written is a gap, never a skip. Over both emulators, one
 * participant's mailbox A cannot be written in run 1 (access denied; no licence yet; removed in the
 * middle of the run). Run 1 must end *completed with problems* with A's deliveries blocked and
 * named; once the tenant is fixed, run 2 delivers exactly A's backlog, once, and succeeds. What
 * must land is computed from the emulators' models.
 */
describe('blocked mailboxes: nothing silently missing', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function world(): Promise<RealWorld & { a: string; userA: EmulatedUser }> {
    const temp = new TestWorld();
    const w = await startRealWorld(temp, { symphony: { seed: 'blocked', conversations: 6, messages: 120, attachments: 4, internalUsers: 5, externalUsers: 1, maxAttachmentBytes: 8 * 1024 } });
    cleanups.push(() => temp.dispose());
    // A: a person's mailbox (not the service account's) with the most deliveries planned.
    const perBox = new Map<string, number>();
    for (const boxes of expectedPairs(w).values()) for (const b of boxes) perBox.set(b, (perBox.get(b) ?? 0) + 1);
    const bot = w.tenant.get(w.symphony.pod.serviceAccount.email.toLowerCase());
    const a = [...perBox].filter(([box]) => box !== bot).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]![0];
    return { ...w, a, userA: w.graphEmulator.directory.findUser(a)! };
  }

  const run = async (w: RealWorld) => (await w.controller.start(w.connector.id, 'manual')).done;
  const planned = (w: RealWorld, mailbox: string) => [...expectedPairs(w).values()].filter((b) => b.includes(mailbox)).length;
  const heldBy = (w: RealWorld, mailbox: string) => w.graphEmulator.directory.mailboxes.get(w.graphEmulator.directory.findUser(mailbox)!.id)?.messages.size ?? 0;

  async function blockedThenFixed(w: Awaited<ReturnType<typeof world>>, broken: MailboxState, reason: string, message: RegExp): Promise<void> {
    w.graphEmulator.directory.setMailboxState(w.userA, broken);
    const forA = planned(w, w.a);
    expect(forA).toBeGreaterThan(10);

    const first = await run(w);
    const rec = first.result!.reconciliation;
    expect(first.status).toBe('completed-with-problems');
    expect(rec.balanced).toBe(true);
    expect(rec.deliveries.blocked).toBe(forA);
    expect(rec.blockedMailboxes).toEqual([expect.objectContaining({ mailbox: w.a, reason, deliveries: forA })]);
    expect(rec.blockedMailboxes[0]!.message).toMatch(message);
    expect(rec.blocked.count).toBe(forA);
    expect(rec.skipped.count).toBe(0);
    expect(rec.captured.count).toBe(rec.delivered.count + rec.blocked.count + rec.failed.count + rec.held.count + rec.skipped.count);
    const d = rec.deliveries;
    expect(d.planned).toBe(d.delivered + d.alreadyThere + d.partial + d.blocked + d.failed + d.held + d.skipped + d.open);
    expect(runOutcomeWords(first.status, rec)).toContain(`completed with problems: ${forA} deliveries blocked (${w.a}: ${reason.replace(/-/g, ' ')})`);
    // Nothing was skipped in the ledger, and every other mailbox holds exactly what it should.
    const ledger = new DeliveryRepository(w.store);
    expect(ledger.counts(w.connector.id)).toMatchObject({ skipped: 0, blocked: forA, pending: 0, sending: 0 });
    expect(landingProblems(w, (box) => box !== w.a)).toEqual([]);
    expect(heldBy(w, w.a)).toBe(0);

    // The tenant is fixed: run 2 re-checks A first and delivers exactly its backlog.
    w.graphEmulator.directory.setMailboxState(w.userA, 'enabled');
    const second = await run(w);
    const rec2 = second.result!.reconciliation;
    expect(second.error).toBeNull();
    expect(second.status).toBe('succeeded');
    expect(rec2.captured.count).toBe(forA);
    expect(rec2.delivered.count).toBe(forA);
    expect(rec2.deliveries).toMatchObject({ planned: rec2.deliveries.delivered + rec2.deliveries.alreadyThere, blocked: 0 });
    expect(rec2.blockedMailboxes).toEqual([]);
    expect(landingProblems(w)).toEqual([]);
    expect(heldBy(w, w.a)).toBe(forA);
    // The item log says where each of A's items went, once.
    const log = new ItemLogRepository(w.store).log({ connectorId: w.connector.id, person: w.a, offset: 0, limit: 10_000 });
    expect(log.entries.filter((e) => e.event === 'delivered' && e.mailbox === w.a)).toHaveLength(forA);
    expect(log.entries.filter((e) => e.event === 'blocked' && e.mailbox === w.a)).toHaveLength(forA);

    const third = await run(w);
    expect(third.status).toBe('succeeded');
    expect(third.result!.reconciliation.captured.count).toBe(0);
    expect(landingProblems(w)).toEqual([]);
  }

  it('an access-denied mailbox (RBAC scope) is blocked and named, then gets its backlog exactly once', async () => {
    const w = await world();
    await blockedThenFixed(w, 'denied', 'access-denied', /not allowed to write/);
  });

  it('a mailbox that does not exist yet (no licence) is blocked, then delivered once the licence is added', async () => {
    const w = await world();
    await blockedThenFixed(w, 'unlicensed', 'not-licensed', /no Exchange Online license/);
  });

  it('a mailbox removed in the middle of a run blocks the rest of its deliveries; restored, it gets exactly those', async () => {
    const w = await world();
    const forA = planned(w, w.a);
    const path = `/users/${encodeURIComponent(w.a)}/`;
    let creates = 0;
    // The fourth create for A meets a removed mailbox (inactive, as Exchange Online answers).
    w.graphEmulator.onRequest = (method, url) => {
      if (method === 'POST' && decodeURIComponent(url).toLowerCase().includes(decodeURIComponent(path).toLowerCase()) && url.endsWith('/messages') && ++creates === 4) {
        w.graphEmulator.directory.setMailboxState(w.userA, 'none');
      }
    };
    const first = await run(w);
    w.graphEmulator.onRequest = undefined;
    const rec = first.result!.reconciliation;
    const landedInA = heldBy(w, w.a);
    expect(first.status).toBe('completed-with-problems');
    expect(rec.balanced).toBe(true);
    expect(landedInA).toBeGreaterThanOrEqual(3);
    expect(landedInA).toBeLessThan(forA);
    expect(rec.deliveries.blocked).toBe(forA - landedInA);
    expect(rec.blockedMailboxes).toEqual([expect.objectContaining({ mailbox: w.a, reason: 'no-mailbox', deliveries: forA - landedInA })]);
    expect(landingProblems(w, (box) => box !== w.a)).toEqual([]);

    w.graphEmulator.directory.setMailboxState(w.userA, 'enabled');
    const second = await run(w);
    expect(second.status).toBe('succeeded');
    expect(second.result!.reconciliation.captured.count).toBe(forA - landedInA);
    expect(landingProblems(w)).toEqual([]);
    expect(heldBy(w, w.a)).toBe(forA);
  });
});
