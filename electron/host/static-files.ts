import fs from 'node:fs';
import path from 'node:path';

/** Content types of the files the renderer build produces. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL path to a file inside `root`, or undefined when it would leave the folder
 * (`..`, encoded slashes, absolute paths) or could not name a file at all (an encoded NUL, which
 * makes every fs call throw; malformed percent-encoding or UTF-8). Both hosts of the renderer
 * and the exports route use this one check; `realFileInside` adds the symbolic-link check.
 */
export function resolveInside(root: string, pathname: string): string | undefined {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return undefined;
  }
  // NUL and other control characters name no file the archiver writes; fs throws on NUL.
  // U+FFFD only appears when the bytes were not UTF-8 (decodeURIComponent refuses those itself).
  if ([...relative].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f' || c === '\ufffd')) return undefined;
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + relative);
  return file.startsWith(base + path.sep) ? file : undefined;
}

/**
 * The regular file a URL path names inside `root`, after following symbolic links: refused
 * (undefined) when the real path leaves the real root, so a link planted in the exports folder
 * cannot serve the database or anything else. Never throws.
 */
export async function realFileInside(root: string, pathname: string): Promise<{ file: string; size: number } | undefined> {
  const candidate = resolveInside(root, pathname);
  if (!candidate) return undefined;
  try {
    const [realRoot, real] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(candidate)]);
    if (!real.startsWith(realRoot + path.sep)) return undefined;
    const stat = await fs.promises.stat(real);
    return stat.isFile() ? { file: real, size: stat.size } : undefined;
  } catch {
    return undefined;
  }
}

export interface AppFileAnswer {
  status: 200 | 400 | 404;
  /** The file to send with status 200. */
  file?: string;
  headers: Record<string, string>;
}

/**
 * What the desktop shell's app:// protocol answers for a request URL: the renderer file, or a
 * refusal for anything else (another host, a path leaving the folder, an encoded NUL, a link out
 * of it). Plain Node, so the same hostile inputs are tested without Electron.
 */
export async function appProtocolAnswer(rendererDir: string, requestUrl: string, expectedHost: string, csp: string): Promise<AppFileAnswer> {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { status: 400, headers: {} };
  }
  if (url.host !== expectedHost) return { status: 404, headers: {} };
  const found = await realFileInside(rendererDir, url.pathname);
  if (!found) return { status: 404, headers: {} };
  return { status: 200, file: found.file, headers: { 'Content-Type': contentTypeOf(found.file), 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' } };
}
