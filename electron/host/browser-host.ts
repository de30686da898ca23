import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMessage } from '../../shared/contract/client';
import type { Core } from '../core/app/core';
import type { Disposable } from '../core/platform/disposable';
import type { Logger } from '../core/platform/logger';
import { MAX_CALL_BYTES, parseCallMessage } from './guard';
import { answer, receiveUpload, serveExport, serveSignedIn, serveStatic } from './http-routes';
import { newAccessToken, SessionStore } from './session';

export interface BrowserHostOptions {
  core: Core;
  /** Folder of the built renderer (dist/renderer). */
  staticDir: string;
  port?: number;
  /** Defaults to a fresh random token; check one given by the officer with `checkAccessToken`. */
  token?: string;
}

export interface BrowserHost extends Disposable {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The session cookie's name (it carries the port). */
  readonly cookieName: string;
}

/** URL prefix under which the exports folder is served for download. */
export const EXPORTS_ROUTE = '/exports/';
/** POST here streams a file into the upload store (CSV imports). */
export const UPLOADS_ROUTE = '/uploads';
/** Where the CSRF value travels: a query parameter (downloads, the socket) or a header (uploads). */
export const CSRF_PARAM = 'csrf';
export const CSRF_HEADER = 'x-archiver-csrf';
/** The `<meta>` of the signed-in page that hands it its CSRF value. */
export const CSRF_META = 'archiver-csrf';

/**
 * Serves the renderer and the contract over a WebSocket on 127.0.0.1, like VS Code's serve-web
 * (session.ts explains the token, the cookie and the CSRF value). Every request must name this
 * loopback server in its Host header (no DNS rebinding), must not come from another site
 * (Fetch Metadata: a page on another port of 127.0.0.1 is "same-site", not "same-origin"), and
 * must carry the session cookie; calls, uploads and downloads also the CSRF value.
 */
