import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { Core } from '../../electron/core/app/core';
import type { Logger } from '../../electron/core/platform/logger';
import { startBrowserHost, type BrowserHost } from '../../electron/host/browser-host';
import { hostRequest, openSession, openSocket, socketCall, type HostSession } from '../support/host-session';
import { makeTempDir } from '../support/tmp';

// Seeded so that every run checks the same inputs; FUZZ_SEED=<n> explores others (a failure prints its seed).
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 14_2026) });

/**
 * The browser host against what a hostile local user or page can send (issue 14): every input is
 * answered with a refusal (or a closed socket), the process keeps serving, and nothing outside
 * `exports/` is ever served from the exports route. fast-check generates the inputs; the cases the
 * issue names are tests of their own.
 */

const CANARY = 'CANARY-5d1e0c7f-not-for-download';
const EXPORTED = new Map([
  ['run-1.csv', 'item,status\nEXPORT-1\n'],
  [path.join('sub', 'a.eml'), 'Subject: EXPORT-2\r\n\r\nbody\r\n'],
]);

function recordingLogger(lines: string[]): Logger {
  const log =
    (level: string) =>
    (message: string, ...details: unknown[]) =>
      lines.push(`${level} ${message} ${details.map((d) => (d instanceof Error ? d.stack : String(d))).join(' ')}`);
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: () => {}, scope: () => logger };
  return logger;
}

