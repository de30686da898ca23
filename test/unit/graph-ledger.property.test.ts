import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerWriter, trackRequest } from '../../electron/core/graph/ledger';
import { silentLogger } from '../../electron/core/platform/logger';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DeliveryRepository, type DeliveryKey } from '../../electron/core/store/repos/deliveries';
import { UnknownOutcomeRepository } from '../../electron/core/store/repos/delivery-unknowns';
import { makeTempDir } from '../support/tmp';

/**
 * The delivery ledger's group commit (graph/ledger.ts) against a real SQLite file, read back
 * through a second connection: what a caller was told is written must be on disk for anyone.
 */
describe('the delivery ledger’s group commit', () => {
  const temp = makeTempDir();
  let store: Store;
  /** Another connection to the same file: sees only what was committed. */
  let reader: Store;
  let repo: DeliveryRepository;
  let connectorId: string;
  let next = 0;
  const newKeys = (n: number): DeliveryKey[] => {
    const keys = Array.from({ length: n }, (_, i) => ({ connectorId, archiveKey: `c:m${next + i}`, mailbox: `user${(next + i) % 7}@corp.example` }));
    next += n;
    store.transaction(() => {
      for (const k of keys) repo.enqueue(connectorId, k.archiveKey, [k.mailbox]);
    });
    return keys;
  };
  beforeAll(() => {
    store = Store.open(path.join(temp.dir, 'a.db'));
    connectorId = new ConnectorRepository(store).create('c').id;
    repo = new DeliveryRepository(store);
    reader = Store.open(path.join(temp.dir, 'a.db'));
  });
  afterAll(() => {
    reader.dispose();
    store.dispose();
    temp.cleanup();
  });

  it('resolves each write only once another connection sees it, rejects only the write that threw (leaving nothing of it), and commits at most once per window', async () => {
    const windowMs = 4;
    // About one write in five throws.
    const step = fc.record({ gapMs: fc.integer({ min: 0, max: 5 }), throws: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const ledger = new LedgerWriter(repo, windowMs);
        const keys = newKeys(steps.length);
        const seen = new DeliveryRepository(reader);
        const started = performance.now();
        const outcomes: Array<Promise<'ok' | 'rejected'>> = [];
        for (const [i, s] of steps.entries()) {
          const key = keys[i]!;
          const written = ledger.write(() => {
            repo.markSending(key);
            if (s.throws) throw new Error(`planted failure ${i}`);
          });
          outcomes.push(
            written.then(
              () => {
                // Told it is written: another connection sees it now.
                expect(seen.get(key)).toMatchObject({ state: 'sending', attempts: 1 });
                return 'ok' as const;
              },
              () => 'rejected' as const,
            ),
          );
          if (s.gapMs) await sleep(s.gapMs);
        }
        const results = await Promise.all(outcomes);
        const elapsed = performance.now() - started;
        expect(results).toEqual(steps.map((s) => (s.throws ? 'rejected' : 'ok')));
        // A write that threw left nothing behind (its statement was rolled back with it).
        for (const [i, s] of steps.entries()) if (s.throws) expect(seen.get(keys[i]!)).toMatchObject({ state: 'pending', attempts: 0 });
        // Commits are at least a window apart, so there are never more than the time allows.
        expect(ledger.stats.writes).toBe(steps.length);
        expect(ledger.stats.commits).toBeLessThanOrEqual(Math.floor(elapsed / windowMs) + 1);
      }),
      { numRuns: 20 },
    );
  });

  it('shares one commit among writes made together, however many', async () => {
    const ledger = new LedgerWriter(repo);
    const keys = newKeys(500);
    await Promise.all(keys.map((key) => ledger.write(() => repo.markSending(key))));
    expect(ledger.stats).toEqual({ commits: 1, writes: 500 });
  });

  it('commits a create’s `sending`, its route and its request in flight together, before beforeSend resolves', async () => {
    const ledger = new LedgerWriter(repo);
    const unknowns = new UnknownOutcomeRepository(store);
    const [key] = newKeys(1);
    const clock = { now: () => Date.UTC(2026, 0, 1), setTimeout: () => ({ cancel() {} }), sleep: async () => {} };
    const create = trackRequest({ ledger, repo, unknowns, clock, marginMs: 60_000, logger: silentLogger }, key!, 'create', { route: 'graph-mime' });
    expect(create.sent).toBe(false);
    const sent = create.beforeSend(new Date(Date.UTC(2026, 0, 1, 0, 2)));
    // Nothing is on disk before the commit: the request is still waiting.
    expect(new DeliveryRepository(reader).get(key!)).toMatchObject({ state: 'pending', route: null });
    await sent;
    expect(create.sent).toBe(true);
    expect(new DeliveryRepository(reader).get(key!)).toMatchObject({ state: 'sending', attempts: 1, route: 'graph-mime' });
    expect(new UnknownOutcomeRepository(reader).get(key!)).toMatchObject({ state: 'in-flight', deadline: new Date(Date.UTC(2026, 0, 1, 0, 2)).toISOString() });
  });
});
