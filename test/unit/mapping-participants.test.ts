import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../electron/core/app/dispatcher';
import { MappingService } from '../../electron/core/mapping/resolver';
import { ManualClock } from '../../electron/core/platform/clock';
import { EventBus } from '../../electron/core/platform/events';
import type { Store } from '../../electron/core/store/database';
import type { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { makeTempDir } from '../support/tmp';
import { createConnector, InMemoryDirectory, mappingApi, openMappingStore, person } from './mapping-support';

describe('mapping: the participants list of the editor', () => {
  const temp = makeTempDir();
  let store: Store;
  let connectors: ConnectorRepository;
  let api: Dispatcher;
  let connectorId: string;

  beforeAll(async () => {
    ({ store, connectors } = openMappingStore(temp.dir));
    const clock = new ManualClock();
    connectorId = createConnector(connectors, 'pod').id;
    const directory = new InMemoryDirectory([
      { userPrincipalName: 'alice@contoso.com', mail: 'alice@contoso.com', displayName: 'Alice' },
      { userPrincipalName: 'bob@contoso.com', mail: 'bob@contoso.com', displayName: 'Bob' },
    ]);
    const service = new MappingService({ store, connectors, clock, directoryFor: () => directory });
    api = mappingApi({ store, connectors, events: new EventBus(), clock });
    await api.invoke('mapping.set', { connectorId, mapping: { symphonyUserId: '3', targetUpn: 'carol.archive@contoso.com' } });
    await api.invoke('mapping.set', { connectorId, mapping: { symphonyEmail: 'bot@contoso.com', exclude: true, note: 'trading bot' } });
    await api.invoke('mapping.set', { connectorId, mapping: { symphonyEmail: 'future@contoso.com', targetUpn: 'future@contoso.com' } });
    const people = {
      alice: person('1', 'alice@contoso.com', { displayName: 'Alice' }),
      bob: person('2', 'bob@contoso.com', { displayName: 'Bob' }),
      carol: person('3', 'carol@contoso.com', { displayName: 'Carol' }),
      bot: person('4', 'bot@contoso.com', { displayName: 'Bot' }),
      zed: person('5', 'zed@contoso.com', { displayName: 'Zed' }),
      yan: person('6', 'yan@contoso.com', { displayName: 'Yan' }),
      ext: person('7', 'partner@otherbank.com', { displayName: 'Partner', external: true }),
    };
    const items = [
      [people.alice, people.bob, people.zed],
      [people.alice, people.carol, people.bot, people.ext],
      [people.alice, people.yan, people.zed],
    ];
    for (const [i, members] of items.entries()) {
      const item = { id: i + 1, timestamp: Date.UTC(2026, 0, 10 + i) };
      await service.resolveAndRecord(connectorId, item, members, () => undefined);
    }
  });
  afterAll(() => {
    store.dispose();
    temp.cleanup();
  });

  it('lists unmapped participants first, then everyone by name, with how each was resolved', async () => {
    const page = await api.invoke('mapping.participants', { connectorId });
    expect(page.total).toBe(8);
    expect(page.unmapped).toBe(2);
    expect(page.rows.map((r) => [r.participant.displayName || r.participant.email, r.how, r.resolvedMailbox, r.itemsAffected, r.heldItems])).toEqual([
      ['Yan', 'unmapped', null, 1, 1],
      ['Zed', 'unmapped', null, 2, 2],
      ['Alice', 'automatic', 'alice@contoso.com', 3, 0],
      ['Bob', 'automatic', 'bob@contoso.com', 1, 0],
      ['Bot', 'excluded', null, 1, 0],
      ['Carol', 'custom', 'carol.archive@contoso.com', 1, 0],
      ['future@contoso.com', 'custom', 'future@contoso.com', 0, 0],
      ['Partner', 'external', null, 1, 0],
    ]);
    const bot = page.rows.find((r) => r.participant.userId === '4')!;
    expect(bot).toMatchObject({ customKey: 'email:bot@contoso.com', custom: { exclude: true, note: 'trading bot' } });
    expect(page.rows.find((r) => r.participant.userId === '1')?.lastSeen).toBe(new Date(Date.UTC(2026, 0, 12)).toISOString());
    expect(page.rows.find((r) => r.participant.email === 'future@contoso.com')).toMatchObject({ key: 'email:future@contoso.com', lastSeen: null });
  });

  it('searches, sorts and pages', async () => {
    const found = await api.invoke('mapping.participants', { connectorId, query: 'ARCHIVE' });
    expect(found.rows.map((r) => r.participant.userId)).toEqual(['3']);
    expect((await api.invoke('mapping.participants', { connectorId, query: 'trading' })).rows.map((r) => r.participant.userId)).toEqual(['4']);
    expect((await api.invoke('mapping.participants', { connectorId, query: '100%_' })).total).toBe(0);

    const busiest = await api.invoke('mapping.participants', { connectorId, sort: 'itemsAffected', direction: 'desc', limit: 3 });
    expect(busiest.rows.map((r) => r.participant.displayName)).toEqual(['Zed', 'Yan', 'Alice']);
    const next = await api.invoke('mapping.participants', { connectorId, sort: 'itemsAffected', direction: 'desc', offset: 3, limit: 3 });
    expect(next.rows).toHaveLength(3);
    expect(next.rows.map((r) => r.participant.displayName)).not.toContain('Alice');
  });

  it('shows a new custom row at once and a participant going from unmapped to custom', async () => {
    await api.invoke('mapping.set', { connectorId, mapping: { symphonyUserId: '5', targetUpn: 'zed@contoso.com' } });
    const page = await api.invoke('mapping.participants', { connectorId });
    expect(page.unmapped).toBe(1);
    expect(page.rows.find((r) => r.participant.userId === '5')).toMatchObject({ how: 'custom', resolvedMailbox: 'zed@contoso.com', heldItems: 2 });
  });
});
