import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from '../../shared/contract/client';
import type { Core } from '../core/app/core';
import type { Disposable } from '../core/platform/disposable';
import { RENDERER_CSP } from './csp';
import { contentTypeOf, resolveInside } from './static-files';

export interface BrowserHostOptions {
  core: Core;
  /** Folder of the built renderer (dist/renderer). */
  staticDir: string;
  port?: number;
  /** Defaults to a fresh random token. */
  token?: string;
}

export interface BrowserHost extends Disposable {
  readonly url: string;
  readonly port: number;
  readonly token: string;
}

const COOKIE = 'archiver-token';
/** URL prefix under which the exports folder is served for download. */
export const EXPORTS_ROUTE = '/exports/';
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Serves the renderer and the contract over a WebSocket on 127.0.0.1, like VS Code's serve-web:
 * a random token in the printed URL is exchanged for an HttpOnly cookie; every request must carry
 * it, and the Host and Origin headers must name this loopback server (no DNS rebinding).
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  let port = 0;
  const sockets = new Set<WebSocket>();

  const validHost = (host: string | undefined) =>
    host !== undefined && [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
  const tokenMatches = (candidate: string | undefined) => {
    if (!candidate) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };
  const cookieToken = (req: http.IncomingMessage) =>
    (req.headers.cookie ?? '')
      .split(';')
      .map((part) => part.trim().split('='))
      .find(([name]) => name === COOKIE)?.[1];

  const server = http.createServer((req, res) => {
    if (!validHost(req.headers.host)) return refuse(res, 'This address is not allowed. Use the URL printed by the archiver.');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const queryToken = url.searchParams.get('tkn') ?? undefined;
    if (queryToken !== undefined) {
      if (!tokenMatches(queryToken)) return refuse(res, 'The token in this URL is not valid. Use the URL printed by the archiver.');
      url.searchParams.delete('tkn');
      res.writeHead(302, {
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + (url.search || ''),
        'Cache-Control': 'no-store',
      });
      return res.end();
    }
    if (!tokenMatches(cookieToken(req))) return refuse(res, 'Open the URL printed by the archiver: it carries the access token.');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      return res.end();
    }
    // Files the archiver wrote for the officer (log downloads, .eml exports) are fetched from
    // the exports folder only; the same token and Host checks apply.
    if (url.pathname.startsWith(EXPORTS_ROUTE)) return serveExport(options.core.paths.exports, url.pathname.slice(EXPORTS_ROUTE.length - 1), res);
    serveStatic(options.staticDir, url.pathname, res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const origin = req.headers.origin;
    const allowed =
      new URL(req.url ?? '/', 'http://x').pathname === '/ws' &&
      validHost(req.headers.host) &&
      origin === `http://${req.headers.host}` &&
      tokenMatches(cookieToken(req));
    if (!allowed) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  const subscription = options.core.events.subscribe((name, payload) => {
    const message = JSON.stringify({ type: 'event', name, payload } satisfies ServerMessage);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  function onConnection(ws: WebSocket) {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (data) => {
      let message: ClientMessage;
      try {
        message = JSON.parse(data.toString()) as ClientMessage;
        if (message?.type !== 'call' || typeof message.id !== 'number') throw new Error('not a call');
      } catch {
        ws.close(1003, 'Malformed message');
        return;
      }
      const result = await options.core.dispatcher.dispatch(message.name, message.input);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id: message.id, result } satisfies ServerMessage));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?tkn=${token}`,
    port,
    token,
    async dispose() {
      await subscription.dispose();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function refuse(res: http.ServerResponse, message: string) {
  res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(message);
}

function serveExport(root: string, pathname: string, res: http.ServerResponse) {
  const file = resolveInside(root, pathname);
  fs.stat(file ?? '', (error, stat) => {
    if (!file || error || !stat.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('No such export.');
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': stat.size,
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(path.basename(file))}`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
}

function serveStatic(root: string, pathname: string, res: http.ServerResponse) {
  const file = resolveInside(root, pathname);
  if (!file) {
    res.writeHead(404);
    return res.end();
  }
  fs.stat(file, (error, stat) => {
    // Unknown paths get the app (client-side views); missing assets get 404.
    const target = !error && stat.isFile() ? file : path.extname(file) ? undefined : path.join(root, 'index.html');
    if (!target || !fs.existsSync(target)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end(fs.existsSync(root) ? 'Not found' : `The UI is not built: run "npm run build" first (missing ${root}).`);
    }
    res.writeHead(200, {
      'Content-Type': contentTypeOf(target),
      'Content-Security-Policy': RENDERER_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    fs.createReadStream(target).pipe(res);
  });
}
