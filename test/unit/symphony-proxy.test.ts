import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symphonySettingsSchema } from '../../shared/contract';
import { SymphonyClient } from '../../electron/core/symphony/client';
import { SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, makeServiceKey } from '../support/world';

describe('symphony client behind a proxy', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let proxy: http.Server;
  let proxyUrl = '';
  const tunnels: string[] = [];

  beforeAll(async () => {
    emulator = await SymphonyEmulator.start({ seed: 'proxy', conversations: 2, messages: 10 });
    // A CONNECT proxy, as corporate proxies are: it records where each tunnel goes.
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
    await emulator.stop();
    await temp.dispose();
  });

  it('sends every call, logins included, through the configured proxy', async () => {
    const key = makeServiceKey(temp.dir);
    emulator.registerKey(key.publicKey);
    const client = new SymphonyClient(symphonySettingsSchema.parse({ podUrl: emulator.url, username: 'archiver-bot', privateKeyPath: key.privateKeyPath, proxyUrl }));
    const me = await client.sessionInfo();
    const streams = await client.allStreams(['IM', 'MIM', 'ROOM']);
    await client.messages(streams[0]!.id, 0, 0, 10);
    await client.close();
    expect(me.username).toBe('archiver-bot');
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([new URL(emulator.url).host]));
    expect(emulator.counters.logins).toMatchObject({ session: 1, keyManager: 1 });
  });
});
