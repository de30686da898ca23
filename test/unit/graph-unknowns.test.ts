import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseKept, type FoundItem } from '../../electron/core/graph/items';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { UnknownOutcomeRepository } from '../../electron/core/store/repos/delivery-unknowns';
import { makeTempDir } from '../support/tmp';

describe('which copy settling keeps', () => {
  const item = fc.record({ id: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), isDraft: fc.boolean(), createdDateTime: fc.date({ min: new Date(2025, 0, 1), max: new Date(2026, 0, 1), noInvalidDate: true }).map((d) => d.toISOString()) });
  const copies = fc.uniqueArray(item, { selector: (c) => c.id, minLength: 1, maxLength: 6 });

  it('keeps the ledger’s copy when it is there, else the oldest; the choice never depends on the order Graph lists them in', () => {
    fc.assert(
      fc.property(copies, fc.option(fc.nat()), fc.infiniteStream(fc.nat()), (found, pick, shuffleSeeds) => {
        const ledgerId = pick === null ? null : found[pick % found.length]!.id;
        const { kept, strays } = chooseKept(found, ledgerId);
        const shuffled = [...found].sort(() => (shuffleSeeds.next().value % 3) - 1);
        expect(chooseKept(shuffled, ledgerId).kept).toEqual(kept);
        expect(strays).toHaveLength(found.length - 1);
        expect(strays.map((s) => s.id)).not.toContain(kept!.id);
        if (ledgerId) expect(kept!.id).toBe(ledgerId);
        else for (const other of found) expect(kept!.createdDateTime <= other.createdDateTime).toBe(true);
      }),
    );
  });

  it('keeps nothing when nothing is there', () => {
    expect(chooseKept([] as FoundItem[], 'x')).toEqual({ kept: undefined, strays: [] });
  });
});

describe('the unknown-outcome ledger (migration 0016)', () => {
  const temp = makeTempDir();
  let store: Store;
  let unknowns: UnknownOutcomeRepository;
  let key: { connectorId: string; archiveKey: string; mailbox: string };
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  beforeAll(() => {
    store = Store.open(path.join(temp.dir, 'a.db'));
    const connector = new ConnectorRepository(store).create('c');
    key = { connectorId: connector.id, archiveKey: 'c:m1', mailbox: 'Alice@Corp.example' };
    new DeliveryRepository(store).enqueue(connector.id, key.archiveKey, [key.mailbox]);
    unknowns = new UnknownOutcomeRepository(store);
  });
  afterAll(() => {
    store.dispose();
    temp.cleanup();
  });

  it('forgets a request whose answer arrived, keeps one that went unanswered', () => {
    unknowns.beginRequest(key, at(0), at(120), at(420), 'create');
    expect(unknowns.get(key)).toMatchObject({ state: 'in-flight', deadline: at(120).toISOString(), settleAt: at(420).toISOString() });
    expect(unknowns.list(key.connectorId)).toEqual([]); // nothing to settle while only in flight
    unknowns.answered(key);
    expect(unknowns.get(key)).toBeUndefined();

    unknowns.beginRequest(key, at(0), at(120), at(420), 'create');
    unknowns.becameUnknown(key, at(30), at(330), 'create: reset');
    expect(unknowns.get(key)).toMatchObject({ state: 'unknown', since: at(30).toISOString(), deadline: at(120).toISOString(), settleAt: at(330).toISOString(), requests: 1, inFlight: null });
  });

  it('an answered retry neither clears the earlier unknown nor moves its settle time', () => {
    unknowns.beginRequest(key, at(40), at(160), at(460), 'create');
    expect(unknowns.get(key)).toMatchObject({ state: 'unknown', settleAt: at(330).toISOString() });
    expect(unknowns.get(key)!.inFlight).toMatchObject({ deadline: at(160).toISOString() });
    unknowns.answered(key);
    expect(unknowns.get(key)).toMatchObject({ state: 'unknown', settleAt: at(330).toISOString(), inFlight: null });
    expect(unknowns.list(key.connectorId, at(329))).toEqual([]);
    expect(unknowns.list(key.connectorId, at(330))).toHaveLength(1);
  });

  it('a request a dead process left in flight becomes unknown, settleable at its own deadline plus the margin', () => {
    unknowns.beginRequest(key, at(50), at(170), at(470), 'attachment a.pdf');
    expect(unknowns.orphanInFlight(key.connectorId)).toBe(1);
    expect(unknowns.get(key)).toMatchObject({ state: 'unknown', settleAt: at(470).toISOString(), deadline: at(170).toISOString(), requests: 2, inFlight: null });
    expect(unknowns.get(key)!.reason).toMatch(/stopped while the request was out \(attachment a\.pdf\)/);
  });

  it('settles only the row as it was read, and keeps the evidence', () => {
    const read = unknowns.get(key)!;
    unknowns.beginRequest(key, at(60), at(180), at(480), 'create');
    expect(unknowns.settle(read, { runId: 3, settledAt: at(500).toISOString(), keptGraphId: 'A', deletedGraphIds: ['B'], outcome: 'kept' })).toBe(false);
    unknowns.answered(key);
    expect(unknowns.settle(unknowns.get(key)!, { runId: 3, settledAt: at(500).toISOString(), keptGraphId: 'A', deletedGraphIds: ['B', 'C'], outcome: 'kept' })).toBe(true);
    expect(unknowns.count(key.connectorId)).toBe(0);
    expect(unknowns.settlements(key.connectorId)).toEqual([
      expect.objectContaining({ mailbox: 'alice@corp.example', runId: 3, keptGraphId: 'A', deletedGraphIds: ['B', 'C'], outcome: 'kept', unknownSince: at(30).toISOString() }),
    ]);
    expect(unknowns.settledInRun(key.connectorId, 3)).toEqual({ settled: 1, straysDeleted: 2, replaced: 0 });
  });
});
