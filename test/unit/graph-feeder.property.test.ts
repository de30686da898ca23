import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryFeeder, ledgerSource, listSource } from '../../electron/core/graph/feeder';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DeliveryRepository, type Delivery } from '../../electron/core/store/repos/deliveries';
import { makeTempDir } from '../support/tmp';

function delivery(mailbox: string, n: number): Delivery {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return { connectorId: 'c', archiveKey: `k-${n}`, mailbox, state: 'pending', attempts: 0, graphId: null, attachmentsDone: [], note: null, lastError: null, reason: null, blockedReason: null, foundExisting: false, route: null, createdAt: at, updatedAt: at, deliveredAt: null };
}

/** Lets `ticks` turns of the event loop pass: deliveries end in an order fast-check chooses. */
const ticks = (n: number) => new Promise<void>((resolve) => (n <= 0 ? resolve() : setImmediate(() => void ticks(n - 1).then(resolve))));

describe('the delivery feeder', () => {
  it('starts every delivery once, never more at once than the slots it is told now or the mailbox allows, and nothing of a dropped mailbox after the drop', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(30), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.nat(5), { minLength: 1, maxLength: 50 }),
        fc.option(fc.nat(11)),
        async (counts, slotValues, perMailbox, pageSize, durations, dropIndex) => {
          let n = 0;
          const all = counts.flatMap((count, m) => Array.from({ length: count }, () => delivery(`m${m}@x.example`, n++)));
          let asked = 0;
          let lastSlots = 0;
          // The slots change as the feeder asks, the way the adaptive cap changes under it.
          const slots = () => (lastSlots = slotValues[asked++ % slotValues.length]!);
          const started = new Map<string, number>();
          const runningIn = new Map<string, number>();
          let running = 0;
          let dropped: string | undefined;
          const startedAfterDrop: string[] = [];
          let index = 0;
          const feeder: DeliveryFeeder<number> = new DeliveryFeeder({
            source: listSource(all),
            slots,
            perMailbox,
            pageSize,
            deliver: async (d) => {
              expect(running).toBeLessThan(lastSlots);
              expect(runningIn.get(d.mailbox) ?? 0).toBeLessThan(perMailbox);
              if (d.mailbox === dropped) startedAfterDrop.push(d.archiveKey);
              started.set(d.archiveKey, (started.get(d.archiveKey) ?? 0) + 1);
              running++;
              runningIn.set(d.mailbox, (runningIn.get(d.mailbox) ?? 0) + 1);
              const my = index++;
              if (dropIndex !== null && my === 3) {
                dropped = `m${dropIndex % counts.length}@x.example`;
                feeder.drop(dropped);
              }
              await ticks(durations[my % durations.length]!);
              running--;
              runningIn.set(d.mailbox, runningIn.get(d.mailbox)! - 1);
            },
          });
          await feeder.run();
          expect(running).toBe(0);
          expect(startedAfterDrop).toEqual([]);
          expect([...started.values()].every((times) => times === 1)).toBe(true);
          // Everything of the mailboxes that were not dropped ran.
          for (const d of all) if (d.mailbox !== dropped) expect(started.get(d.archiveKey)).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rotates over mailboxes: a large backlog in the first one does not hold back the others', async () => {
    const all = [...Array.from({ length: 200 }, (_, i) => delivery('big@x.example', i)), ...Array.from({ length: 9 }, (_, i) => delivery(`small${i}@x.example`, 1000 + i))];
    const order: string[] = [];
    await new DeliveryFeeder({
      source: listSource(all),
      slots: () => 8,
      perMailbox: 4,
      deliver: async (d) => {
        order.push(d.mailbox);
        await ticks(1);
      },
    }).run();
    // Four of the large mailbox at most run at once; the small ones take the other slots from the
    // start, so all of them began among the first starts, not after the 200 of the large one.
    const firstSmall = order.slice(0, 24).filter((m) => m.startsWith('small'));
    expect(new Set(firstSmall).size).toBe(9);
    expect(order.length).toBe(209);
  });

  it('stops starting deliveries once stopped and ends when the running ones did', async () => {
    const all = Array.from({ length: 100 }, (_, i) => delivery(`m${i % 5}@x.example`, i));
    let ran = 0;
    await new DeliveryFeeder({
      source: listSource(all),
      slots: () => 10,
      perMailbox: 4,
      stopped: () => ran >= 15,
      deliver: async () => {
        ran++;
        await ticks(2);
      },
    }).run();
    expect(ran).toBeGreaterThanOrEqual(15);
    expect(ran).toBeLessThan(15 + 10);
  });

  it('reads the ledger a page at a time per mailbox: sending rows first, then pending, each in the order enqueued, and never a row twice while rows change state under it', async () => {
    const temp = makeTempDir();
    const store = Store.open(`${temp.dir}/a.db`);
    try {
      const connector = new ConnectorRepository(store).create('feed', {});
      const repo = new DeliveryRepository(store);
      const mailboxes = ['a@x.example', 'b@x.example', 'c@x.example'];
      for (let i = 0; i < 300; i++) repo.enqueue(connector.id, `k-${String(i).padStart(4, '0')}`, [mailboxes[i % 3]!, ...(i % 7 === 0 ? [mailboxes[(i + 1) % 3]!] : [])]);
      const all = repo.list(connector.id);
      // Some rows were sent before (outcome unknown), some are finished already.
      for (const d of all.filter((_, i) => i % 11 === 0)) repo.markSending(d);
      for (const d of all.filter((_, i) => i % 13 === 0)) repo.markDelivered(d, 'id');
      const open = repo.listOpen(connector.id);
      const seen: Delivery[] = [];
      await new DeliveryFeeder({
        source: ledgerSource(repo, connector.id),
        slots: () => 7,
        perMailbox: 3,
        pageSize: 5,
        deliver: async (d) => {
          seen.push(d);
          // What the importer does to a row: `sending` now, finished or left `sending` for the next run later.
          repo.markSending(d);
          await ticks(1);
          if (seen.length % 3 === 0) repo.markRetryLater(d, { code: 'throttled', message: 'later' }, true);
          else repo.markDelivered(d, 'id');
        },
      }).run();
      const key = (d: Delivery) => `${d.mailbox} ${d.archiveKey}`;
      expect(seen.map(key).sort()).toEqual(open.map(key).sort());
      expect(new Set(seen.map(key)).size).toBe(seen.length);
      for (const mailbox of mailboxes) {
        const mine = seen.filter((d) => d.mailbox === mailbox);
        const firstPending = mine.findIndex((d) => d.state === 'pending');
        expect(mine.slice(firstPending).every((d) => d.state === 'pending')).toBe(true);
        const expected = open.filter((d) => d.mailbox === mailbox).sort((x, y) => (x.state === y.state ? 0 : x.state === 'sending' ? -1 : 1));
        expect(mine.map(key)).toEqual(expected.map(key));
      }
    } finally {
      store.dispose();
      temp.cleanup();
    }
  });
});
