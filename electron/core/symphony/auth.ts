import { createPrivateKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import { SignJWT } from 'jose';
import { ArchiverError } from '../../../shared/errors';
import type { Clock } from '../platform/clock';
import { SymphonyHttpError, SymphonyNetworkError, type HttpTransport } from './http';

/** The BDKs sign for 240 s; Symphony refuses more than 5 minutes. */
export const JWT_LIFETIME_SECONDS = 240;

/** Reads the service account's RSA private key; every failure says which and why. */
export async function loadPrivateKey(file: string): Promise<KeyObject> {
  const target = 'settings.symphony.privateKeyPath';
  if (!file) {
    throw new ArchiverError({ code: 'invalid-input', message: 'No private key file is set for the service account.', fix: 'Choose the PEM file holding the RSA private key.', target });
  }
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'the archiver may not read it' : `the system said ${code ?? String(error)}`;
    throw new ArchiverError({ code: 'invalid-input', message: `The private key file ${file} could not be read: ${why}.`, fix: 'Check the path and the file permissions.', target, detail: String(error) });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(pem);
    throw new ArchiverError({
      code: 'invalid-input',
      message: encrypted
        ? `The private key in ${file} is protected by a passphrase, which the archiver cannot use.`
        : `The file ${file} does not hold a PEM private key.`,
      fix: encrypted ? 'Export the key without a passphrase (and protect the file instead).' : 'Choose the file that starts with "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----".',
      target,
      detail: String(error),
    });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `The private key in ${file} is not an RSA key (it is ${key.asymmetricKeyType ?? 'unknown'}); Symphony only accepts RSA keys.`,
      fix: 'Generate an RSA key pair (4096 bits) and register its public key for the service account.',
      target,
    });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `The RSA key in ${file} has only ${bits} bits; RS512 signatures need at least 2048.`,
      fix: 'Generate a 4096-bit RSA key pair and register its public key for the service account.',
      target,
    });
  }
  return key;
}

/** The login JWT: RS512, only `sub` and `exp`, as Symphony requires. */
export async function signLoginJwt(key: KeyObject, username: string, nowMs: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS512' })
    .setSubject(username)
    .setExpirationTime(Math.floor(nowMs / 1000) + JWT_LIFETIME_SECONDS)
    .sign(key);
}

export interface AuthEndpoints {
  pod: string;
  keyManager: string;
}

type TokenKind = 'session' | 'keyManager';

/**
 * Session and key-manager tokens, fetched once and reused until Symphony answers 401; concurrent
 * callers share one login. Tokens are opaque, so their expiry is only learnt from a 401.
 */
export class SymphonyAuthenticator {
  private key: Promise<KeyObject> | undefined;
  private readonly tokens = new Map<TokenKind, Promise<string>>();
  /** Logins done, for the log and the tests. */
  logins = 0;

  constructor(
    private readonly options: { username: string; privateKeyPath: string; endpoints: AuthEndpoints; http: HttpTransport; clock: Clock; signal?: AbortSignal },
  ) {}

  privateKey(): Promise<KeyObject> {
    this.key ??= loadPrivateKey(this.options.privateKeyPath);
    this.key.catch(() => (this.key = undefined));
    return this.key;
  }

  sessionToken(): Promise<string> {
    return this.token('session');
  }

  keyManagerToken(): Promise<string> {
    return this.token('keyManager');
  }

  /** Forgets a token Symphony refused, unless a newer one already replaced it. */
  async invalidate(kind: TokenKind, token: string): Promise<void> {
    const current = this.tokens.get(kind);
    if (current && (await current.catch(() => undefined)) === token) this.tokens.delete(kind);
  }

  private token(kind: TokenKind): Promise<string> {
    let pending = this.tokens.get(kind);
    if (!pending) {
      pending = this.login(kind);
      this.tokens.set(kind, pending);
      pending.catch(() => {
        if (this.tokens.get(kind) === pending) this.tokens.delete(kind);
      });
    }
    return pending;
  }

  private async login(kind: TokenKind): Promise<string> {
    const key = await this.privateKey();
    const jwt = await signLoginJwt(key, this.options.username, this.options.clock.now());
    const url = kind === 'session' ? `${this.options.endpoints.pod}/login/pubkey/authenticate` : `${this.options.endpoints.keyManager}/relay/pubkey/authenticate`;
    const where = kind === 'session' ? 'pod' : 'key manager';
    let body: unknown;
    try {
      body = await this.options.http.json(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ token: jwt }),
        signal: this.options.signal,
      });
    } catch (error) {
      throw loginError(error, where, this.options.username, url);
    }
    const token = (body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
      throw new ArchiverError({ code: 'auth-failed', message: `The ${where} answered the login without a token.`, fix: `Check that ${url} is the ${where}'s address.`, target: kind });
    }
    this.logins++;
    return token;
  }
}

function loginError(error: unknown, where: string, username: string, url: string): unknown {
  const target = where === 'pod' ? 'settings.symphony.podUrl' : 'settings.symphony.keyManagerUrl';
  if (error instanceof SymphonyHttpError && (error.status === 401 || error.status === 403)) {
    return new ArchiverError(
      {
        code: 'auth-failed',
        message: `The ${where} refused the login of "${username}" (HTTP ${error.status}): the public key registered for this username does not match the private key, or the account does not exist or is disabled.`,
        fix: 'In the Symphony admin console, check the service account\'s username and upload the public key that belongs to this private key.',
        target: 'settings.symphony.username',
        detail: error.message,
      },
      { cause: error },
    );
  }
  if (error instanceof SymphonyHttpError && error.status === 404) {
    return new ArchiverError(
      { code: 'unreachable', message: `${url} does not exist (HTTP 404): this is not the ${where}'s address.`, fix: `Correct the ${where} URL.`, target, detail: error.message },
      { cause: error },
    );
  }
  if (error instanceof SymphonyNetworkError) {
    return new ArchiverError(
      { code: 'unreachable', message: `The ${where} could not be reached at ${new URL(url).origin}.`, fix: 'Check the URL, the proxy setting and the network.', target, detail: error.message },
      { cause: error },
    );
  }
  return error;
}
