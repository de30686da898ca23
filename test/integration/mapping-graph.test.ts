import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphClient } from '../../electron/core/graph/client';
import { GraphDirectory, graphClientRequester } from '../../electron/core/mapping/graph-directory';
import { MappingService } from '../../electron/core/mapping/resolver';
import { ManualClock } from '../../electron/core/platform/clock';
import { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';
import { makeTempDir } from '../support/tmp';
import { createConnector, openMappingStore, person } from '../unit/mapping-support';
import { mappingRows } from '../support/store-reads';

describe('mapping against the Graph emulator', () => {
  const temp = makeTempDir();
  const emulator = new GraphEmulator();
  let client: GraphClient;

  beforeAll(async () => {
    await emulator.start();
    client = new GraphClient({ baseUrl: emulator.baseUrl, getToken: () => emulator.mintToken() });
    emulator.directory.addUser({ userPrincipalName: 'alice.smith@contoso.onmicrosoft.com', mail: 'Alice@Contoso.com', displayName: 'Alice', proxyAddresses: ['SMTP:Alice@Contoso.com', 'smtp:asmith@legacy.example'] });
    emulator.directory.addUser({ userPrincipalName: "dan.o'neil@contoso.com", displayName: "Dan O'Neil" });
    emulator.directory.addUser({ userPrincipalName: 'room@contoso.com', mail: null, mailbox: 'none' });
  });
  afterAll(async () => {
    await emulator.stop();
    temp.cleanup();
  });

  it('finds mailboxes by primary address, proxy address and UPN through the real Graph client', async () => {
    const directory = new GraphDirectory(graphClientRequester(() => client));
    expect(await directory.findMailbox('alice@CONTOSO.com')).toEqual({ upn: 'alice.smith@contoso.onmicrosoft.com', mail: 'alice@contoso.com', displayName: 'Alice' });
    expect(await directory.findMailbox('ASmith@legacy.example')).toMatchObject({ upn: 'alice.smith@contoso.onmicrosoft.com' });
    expect(await directory.findMailbox("Dan.O'Neil@contoso.com")).toMatchObject({ upn: "dan.o'neil@contoso.com" });
    expect(await directory.findMailbox('room@contoso.com')).toBeNull();
    expect(await directory.findMailbox('nobody@contoso.com')).toBeNull();
  });

  it('surfaces an authentication failure instead of caching "not found"', async () => {
    const { store, connectors } = openMappingStore(temp.dir, 'auth.db');
    const c = createConnector(connectors, 'pod');
    const denied = new GraphClient({ baseUrl: emulator.baseUrl, getToken: async () => 'not-a-token', retry: { baseMs: 1, maxMs: 1 } });
    const service = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => denied)) });
    await expect(service.resolveRecipients(c.id, [person('1', 'alice@contoso.com')])).rejects.toMatchObject({ status: 401 });
    expect(mappingRows(store, 'mapping_directory_cache')).toBe(0);
    store.dispose();
  });

  it('resolves automatically, holds an item for a participant not in the tenant, and releases it once the mailbox exists', async () => {
    const { store, connectors } = openMappingStore(temp.dir, 'flow.db');
    const c = createConnector(connectors, 'pod');
    const clock = new ManualClock();
    const service = new MappingService({ store, connectors, clock, directoryFor: () => new GraphDirectory(graphClientRequester(() => client)) });
    const erin = person('5', 'erin@contoso.com');
    const enqueued: string[] = [];
    const { recipients } = await service.resolveAndRecord(c.id, { id: 77, timestamp: Date.UTC(2026, 0, 5) }, [person('1', 'alice@contoso.com'), erin], (r) =>
      r.mailboxes.forEach((m) => enqueued.push(`77 ${m}`)),
    );
    expect(recipients.unmapped).toEqual([erin]);
    expect(enqueued).toEqual(['77 alice.smith@contoso.onmicrosoft.com']);

    emulator.directory.addUser({ userPrincipalName: 'erin.e@contoso.com', mail: 'erin@contoso.com', displayName: 'Erin' });
    // The not-found answer is cached for an hour, then asked again.
    expect(await service.releaseHeldItems(c.id, () => undefined)).toEqual([]);
    await clock.advance(60 * 60 * 1000 + 1);
    const released = await service.releaseHeldItems(c.id, (pairs) => pairs.forEach((p) => enqueued.push(`${p.itemId} ${p.mailbox}`)));
    expect(released).toEqual([{ itemId: 77, mailbox: 'erin.e@contoso.com', userId: '5' }]);
    expect(enqueued).toEqual(['77 alice.smith@contoso.onmicrosoft.com', '77 erin.e@contoso.com']);
    expect(await service.releaseHeldItems(c.id, () => undefined)).toEqual([]);
    store.dispose();
  });
});