/** What every request and socket of one browser host shares. */
interface HostContext {
  options: BrowserHostOptions;
  logger: Logger;
  sessions: SessionStore;
  sockets: Set<WebSocket>;
  /** The Host header names this server (set once it listens). */
  validHost(host: string | undefined): boolean;
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? newAccessToken();
  let port = 0;
  const host: HostContext = {
    options,
    logger: options.core.logger.scope('browser-host'),
    sessions: new SessionStore(token),
    sockets: new Set<WebSocket>(),
    validHost: (name) => name !== undefined && [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(name.toLowerCase()),
  };
  const server = createServer(host);
  const wss = acceptSockets(server, host);
  const subscription = options.core.events.subscribe((name, payload) => {
    const message = stringify({ type: 'event', name, payload } satisfies ServerMessage, host.logger);
    if (message === undefined) return;
    for (const ws of host.sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', (error) => host.logger.error('browser host server error', error));
  port = (server.address() as AddressInfo).port;
  host.sessions.listensOn(port);

  return {
    url: `http://127.0.0.1:${port}/?tkn=${token}`,
    port,
    token,
    cookieName: host.sessions.cookieName,
    async dispose() {
      await subscription.dispose();
      for (const ws of host.sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function createServer(host: HostContext): http.Server {
  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    handleRequest(host, req, res).catch((error: unknown) => {
      host.logger.error(`request ${req.method} ${String(req.url).slice(0, 200)} failed unexpectedly`, error);
      answer(res, 500, 'The archiver could not answer this request; the details are in its log.');
    });
  });
  // Malformed HTTP (bad request line, oversized headers, truncated requests) never reaches the
  // handler: answer 400 and drop the connection instead of Node's default of logging nothing.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code !== 'ECONNRESET' && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // Uploads of large files take their time: no limit on a whole request, but headers must come
  // within 30 s and a connection that sends nothing for 2 minutes is dropped.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.setTimeout(120_000);
  return server;
}

/** The signed-in page (a URL with the token), then, with its cookie: uploads, downloads and the built app. */
async function handleRequest({ options, sessions, validHost }: HostContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const refusal = refuseForeign(req, validHost);
  if (refusal) return answer(res, 403, refusal);
  const url = parseUrl(req.url);
  if (!url) return answer(res, 400, 'This address is not valid.');
  const queryToken = url.searchParams.get('tkn');
  if (queryToken !== null) {
    if (!sessions.tokenMatches(queryToken)) return answer(res, 403, 'The token in this URL is not valid. Use the URL printed by the archiver.');
    // The app itself, with a new session: its cookie, and its CSRF value in the page (which only
    // this page can read; the page then removes the token from the address bar).
    const session = sessions.open();
    return serveSignedIn(options.staticDir, session.csrf, sessions.cookieFor(session), res);
  }
  const session = sessions.fromRequest(req);
  if (!session) return answer(res, 403, 'Open the URL printed by the archiver: it carries the access token.');
  const method = req.method ?? 'GET';
  if (url.pathname === UPLOADS_ROUTE) {
    if (method !== 'POST') return answer(res, 405, 'Uploads are sent with POST.', { Allow: 'POST' });
    if (!sessions.csrfMatches(session, headerValue(req.headers[CSRF_HEADER]))) return answer(res, 403, 'This upload does not carry the page’s CSRF value. Reload the page from the printed URL.');
    return receiveUpload(options.core.uploads, req, res);
  }
  if (method !== 'GET' && method !== 'HEAD') return answer(res, 405, 'Only GET and HEAD are served here.', { Allow: 'GET, HEAD' });
  if (url.pathname.startsWith(EXPORTS_ROUTE)) {
    if (!sessions.csrfMatches(session, url.searchParams.get(CSRF_PARAM))) return answer(res, 403, 'This download link does not carry the page’s CSRF value. Use the link in the archiver.');
    return serveExport(options.core.paths.exports, url.pathname.slice(EXPORTS_ROUTE.length - 1), method, res);
  }
  return serveStatic(options.staticDir, url.pathname, method, res);
}

/** The contract's socket at /ws: only for this page's session, its origin and its CSRF value. */
function acceptSockets(server: http.Server, host: HostContext): WebSocketServer {
  const { sessions, validHost } = host;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES });
  server.on('upgrade', (req, socket: Duplex, head) => {
    socket.on('error', () => socket.destroy());
    const url = parseUrl(req.url);
    const session = sessions.fromRequest(req);
    const allowed =
      url?.pathname === '/ws' &&
      !refuseForeign(req, validHost) &&
      req.headers.origin === `http://${req.headers.host}` &&
      session !== undefined &&
      sessions.csrfMatches(session, url.searchParams.get(CSRF_PARAM));
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveCalls(ws, host));
  });
  return wss;
}

/** One page's socket: each text frame is a call, answered by id; the core's events go to every socket. */
function serveCalls(ws: WebSocket, { options, logger, sockets }: HostContext): void {
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
  // A frame over maxPayload, a bad opcode or invalid UTF-8: ws closes the socket with the right
  // code (1009, 1002, 1007); without this listener the error would be thrown and end the process.
  ws.on('error', (error) => logger.warn(`a browser socket was closed: ${error.message}`));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1003, 'Calls are JSON text frames.');
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const checked = parseCallMessage(raw, raw.length);
    if (!checked.ok && checked.id === undefined) {
      // Not a call at all: there is no id to answer to, so the socket is closed with the reason.
      ws.close(1003, checked.error.message.slice(0, 120));
      return;
    }
    const reply = (result: ServerMessage & { type: 'result' }) => {
      const text = stringify(result, logger);
      if (text !== undefined && ws.readyState === ws.OPEN) ws.send(text);
    };
    if (!checked.ok) return reply({ type: 'result', id: checked.id!, result: { ok: false, error: checked.error } });
    options.core.dispatcher.dispatch(checked.name, checked.input).then(
      (result) => reply({ type: 'result', id: checked.id, result }),
      (error: unknown) => {
        logger.error(`call ${checked.name} failed outside the dispatcher`, error);
        reply({ type: 'result', id: checked.id, result: { ok: false, error: { code: 'internal', message: 'The call failed; the details are in the application log.' } } });
      },
    );
  });
}

/**
 * Why a request is refused before anything else, or undefined: a Host that is not this server
 * (DNS rebinding), or a browser saying the request comes from another site or origin. Fetch
 * Metadata (`Sec-Fetch-Site`) is sent by Chromium, Firefox and Safari; "none" is the officer
 * typing or clicking the URL, "same-origin" the app itself.
 */
function refuseForeign(req: http.IncomingMessage, validHost: (host: string | undefined) => boolean): string | undefined {
  if (!validHost(req.headers.host)) return 'This address is not allowed. Use the URL printed by the archiver.';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'Requests from other sites or pages are refused.';
  return undefined;
}

function parseUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', 'http://archiver.invalid');
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringify(message: ServerMessage, logger: Logger): string | undefined {
  try {
    return JSON.stringify(message);
  } catch (error) {
    logger.error('a message for the page could not be written as JSON', error);
    return undefined;
  }
}
