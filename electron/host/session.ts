import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';

/**
 * Who may use the browser host. Three secrets, each for one job:
 *
 * - the **access token** (printed in the URL, or given from a file or an environment variable):
 *   proves the person opening the URL was told it by whoever started the host;
 * - the **session cookie** (`archiver-session-<port>`, HttpOnly, SameSite=Strict, Path=/): a random
 *   session id the browser sends with every request. Cookies are not port-scoped, so any other
 *   server on 127.0.0.1 that the browser visits receives it too: it alone opens nothing but the
 *   app's static files;
 * - the **CSRF value**: per session, handed only to the page that opened the URL with the token
 *   (in a `<meta>` of that one answer; the page keeps it in its origin's storage, which a page of
 *   another origin, even another port, cannot read, and which the cookie alone never reveals).
 *   Calls (the WebSocket), uploads and downloads need it.
 *
 * As VS Code's serve-web does with its connection token; see README "Browser host".
 */

/** Bits an access token must carry at least (NIST SP 800-63B asks 112 for look-up secrets; we ask 128). */
export const MIN_TOKEN_BITS = 128;
/** Sessions kept at once; the oldest is forgotten first (each opening of the printed URL makes one). */
const MAX_SESSIONS = 64;

export interface Session {
  id: string;
  csrf: string;
}

/** A fresh token: 32 random bytes, base64url. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Throws, naming the reason and the fix, when a token given by the officer is too weak. The
 * estimate is deliberately conservative: length × log2(alphabet of the character classes used),
 * and a token of one repeated character or a short cycle counts as its period only.
 */
export function checkAccessToken(token: string, source: string): string {
  const reject = (why: string) => {
    throw new Error(`The access token from ${source} is refused: ${why}. Use at least ${MIN_TOKEN_BITS} random bits, e.g. the output of "openssl rand -base64 32".`);
  };
  if (token.length === 0) reject('it is empty');
  if (!/^[\x21-\x7e]+$/.test(token)) reject('it may only hold printable ASCII characters without spaces (it travels in a URL and a cookie)');
  const bits = estimatedBits(token);
  if (bits < MIN_TOKEN_BITS) reject(`it carries about ${Math.floor(bits)} bits, fewer than ${MIN_TOKEN_BITS}`);
  return token;
}

function estimatedBits(token: string): number {
  let alphabet = 0;
  if (/[a-z]/.test(token)) alphabet += 26;
  if (/[A-Z]/.test(token)) alphabet += 26;
  if (/[0-9]/.test(token)) alphabet += 10;
  if (/[^a-zA-Z0-9]/.test(token)) alphabet += 32;
  return period(token) * Math.log2(alphabet);
}

/** The length of the shortest repeating unit ("abcabcabc" → 3). */
function period(text: string): number {
  for (let p = 1; p < text.length; p++) {
    if (text.length % p !== 0) continue;
    if (text.slice(0, p).repeat(text.length / p) === text) return p;
  }
  return text.length;
}

export interface TokenSources {
  /** --token on the command line (visible to every local user in the process list). */
  flag?: string;
  /** --token-file, or ARCHIVER_TOKEN_FILE: a file only the officer can read. */
  file?: string;
  /** ARCHIVER_TOKEN. */
  env?: string;
}

/** The access token from the first source given (file, environment, flag), checked; a fresh one when none is. */
export function readAccessToken(sources: TokenSources): { token: string; source: string } {
  if (sources.file) {
    let text: string;
    try {
      text = fs.readFileSync(sources.file, 'utf8');
    } catch (error) {
      throw new Error(`The access token file ${sources.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check the path and its permissions.`, { cause: error });
    }
    return { token: checkAccessToken(text.trim(), `the file ${sources.file}`), source: 'file' };
  }
  if (sources.env) return { token: checkAccessToken(sources.env, 'ARCHIVER_TOKEN'), source: 'environment' };
  if (sources.flag) return { token: checkAccessToken(sources.flag, '--token'), source: 'command line' };
  return { token: newAccessToken(), source: 'generated' };
}

/** Constant-time comparison of two strings (different lengths differ, without a timing hint on content). */
export function sameSecret(candidate: string | undefined | null, secret: string): boolean {
  if (typeof candidate !== 'string') return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The sessions of one browser host (in memory: a restart signs every page out). */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private name = 'archiver-session';

  constructor(private readonly token: string) {}

  /**
   * The port in the cookie's name keeps two hosts on one machine (cookies ignore ports) from
   * overwriting each other's session; known once the server listens.
   */
  listensOn(port: number): void {
    this.name = `archiver-session-${port}`;
  }

  get cookieName(): string {
    return this.name;
  }

  tokenMatches(candidate: string | null | undefined): boolean {
    return sameSecret(candidate, this.token);
  }

  open(): Session {
    const session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url') };
    this.sessions.set(session.id, session);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return session;
  }

  cookieFor(session: Session): string {
    return `${this.cookieName}=${session.id}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** The session named by the request's cookie, if any. */
  fromRequest(req: http.IncomingMessage): Session | undefined {
    const header = req.headers.cookie;
    if (typeof header !== 'string') return undefined;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== this.cookieName) continue;
      const session = this.sessions.get(part.slice(eq + 1).trim());
      if (session) return session;
    }
    return undefined;
  }

  csrfMatches(session: Session, candidate: string | null | undefined): boolean {
    return sameSecret(candidate, session.csrf);
  }
}
