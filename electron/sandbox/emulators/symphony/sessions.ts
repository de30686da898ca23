import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Ctx, Session } from './context';
import { header, HttpError } from './exchange';
import { opaqueToken } from './model';

/**
 * RSA authentication as Symphony does it (FACTS.md): the client signs a short JWT (RS512, only
 * `sub` and `exp`, at most 5 minutes ahead) with the key registered for the account, and gets a
 * session token (login) or a key-manager token (relay). Pod calls need the session token, agent
 * calls also the key-manager token.
 */
export class Sessions {
  private readonly sessions = new Map<string, Session>();

  /** Every token issued so far stops working, as when sessions time out. */
  expireAll(): void {
    for (const s of this.sessions.values()) s.expiresAt = 0;
  }

  /** The session of an authenticated call, or 401. */
  authenticate(ctx: Ctx): Session {
    const token = header(ctx.req, 'sessiontoken');
    const session = token ? this.sessions.get(token) : undefined;
    if (!session || session.kind !== 'session' || session.expiresAt <= Date.now()) throw new HttpError(401, 'Invalid session');
    // A real session never expires the moment it was issued; an `expire` fault only ends older ones.
    if (ctx.fault === 'expire' && Date.now() - session.issuedAt >= (ctx.emulator.options.minSessionAgeToExpireMs ?? 250)) {
      session.expiresAt = 0;
      throw new HttpError(401, 'Invalid session');
    }
    if (ctx.api === 'agent') {
      const km = header(ctx.req, 'keymanagertoken');
      const kmSession = km ? this.sessions.get(km) : undefined;
      const required = ctx.emulator.options.requireKeyManagerToken ?? true;
      if ((required || km) && (!kmSession || kmSession.kind !== 'keyManager' || kmSession.expiresAt <= Date.now())) throw new HttpError(401, 'Invalid key manager token');
    }
    return session;
  }

  /** POST /login/pubkey/authenticate (session) and /relay/pubkey/authenticate (keyManager). */
  async login(ctx: Ctx, kind: Session['kind']): Promise<void> {
    const { pod, options, counters } = ctx.emulator;
    // login-api-public.yaml lists 401 for every authentication error ("malformed authentication
    // token" included) and no 400.
    const refuse = (why: string) => {
      counters.logins.refused++;
      return new HttpError(401, `Unauthorized: ${why}`);
    };
    const token = (JSON.parse(ctx.body) as { token?: unknown }).token;
    if (typeof token !== 'string') throw refuse('no authentication token');
    const sub = subjectOf(token, refuse);
    const user = [...pod.users.values()].find((u) => u.username === sub);
    if (!user?.publicKey) throw refuse('unknown user or no public key registered');
    let exp: number | undefined;
    try {
      const verified = await jwtVerify(token, user.publicKey, { algorithms: ['RS512'], requiredClaims: ['exp', 'sub'] });
      exp = verified.payload.exp;
    } catch (error) {
      throw refuse(`invalid token signature or expiry (${(error as Error).message})`);
    }
    // At most 5 minutes ahead (FACTS.md), to the second: no leeway a client could come to use.
    if (exp === undefined || exp - Math.floor(Date.now() / 1000) > (options.maxJwtLifetimeSeconds ?? 300)) throw refuse('token expiration is more than 5 minutes ahead');
    const value = opaqueToken();
    this.sessions.set(value, { user, kind, issuedAt: Date.now(), expiresAt: Date.now() + (options.sessionTtlMs ?? 3600_000) });
    counters.logins[kind]++;
    ctx.emulator.answers.send(ctx, 200, { name: kind === 'session' ? 'sessionToken' : 'keyManagerToken', token: value });
  }
}

/** The unverified `sub` of a login JWT, after its header and claim set are checked. */
function subjectOf(token: string, refuse: (why: string) => HttpError): string | undefined {
  try {
    if (decodeProtectedHeader(token).alg !== 'RS512') throw refuse('JWT must be signed with RS512');
    const unverified = decodeJwt(token);
    // FACTS.md (from the BDKs and Symphony's RSA authentication guide): the claims are sub and exp, nothing else.
    const extra = Object.keys(unverified).filter((k) => k !== 'sub' && k !== 'exp');
    if (extra.length) throw refuse(`the JWT may carry only sub and exp (it has ${extra.join(', ')})`);
    return typeof unverified.sub === 'string' ? unverified.sub : undefined;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw refuse('malformed JWT');
  }
}
