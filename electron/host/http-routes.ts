import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { ArchiverError } from '../../shared/errors';
import type { UploadStore } from '../core/platform/uploads';
import { RENDERER_CSP } from './csp';
import { contentTypeOf, realFileInside, resolveInside } from './static-files';

/**
 * The browser host's HTTP answers once a request has passed the Host, site and session checks
 * (browser-host.ts): the renderer's files, downloads from the exports folder, and uploads. Each
 * one answers every input with a status, never with an exception that escapes.
 */

const NO_STORE = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

export function answer(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...NO_STORE, ...headers });
  res.end(message);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...NO_STORE });
  res.end(JSON.stringify(body));
}

/**
 * A file of the exports folder as a download. The real path (symbolic links followed) must stay
 * inside the real exports folder, and the file is opened without following a link planted
 * between that check and the open.
 */
export async function serveExport(root: string, pathname: string, method: string, res: http.ServerResponse): Promise<void> {
  const found = await realFileInside(root, pathname);
  if (!found) return answer(res, 404, 'No such export.');
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(found.file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return answer(res, 404, 'No such export.');
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(found.size),
    'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(path.basename(found.file))}`,
    ...NO_STORE,
  });
  if (method === 'HEAD') {
    await handle.close();
    return void res.end();
  }
  handle.createReadStream().on('error', () => res.destroy()).pipe(res);
}

/**
 * The answer to the printed URL (with the right token): the app's index.html with a new session's
 * cookie and, in a `<meta name="archiver-csrf">`, its CSRF value. Only a page holding the token
 * gets this answer; a request with the cookie alone gets the plain index.html.
 */
export async function serveSignedIn(root: string, csrf: string, cookie: string, res: http.ServerResponse): Promise<void> {
  let html: string;
  try {
    html = await fs.promises.readFile(path.join(root, 'index.html'), 'utf8');
  } catch {
    return answer(res, 404, `The UI is not built: run "npm run build" first (missing ${root}).`, { 'Set-Cookie': cookie });
  }
  const meta = `<meta name="archiver-csrf" content="${csrf}">`;
  const page = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => `${head}${meta}`) : `${meta}${html}`;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Set-Cookie': cookie,
    'Content-Security-Policy': RENDERER_CSP,
    'Referrer-Policy': 'no-referrer',
    ...NO_STORE,
  });
  res.end(page);
}

/** The built renderer; unknown paths without an extension get the app (client-side views). */
export async function serveStatic(root: string, pathname: string, method: string, res: http.ServerResponse): Promise<void> {
  const file = resolveInside(root, pathname);
  if (!file) return answer(res, 404, 'Not found');
  const isFile = (f: string) =>
    fs.promises.stat(f).then(
      (s) => s.isFile(),
      () => false,
    );
  const target = (await isFile(file)) ? file : path.extname(file) ? undefined : path.join(root, 'index.html');
  if (!target || !(await isFile(target))) {
    return answer(res, 404, fs.existsSync(root) ? 'Not found' : `The UI is not built: run "npm run build" first (missing ${root}).`);
  }
  res.writeHead(200, {
    'Content-Type': contentTypeOf(target),
    'Content-Security-Policy': RENDERER_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  if (method === 'HEAD') return void res.end();
  fs.createReadStream(target).on('error', () => res.destroy()).pipe(res);
}

/**
 * POST /uploads: the request body, streamed into the upload store (never held in memory), then
 * `{ id, bytes }`. A declared length over the limit is refused before anything is read.
 */
export async function receiveUpload(uploads: UploadStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const maxBytes = uploads.maxBytes;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.setHeader('Connection', 'close');
    return json(res, 413, { ok: false, error: { code: 'too-large', message: `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`, fix: 'Split the file.' } });
  }
  try {
    const info = await uploads.receive(req);
    json(res, 201, { ok: true, value: info });
  } catch (error) {
    const value = ArchiverError.is(error) ? error.toValue() : { code: 'invalid-input' as const, message: 'The upload was interrupted.', fix: 'Choose the file again.' };
    res.setHeader('Connection', 'close');
    if (!res.headersSent) json(res, value.code === 'too-large' ? 413 : 400, { ok: false, error: value });
    // Stop reading whatever the client still sends.
    req.resume();
  }
}
