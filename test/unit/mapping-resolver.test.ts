import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { itemParticipants, MappingService } from '../../electron/core/mapping/resolver';
import { ManualClock } from '../../electron/core/platform/clock';
import { EventBus } from '../../electron/core/platform/events';
import type { Store } from '../../electron/core/store/database';
import type { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { makeTempDir } from '../support/tmp';
import { createConnector, InMemoryDirectory, mappingApi, openMappingStore, person } from './mapping-support';

const HOUR = 60 * 60 * 1000;

describe('mapping: resolveRecipients', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());
  let n = 0;
  let store: Store;
  let connectors: ConnectorRepository;
  let clock: ManualClock;
  let directory: InMemoryDirectory;

  beforeEach(() => {
    ({ store, connectors } = openMappingStore(temp.dir, `resolver-${n++}.db`));
    clock = new ManualClock();
    directory = new InMemoryDirectory([
      { userPrincipalName: 'Alice.Smith@Contoso.com', mail: 'alice@contoso.com', displayName: 'Alice Smith', proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:asmith@contoso-legacy.com'] },
      { userPrincipalName: 'bob@contoso.onmicrosoft.com', mail: 'Bob@Contoso.com', displayName: 'Bob' },
      { userPrincipalName: 'carol@contoso.com', mail: 'carol@contoso.com', displayName: 'Carol' },
      { userPrincipalName: 'guest_ext#EXT#@contoso.onmicrosoft.com', mail: 'guest@other.com', displayName: 'Guest', userType: 'Guest' },
      { userPrincipalName: 'nomailbox@contoso.com', mail: null, displayName: 'Unlicensed' },
    ]);
  });

  const service = (options: Partial<ConstructorParameters<typeof MappingService>[0]> = {}) =>
    new MappingService({ store, connectors, clock, directoryFor: () => directory, ...options });

  it('finds mailboxes by primary address, UPN and proxy address, case-insensitively, and delivers to the UPN', async () => {
    const c = createConnector(connectors, 'pod');
    const r = await service().resolveRecipients(c.id, [
      person('1', 'ALICE@contoso.com'),
      person('2', 'bob@contoso.com'),
      person('3', 'asmith@CONTOSO-legacy.com'),
      person('4', 'Carol@Contoso.com'),
    ]);
    expect(r.mailboxes).toEqual(['alice.smith@contoso.com', 'bob@contoso.onmicrosoft.com', 'carol@contoso.com']);
    expect(r.resolutions.map((x) => [x.participant.userId, x.how, x.mailbox])).toEqual([
      ['1', 'automatic', 'alice.smith@contoso.com'],
      ['2', 'automatic', 'bob@contoso.onmicrosoft.com'],
      ['3', 'automatic', 'alice.smith@contoso.com'],
      ['4', 'automatic', 'carol@contoso.com'],
    ]);
    expect(r.unmapped).toEqual([]);
  });

  it('sorts participants into external, excluded and unmapped; guests and users without mail are not mailboxes', async () => {
    const c = createConnector(connectors, 'pod');
    const api = mappingApi({ store, connectors, events: new EventBus(), clock });
    await api.invoke('mapping.set', { connectorId: c.id, mapping: { symphonyUserId: '5', symphonyEmail: '', targetUpn: '', alsoDeliverTo: [], exclude: true, note: 'bot' } });
    const r = await service().resolveRecipients(c.id, [
      person('1', 'alice@contoso.com'),
      person('2', 'partner@otherbank.com', { external: true }),
      person('3', 'guest@other.com'),
      person('4', 'nomailbox@contoso.com'),
      person('5', 'carol@contoso.com'),
      person('6', ''),
    ]);
    expect(r.mailboxes).toEqual(['alice.smith@contoso.com']);
    expect(r.external.map((p) => p.userId)).toEqual(['2']);
    expect(r.excluded.map((p) => p.userId)).toEqual(['5']);
    expect(r.unmapped.map((p) => p.userId)).toEqual(['3', '4', '6']);
    expect(directory.asked).not.toContain('partner@otherbank.com');
    expect(r.fallbackUsed).toBe(false);
  });

  it('lets a custom row win over the directory, by user id before e-mail, with deduplicated lowercase copies', async () => {
    const c = createConnector(connectors, 'pod');
    const api = mappingApi({ store, connectors, events: new EventBus(), clock });
    await api.invoke('mapping.set', {
      connectorId: c.id,
      mapping: { symphonyUserId: '', symphonyEmail: 'alice@contoso.com', targetUpn: 'by-email@contoso.com', alsoDeliverTo: [], exclude: false, note: '' },
    });
    await api.invoke('mapping.set', {
      connectorId: c.id,
      mapping: { symphonyUserId: '1', symphonyEmail: '', targetUpn: 'Alice.Archive@Contoso.com', alsoDeliverTo: ['Supervisor@contoso.com', 'journal@contoso.com'], exclude: false, note: '' },
    });
    await api.invoke('mapping.set', {
      connectorId: c.id,
      mapping: { symphonyUserId: '2', symphonyEmail: '', targetUpn: '', alsoDeliverTo: ['supervisor@contoso.com'], exclude: false, note: 'copy only' },
    });
    const r = await service().resolveRecipients(c.id, [person('1', 'alice@contoso.com'), person('2', 'bob@contoso.com'), person('1', 'alice@contoso.com')]);
    expect(r.resolutions.map((x) => [x.participant.userId, x.how, x.mailbox])).toEqual([
      ['1', 'custom', 'alice.archive@contoso.com'],
      ['2', 'automatic', 'bob@contoso.onmicrosoft.com'],
    ]);
    expect(r.mailboxes).toEqual(['alice.archive@contoso.com', 'bob@contoso.onmicrosoft.com', 'journal@contoso.com', 'supervisor@contoso.com']);
    // A custom target means no directory question for that participant.
    expect(directory.asked).toEqual(['bob@contoso.com']);
  });

  it('uses the fallback mailbox only when nobody is mapped, and still holds the item for the unmapped', async () => {
    const c = createConnector(connectors, 'pod', { fallbackMailbox: 'Compliance@contoso.com' });
    const s = service();
    const nobody = await s.resolveRecipients(c.id, [person('9', 'stranger@contoso.com'), person('8', 'x@otherbank.com', { external: true })]);
    expect(nobody.mailboxes).toEqual(['compliance@contoso.com']);
    expect(nobody.fallbackUsed).toBe(true);
    expect(nobody.unmapped.map((p) => p.userId)).toEqual(['9']);
    const someone = await s.resolveRecipients(c.id, [person('9', 'stranger@contoso.com'), person('1', 'alice@contoso.com')]);
    expect(someone.mailboxes).toEqual(['alice.smith@contoso.com']);
    expect(someone.fallbackUsed).toBe(false);
  });

  it('maps nobody automatically in custom-only mode', async () => {
    const c = createConnector(connectors, 'pod', { mode: 'custom-only' });
    const r = await service().resolveRecipients(c.id, [person('1', 'alice@contoso.com')]);
    expect(r.mailboxes).toEqual([]);
    expect(r.unmapped.map((p) => p.userId)).toEqual(['1']);
    expect(directory.asked).toEqual([]);
  });

  it('caches found answers for a day and not-found answers for an hour, in SQLite', async () => {
    const c = createConnector(connectors, 'pod');
    const s = service();
    await s.resolveRecipients(c.id, [person('1', 'alice@contoso.com'), person('9', 'newhire@contoso.com')]);
    expect(directory.asked.sort()).toEqual(['alice@contoso.com', 'newhire@contoso.com']);

    // A second service on the same file answers from the cache, so the cache is in the store.
    directory.asked.length = 0;
    await service().resolveRecipients(c.id, [person('1', 'alice@contoso.com'), person('9', 'newhire@contoso.com')]);
    expect(directory.asked).toEqual([]);

    directory.users.push({ userPrincipalName: 'newhire@contoso.com', mail: 'newhire@contoso.com', displayName: 'New Hire' });
    await clock.advance(HOUR + 1);
    const r = await s.resolveRecipients(c.id, [person('1', 'alice@contoso.com'), person('9', 'newhire@contoso.com')]);
    expect(directory.asked).toEqual(['newhire@contoso.com']);
    expect(r.mailboxes).toEqual(['alice.smith@contoso.com', 'newhire@contoso.com']);

    await clock.advance(24 * HOUR);
    directory.asked.length = 0;
    await s.resolveRecipients(c.id, [person('1', 'alice@contoso.com')]);
    expect(directory.asked).toEqual(['alice@contoso.com']);
  });

  it('never caches a failed look-up as not found; a stale answer is used while the directory is down', async () => {
    const c = createConnector(connectors, 'pod');
    const s = service();
    directory.failing = true;
    await expect(s.resolveRecipients(c.id, [person('1', 'alice@contoso.com')])).rejects.toThrow(/ECONNREFUSED/);
    directory.failing = false;
    expect((await s.resolveRecipients(c.id, [person('1', 'alice@contoso.com')])).mailboxes).toEqual(['alice.smith@contoso.com']);
    await clock.advance(25 * HOUR);
    directory.failing = true;
    expect((await s.resolveRecipients(c.id, [person('1', 'alice@contoso.com')])).mailboxes).toEqual(['alice.smith@contoso.com']);
  });

  it('asks the directory once for an address many items share at the same time', async () => {
    const c = createConnector(connectors, 'pod');
    const s = service();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.resolveRecipients(c.id, [person('1', 'alice@contoso.com'), person(`${100 + i}`, 'bob@contoso.com')])));
    expect(directory.asked.sort()).toEqual(['alice@contoso.com', 'bob@contoso.com']);
  });

  it('explains that automatic mapping needs Microsoft 365 when no directory is configured', async () => {
    const c = createConnector(connectors, 'pod');
    await expect(service({ directoryFor: () => undefined }).resolveRecipients(c.id, [person('1', 'alice@contoso.com')])).rejects.toMatchObject({
      code: 'auth-failed',
      fix: expect.stringMatching(/Sign in to Microsoft 365/),
    });
  });

  it('counts the sender of an item among its participants once', () => {
    const sender = person('1', 'alice@contoso.com');
    expect(itemParticipants([person('2', 'bob@contoso.com'), person('1', 'alice@contoso.com')], sender).map((p) => p.userId)).toEqual(['1', '2']);
    expect(itemParticipants([person('2', 'bob@contoso.com')], sender).map((p) => p.userId)).toEqual(['1', '2']);
  });
});