describe('browser host under hostile input', () => {
  const temp = makeTempDir('archiver-fuzz-');
  const outside = makeTempDir('archiver-fuzz-outside-');
  const logLines: string[] = [];
  let core: Core;
  let host: BrowserHost;
  let session: HostSession;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    const staticDir = path.join(temp.dir, 'renderer');
    fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
    fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    core = new Core({ dataDir: path.join(temp.dir, 'data'), host: 'browser', logger: recordingLogger(logLines) });
    host = await startBrowserHost({ core, staticDir });
    session = await openSession(host.url);

    const exportsDir = core.paths.exports;
    for (const [name, body] of EXPORTED) {
      fs.mkdirSync(path.dirname(path.join(exportsDir, name)), { recursive: true });
      fs.writeFileSync(path.join(exportsDir, name), body);
    }
    // What must never be served: a file beside exports/, one outside the data folder, and links
    // to them (and to a folder and an absolute path) planted inside exports/.
    fs.writeFileSync(path.join(core.paths.dataDir, 'secret.txt'), CANARY);
    fs.writeFileSync(path.join(outside.dir, 'secret.txt'), CANARY);
    fs.symlinkSync(path.join(core.paths.dataDir, 'secret.txt'), path.join(exportsDir, 'link-out'));
    fs.symlinkSync(path.join(outside.dir, 'secret.txt'), path.join(exportsDir, 'link-far'));
    fs.symlinkSync(core.paths.dataDir, path.join(exportsDir, 'dir-out'));
    fs.symlinkSync(outside.dir, path.join(exportsDir, 'sub', 'dir-far'));
    fs.symlinkSync(core.paths.database, path.join(exportsDir, 'db'));
  });
  afterAll(async () => {
    agent.destroy();
    await host?.dispose();
    await core?.dispose();
    temp.cleanup();
    outside.cleanup();
  });

  const withCsrf = (p: string) => `${p}${p.includes('?') ? '&' : '?'}csrf=${session.csrf}`;
  const get = (p: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: host.port, path: p, agent, headers: { cookie: session.cookie, ...headers } }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  /** The host answers a page load and a contract call: it is up and serving. */
  async function expectAlive(): Promise<void> {
    expect((await get('/')).status).toBe(200);
    const ws = await openSocket(session);
    const info = await socketCall(ws, 'app.info', {});
    ws.close();
    expect(info).toMatchObject({ ok: true, value: { host: 'browser' } });
  }

  it('refuses /exports/%00 (an encoded NUL used to end the process) and keeps serving', async () => {
    for (const p of ['/exports/%00', '/exports/run-1.csv%00', '/exports/sub%00/a.eml', '/exports/sub/%00/../a.eml%00', '/%00', '/assets/%00.js']) {
      const res = await get(withCsrf(p));
      expect(res.status, p).toBe(404);
      expect(res.body).not.toContain(CANARY);
    }
    // The same from a page with no session at all: refused before any file is looked at.
    expect((await hostRequest(host.port, { path: '/exports/%00' })).status).toBe(403);
    await expectAlive();
  });

  it('does not follow a symbolic link out of exports/, but serves the files inside it', async () => {
    for (const p of ['link-out', 'link-far', 'dir-out/secret.txt', 'dir-out/archiver.db', 'sub/dir-far/secret.txt', 'db']) {
      const res = await get(withCsrf(`/exports/${p}`));
      expect(res.status, p).toBe(404);
      expect(res.body).not.toContain(CANARY);
    }
    expect(await get(withCsrf('/exports/run-1.csv'))).toEqual({ status: 200, body: EXPORTED.get('run-1.csv') });
    expect(await get(withCsrf('/exports/sub/a.eml'))).toEqual({ status: 200, body: EXPORTED.get(path.join('sub', 'a.eml')) });
    await expectAlive();
  });

  it('closes the socket of a 70 MB WebSocket frame with 1009 and keeps serving everyone else', async () => {
    const bystander = await openSocket(session);
    const ws = await openSocket(session);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {}); // the client may see EPIPE while the server drops the rest
    ws.send(JSON.stringify({ type: 'call', id: 1, name: 'app.info', input: { pad: 'x'.repeat(70 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
    expect(await socketCall(bystander, 'app.info', {})).toMatchObject({ ok: true });
    bystander.close();
    expect(logLines.some((l) => /Max payload size exceeded/.test(l))).toBe(true);
    await expectAlive();
  });

  // ---- generated inputs ----

  const segment = fc.constantFrom(
    '..', '.', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%c0%ae%c0%ae', '%e0%80%ae', '%c0%af', '%c1%9c', '%c0%2e',
    '%2f', '%2F', '%5c', '%5C', '\\', '%00', '%00.csv', 'run-1.csv%00', '%', '%zz', '%e2%82', '%ff', '%ed%a0%80', 'C:', 'C:%5cWindows',
    '%5c%5cserver%5cshare', '\\\\server\\share', 'etc', 'passwd', '%2fetc%2fpasswd', 'archiver.db', 'secret.txt', 'link-out', 'link-far',
    'dir-out', 'dir-far', 'db', 'run-1.csv', 'sub', 'a.eml', '~', '%7e', '..;', ';', 'index.html', '%20', '%0a', '%0d%0a', '%7f', 'data', 'exports',
  );
  const separator = fc.constantFrom('/', '\\', '%2f', '%5c', '//', '/./');
  const prefix = fc.constantFrom('/exports/', '/exports', '/', '//', '/assets/', '/uploads', '/ws', '/exports//', '/exports/./');
  const hostilePath = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(prefix, fc.array(segment, { maxLength: 8 }), separator).map(([p, parts, sep]) => p + parts.join(sep)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }).map((bytes) => `/exports/${[...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }).map((s) => `/exports/${encodeURIComponent(s)}`) },
  );

  it('answers thousands of hostile paths with a refusal, and serves nothing from outside exports/', async () => {
    const served = [...EXPORTED.values()];
    const appFiles = ['<!doctype html><title>app</title>', 'console.log(1)'];
    await fc.assert(
      fc.asyncProperty(hostilePath, fc.constantFrom('csrf', 'none', 'wrong'), fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'), async (p, csrf, method) => {
        const query = csrf === 'csrf' ? withCsrf(p) : csrf === 'wrong' ? `${p}?csrf=${'A'.repeat(43)}` : p;
        const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: host.port, path: query, method, agent, headers: { cookie: session.cookie, [`x-archiver-csrf`]: csrf === 'csrf' ? session.csrf : 'no' } }, (r) => {
            let body = '';
            r.setEncoding('latin1');
            r.on('data', (c: string) => (body += c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end(method === 'POST' ? 'a,b\n' : undefined);
        });
        expect(res.body).not.toContain(CANARY);
        expect([200, 201, 400, 403, 404, 405]).toContain(res.status);
        // The path as the host sees it, after URL normalisation (`/exports/..` is `/`, the app).
        const pathname = URL.canParse(p, 'http://x') ? new URL(p, 'http://x').pathname : undefined;
        if (pathname === undefined) return void expect(res.status).toBe(400);
        if (res.status === 200 && method === 'GET') expect(pathname.startsWith('/exports/') ? served : appFiles).toContain(res.body);
        if (res.status === 201) expect(pathname).toBe('/uploads');
      }),
      { numRuns: 2000 },
    );
    await expectAlive();
  });

  /** Writes raw bytes on a fresh TCP connection, half-closes, and waits until the server closes too. */
  const raw = (bytes: Buffer) =>
    new Promise<string>((resolve) => {
      const socket = net.connect(host.port, '127.0.0.1');
      let answer = '';
      socket.on('data', (c) => (answer += c.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => resolve(answer));
      socket.end(bytes);
    });

  it('survives malformed and truncated HTTP on raw connections', async () => {
    // Named: headers far over the 16 KB limit, and a request line holding a raw NUL.
    expect(await raw(Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nX-Pad: ${'a'.repeat(100_000)}\r\n\r\n`))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(Buffer.from(`GET /exports/\0 HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`))).toMatch(/^HTTP\/1\.1 400 /);
    const requestLine = fc.constantFrom(
      'GET / HTTP/1.1', 'GET /exports/%00 HTTP/1.1', 'POST /uploads HTTP/1.1', 'GET /\0 HTTP/1.1', 'GE\0T / HTTP/1.1', 'GET  HTTP/1.1', 'GET / HTTP/9.9', '\r\n\r\n',
      'GET /exports/run-1.csv HTTP/1.0', `GET http://127.0.0.1:${host.port}/exports/../archiver.db HTTP/1.1`, 'GET C:\\Windows\\win.ini HTTP/1.1', 'GET \\\\server\\share\\x HTTP/1.1',
      'GET /exports/..%c0%af..%c0%afarchiver.db HTTP/1.1', 'GET /?tkn=%00 HTTP/1.1', 'GET /?tkn= HTTP/1.1', 'CONNECT 127.0.0.1:22 HTTP/1.1', 'GET * HTTP/1.1',
    );
    const headers = fc.array(
      fc.oneof(
        fc.constant(`Host: 127.0.0.1:${host.port}`),
        fc.constant(`Cookie: ${session.cookie}`),
        fc.constant('Content-Length: 999999'),
        fc.constant('Content-Length: -1'),
        fc.constant('Transfer-Encoding: chunked'),
        fc.constant(`X-Archiver-CSRF: ${session.csrf}`),
        fc.string({ maxLength: 40 }),
      ),
      { maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(requestLine, headers, fc.uint8Array({ maxLength: 64 }), fc.boolean(), async (line, hs, body, complete) => {
        const head = `${line}\r\n${hs.join('\r\n')}${complete ? '\r\n\r\n' : ''}`;
        const answer = await raw(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
        expect(answer).not.toContain(CANARY);
        if (answer) expect(answer).toMatch(/^HTTP\/1\.[01] (200|201|302|400|403|404|405|413|431|505) /);
      }),
      { numRuns: 300 },
    );
    await expectAlive();
  });

  const callNames = ['app.info', 'connectors.list', 'mapping.participants', 'mapping.previewCsv', 'runs.list'];
  const message = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.json({ maxDepth: 4 }),
    fc
      .record(
        {
          type: fc.oneof({ weight: 6, arbitrary: fc.constant('call') }, fc.constant('event'), fc.integer(), fc.constant(null)),
          id: fc.oneof({ weight: 6, arbitrary: fc.nat() }, fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null)),
          name: fc.oneof(fc.constantFrom(...callNames, 'app.nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ''), fc.string({ maxLength: 30 }), fc.integer()),
          input: fc.oneof(
            fc.anything({ maxDepth: 3 }),
            fc.record({ connectorId: fc.string({ maxLength: 10 }), csv: fc.string({ maxLength: 200 }), upload: fc.string({ maxLength: 40 }) }, { requiredKeys: [] }),
          ),
        },
        { requiredKeys: ['type', 'id'] },
      )
      .map((m) => JSON.stringify(m)),
    fc.constant('{"type":"call","id":1,"name":"app.info","input":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')),
  );

  it('answers thousands of hostile WebSocket messages with a typed refusal or a closed socket', async () => {
    let ws = await openSocket(session);
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(message, async (text) => {
        if (ws.readyState !== ws.OPEN) ws = await openSocket(session);
        const outcome = await new Promise<{ closed: number } | { result: { ok: boolean; error?: { code: string } } }>((resolve) => {
          const onMessage = (data: WebSocket.RawData) => {
            const m = JSON.parse(String(data)) as { type: string; result: { ok: boolean } };
            if (m.type !== 'result') return;
            ws.off('message', onMessage);
            ws.off('close', onClose);
            resolve({ result: m.result });
          };
          const onClose = (code: number) => {
            ws.off('message', onMessage);
            resolve({ closed: code });
          };
          ws.on('message', onMessage);
          ws.once('close', onClose);
          ws.send(text);
        });
        if ('closed' in outcome) expect([1003, 1007]).toContain(outcome.closed);
        else {
          calls++;
          // Either the call was well-formed and safe (a read), or it was refused with a typed error.
          if (!outcome.result.ok) expect(['invalid-input', 'not-found', 'internal']).toContain(outcome.result.error!.code);
        }
      }),
      { numRuns: 2000 },
    );
    ws.close();
    expect(calls).toBeGreaterThan(100);
    expect(logLines.filter((l) => /failed unexpectedly|outside the dispatcher/.test(l))).toEqual([]);
    await expectAlive();
  });

  /** A WebSocket handshake by hand, so that frames can be anything afterwards. */
  const rawSocket = (frames: Buffer) =>
    new Promise<void>((resolve) => {
      const socket = net.connect(host.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('close', () => resolve());
      let upgraded = false;
      socket.on('data', (chunk) => {
        if (upgraded) return;
        upgraded = true;
        expect(chunk.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
        socket.end(frames);
      });
      socket.write(
        [
          `GET /ws?csrf=${session.csrf} HTTP/1.1`,
          `Host: 127.0.0.1:${host.port}`,
          `Origin: ${session.origin}`,
          `Cookie: ${session.cookie}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          '',
          '',
        ].join('\r\n'),
      );
    });

  const frame = (opcode: number, payload: Buffer, options: { fin?: boolean; masked?: boolean; declared?: bigint } = {}) => {
    const { fin = true, masked = true } = options;
    const length = options.declared ?? BigInt(payload.length);
    const head: number[] = [(fin ? 0x80 : 0) | (opcode & 0x0f)];
    if (length < 126n) head.push((masked ? 0x80 : 0) | Number(length));
    else if (length < 65536n) head.push((masked ? 0x80 : 0) | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
    else {
      head.push((masked ? 0x80 : 0) | 127);
      for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(i * 8)) & 0xffn));
    }
    const mask = masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
    const body = Buffer.from(payload.map((b, i) => (masked ? b ^ mask[i % 4]! : b)));
    return Buffer.concat([Buffer.from(head), mask, body]);
  };

  it('survives huge, truncated and malformed frames after a real handshake', async () => {
    // Named: a frame declaring 2^63-1 bytes, one declaring 70 MB with a few bytes sent, a cut header.
    await rawSocket(frame(1, Buffer.from('{}'), { declared: 2n ** 63n - 1n }));
    await rawSocket(frame(1, Buffer.from('{"type":'), { declared: 70n * 1024n * 1024n }));
    await rawSocket(Buffer.from([0x81, 0xff, 0x00]));
    const frameArb = fc
      .record({
        opcode: fc.constantFrom(0, 1, 2, 3, 8, 9, 10, 11, 15),
        payload: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        fin: fc.boolean(),
        masked: fc.boolean(),
        cut: fc.option(fc.nat({ max: 40 })),
      })
      .map(({ opcode, payload, fin, masked, cut }) => {
        const bytes = frame(opcode, payload, { fin, masked });
        return cut === null ? bytes : bytes.subarray(0, Math.min(cut, bytes.length));
      });
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 4 }), async (frames) => {
        await rawSocket(Buffer.concat(frames));
      }),
      { numRuns: 300 },
    );
    await expectAlive();
  });

  it('refuses uploads without the CSRF value, over the size limit, or cut short, and keeps nothing of them', async () => {
    const post = (headers: Record<string, string | number>, body: string) => hostRequest(host.port, { method: 'POST', path: '/uploads', headers: { cookie: session.cookie, ...headers }, body });
    expect((await post({}, 'a')).status).toBe(403);
    expect((await post({ 'x-archiver-csrf': 'A'.repeat(43) }, 'a')).status).toBe(403);
    const over = await post({ 'x-archiver-csrf': session.csrf, 'content-length': core.uploads.maxBytes + 1 }, '');
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body.toString())).toMatchObject({ ok: false, error: { code: 'too-large' } });
    // A body cut short: the client promises 1 MB, sends 10 bytes and half-closes, or goes away.
    const head = `POST /uploads HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nCookie: ${session.cookie}\r\nX-Archiver-CSRF: ${session.csrf}\r\nContent-Length: 1048576\r\n\r\n`;
    expect(await raw(Buffer.from(`${head}0123456789`))).toMatch(/^HTTP\/1\.1 400 /);
    await new Promise<void>((resolve) => {
      const socket = net.connect(host.port, '127.0.0.1', () => socket.write(`${head}0123456789`, () => setImmediate(() => socket.destroy())));
      socket.on('close', () => resolve());
    });
    await expect.poll(() => fs.readdirSync(core.paths.uploads).filter((f) => f.endsWith('.part'))).toEqual([]);
    await expectAlive();
  });

  it('never logged an exception that escaped a handler', () => {
    expect(logLines.filter((l) => /^error /.test(l))).toEqual([]);
  });
});
