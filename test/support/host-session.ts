import http from 'node:http';
import WebSocket from 'ws';
import type { CallResult } from '../../shared/contract/define';

/** What a real page holds after opening the printed URL: the session cookie and the CSRF value. */
export interface HostSession {
  port: number;
  cookie: string;
  csrf: string;
  origin: string;
}

/** The CSRF value in the page the printed URL answers with. */
export function csrfOf(html: string): string | undefined {
  return /<meta name="archiver-csrf" content="([\w-]+)">/.exec(html)?.[1];
}

/** Opens the printed URL the way a browser does: keeps the session cookie and the page's CSRF value. */
export function openSession(url: string): Promise<HostSession> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get(target, (res) => {
        let html = '';
        res.on('data', (c: Buffer) => (html += c.toString()));
        res.on('end', () => {
          const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
          const csrf = csrfOf(html);
          if (res.statusCode !== 200 || !cookie || !csrf) return reject(new Error(`no session: HTTP ${res.statusCode}`));
          resolve({ port: Number(target.port), cookie, csrf, origin: `http://${target.host}` });
        });
      })
      .on('error', reject);
  });
}

/** The contract socket of a session; resolves once open. */
export function openSocket(session: HostSession, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${session.port}/ws?csrf=${session.csrf}`, { headers: { cookie: session.cookie, origin: session.origin }, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`socket refused: HTTP ${res.statusCode}`)));
  });
}

let nextId = 1_000_000;

/** One contract call over an open socket. */
export function socketCall(ws: WebSocket, name: string, input: unknown): Promise<CallResult> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { type: string; id?: number; result?: CallResult };
      if (message.type === 'result' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message.result!);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`socket closed (${code}) before the answer to ${name}`)));
    ws.send(JSON.stringify({ type: 'call', id, name, input }));
  });
}

/** A plain HTTP request to the host; the body may be a stream. */
export function hostRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string | number>; body?: Buffer | string | NodeJS.ReadableStream },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}
