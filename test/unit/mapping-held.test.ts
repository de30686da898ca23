import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MappingService, type HeldDelivery } from '../../electron/core/mapping/resolver';
import { ManualClock } from '../../electron/core/platform/clock';
import { EventBus } from '../../electron/core/platform/events';
import type { Store } from '../../electron/core/store/database';
import type { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { makeTempDir } from '../support/tmp';
import { createConnector, InMemoryDirectory, mappingApi, openMappingStore, person } from './mapping-support';
import { MappingRepository } from '../../electron/core/store/repos/mapping';
import { mappingRows } from '../support/store-reads';

const alice = person('1', 'alice@contoso.com');
const dave = person('4', 'dave@contoso.com', { displayName: 'Dave New' });
const erin = person('5', 'erin@contoso.com');
const partner = person('7', 'partner@otherbank.com', { external: true });

describe('mapping: items held for unmapped participants', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());
  let n = 0;
  let store: Store;
  let connectors: ConnectorRepository;
  let clock: ManualClock;
  let directory: InMemoryDirectory;

  beforeEach(() => {
    ({ store, connectors } = openMappingStore(temp.dir, `held-${n++}.db`));
    clock = new ManualClock();
    directory = new InMemoryDirectory([{ userPrincipalName: 'alice@contoso.com', mail: 'alice@contoso.com', displayName: 'Alice' }]);
  });

  /** A stand-in for the pipeline's delivery ledger, in the same database. */
  function ledger() {
    store.db.exec('CREATE TABLE IF NOT EXISTS test_ledger (item_id INTEGER NOT NULL, mailbox TEXT NOT NULL, PRIMARY KEY (item_id, mailbox))');
    const insert = store.db.prepare('INSERT INTO test_ledger (item_id, mailbox) VALUES (?, ?)');
    return {
      enqueue: (pairs: { itemId: number; mailbox: string }[]) => pairs.forEach((p) => insert.run(p.itemId, p.mailbox)),
      rows: () => store.db.prepare('SELECT item_id AS itemId, mailbox FROM test_ledger ORDER BY item_id, mailbox').all(),
    };
  }

  async function captureItems(service: MappingService, connectorId: string, book: ReturnType<typeof ledger>) {
    // Items 1-3 include dave (unmapped); item 4 only alice and erin (erin unmapped); item 5 only alice.
    const items = [
      { id: 1, timestamp: Date.UTC(2026, 0, 1), members: [alice, dave, partner] },
      { id: 2, timestamp: Date.UTC(2026, 0, 2), members: [dave, alice] },
      { id: 3, timestamp: Date.UTC(2026, 0, 3), members: [alice, dave, erin] },
      { id: 4, timestamp: Date.UTC(2026, 0, 4), members: [alice, erin] },
      { id: 5, timestamp: Date.UTC(2026, 0, 5), members: [alice] },
    ];
    for (const item of items) {
      await service.resolveAndRecord(connectorId, item, item.members, (r) => book.enqueue(r.mailboxes.map((mailbox) => ({ itemId: item.id, mailbox }))));
    }
  }

  it('after an unmapped participant is mapped, releases exactly the items held for them, to that mailbox only, once', async () => {
    const c = createConnector(connectors, 'pod');
    const service = new MappingService({ store, connectors, clock, directoryFor: () => directory });
    const book = ledger();
    await captureItems(service, c.id, book);
    expect(book.rows()).toEqual([1, 2, 3, 4, 5].map((itemId) => ({ itemId, mailbox: 'alice@contoso.com' })));

    const api = mappingApi({ store, connectors, events: new EventBus(), clock });
    const report = await api.invoke('mapping.unmapped', { connectorId: c.id });
    expect(report.rows.map((r) => [r.participant.userId, r.itemsAffected, r.lastSeen])).toEqual([
      ['4', 3, new Date(Date.UTC(2026, 0, 3)).toISOString()],
      ['5', 2, new Date(Date.UTC(2026, 0, 4)).toISOString()],
    ]);

    // Nothing is mapped yet: nothing to release, and the enqueue callback is not called.
    let calls = 0;
    expect(await service.releaseHeldItems(c.id, () => calls++)).toEqual([]);
    expect(calls).toBe(0);

    await api.invoke('mapping.set', { connectorId: c.id, mapping: { symphonyUserId: '4', targetUpn: 'Dave.New@contoso.com', alsoDeliverTo: ['supervisor@contoso.com'] } });
    const released = await service.releaseHeldItems(c.id, book.enqueue);
    expect(released).toEqual<HeldDelivery[]>([
      { itemId: 1, mailbox: 'dave.new@contoso.com', userId: '4' },
      { itemId: 2, mailbox: 'dave.new@contoso.com', userId: '4' },
      { itemId: 3, mailbox: 'dave.new@contoso.com', userId: '4' },
    ]);
    expect(book.rows()).toContainEqual({ itemId: 3, mailbox: 'dave.new@contoso.com' });
    expect(book.rows()).not.toContainEqual({ itemId: 4, mailbox: 'dave.new@contoso.com' });
    expect(book.rows().filter((r) => (r as { mailbox: string }).mailbox === 'supervisor@contoso.com')).toEqual([]);

    // Exactly once: a second run releases nothing more, and erin is still held.
    expect(await service.releaseHeldItems(c.id, book.enqueue)).toEqual([]);
    expect((await api.invoke('mapping.unmapped', { connectorId: c.id })).rows.map((r) => [r.participant.userId, r.itemsAffected])).toEqual([['5', 2]]);

    // Erin gets a mailbox in the tenant (automatic mapping): her items 3 and 4 follow after the not-found answer expires.
    directory.users.push({ userPrincipalName: 'erin@contoso.com', mail: 'erin@contoso.com', displayName: 'Erin' });
    expect(await service.releaseHeldItems(c.id, book.enqueue)).toEqual([]);
    await clock.advance(61 * 60 * 1000);
    expect((await service.releaseHeldItems(c.id, book.enqueue)).map((d) => [d.itemId, d.mailbox])).toEqual([
      [3, 'erin@contoso.com'],
      [4, 'erin@contoso.com'],
    ]);
    expect((await api.invoke('mapping.unmapped', { connectorId: c.id })).rows).toEqual([]);
  });

  it('releases nothing when the caller’s enqueue fails, and everything on the next try', async () => {
    const c = createConnector(connectors, 'pod');
    const service = new MappingService({ store, connectors, clock, directoryFor: () => directory });
    const book = ledger();
    await captureItems(service, c.id, book);
    await mappingApi({ store, connectors, events: new EventBus(), clock }).invoke('mapping.set', { connectorId: c.id, mapping: { symphonyEmail: 'dave@contoso.com', targetUpn: 'dave@contoso.com' } });

    await expect(
      service.releaseHeldItems(c.id, (pairs) => {
        book.enqueue(pairs);
        throw new Error('ledger full');
      }),
    ).rejects.toThrow('ledger full');
    // The enqueue's own writes rolled back with the release: the ledger is as before.
    expect(book.rows()).toHaveLength(5);
    expect((await service.releaseHeldItems(c.id, book.enqueue)).map((d) => d.itemId)).toEqual([1, 2, 3]);
    expect(book.rows()).toHaveLength(8);
  });

  it('keeps items held for excluded participants and never holds for external ones', async () => {
    const c = createConnector(connectors, 'pod');
    const service = new MappingService({ store, connectors, clock, directoryFor: () => directory });
    const book = ledger();
    await captureItems(service, c.id, book);
    expect(new MappingRepository(store).heldItems(c.id, '7')).toEqual([]);
    await mappingApi({ store, connectors, events: new EventBus(), clock }).invoke('mapping.set', { connectorId: c.id, mapping: { symphonyUserId: '4', exclude: true } });
    expect(await service.releaseHeldItems(c.id, book.enqueue)).toEqual([]);
    expect(new MappingRepository(store).heldItems(c.id, '4')).toHaveLength(3);
  });

  it('records an item once however often the pipeline records it', async () => {
    const c = createConnector(connectors, 'pod');
    const service = new MappingService({ store, connectors, clock, directoryFor: () => directory });
    const item = { id: 42, timestamp: Date.UTC(2026, 0, 9) };
    for (let i = 0; i < 3; i++) service.recordItem(c.id, item, await service.resolveRecipients(c.id, [alice, dave]));
    const seen = new MappingRepository(store).listParticipants({ connectorId: c.id, automatic: true, sort: 'name', direction: 'asc', offset: 0, limit: 100 });
    expect(seen.rows.find((r) => r.participant.userId === '1')?.itemsAffected).toBe(1);
    expect(mappingRows(store, 'mapping_held')).toBe(1);
  });
});
