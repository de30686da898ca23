import type http from 'node:http';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { GraphError } from './graph-error';
import type { TokenClaims } from './import-mime';

/**
 * Bearer tokens as Graph checks them: signed by a trusted issuer (the emulator itself, or the
 * test OpenID provider standing in for Entra ID), for the Graph audience, for this tenant, not
 * expired. A verified token is remembered until it expires.
 */
export class TokenVerifier {
  private readonly issuers: Array<{ issuer: string; keys: ReturnType<typeof createLocalJWKSet> }> = [];
  private readonly verified = new Map<string, { until: number; claims: TokenClaims }>();

  constructor(
    private readonly tenantId: string,
    private readonly audience: string,
    private readonly now: () => number,
  ) {}

  trust(issuer: string, jwks: JSONWebKeySet): void {
    this.issuers.push({ issuer, keys: createLocalJWKSet(jwks) });
  }

  async authenticate(req: http.IncomingMessage): Promise<TokenClaims> {
    const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const token = match[1]!;
    const cached = this.verified.get(token);
    if (cached !== undefined && cached.until > this.now()) return cached.claims;
    const payload = await this.verify(token);
    if (payload.tid !== this.tenantId) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure: the token was issued for another tenant.');
    const claims: TokenClaims = { roles: Array.isArray(payload.roles) ? (payload.roles as string[]) : undefined, scp: typeof payload.scp === 'string' ? payload.scp : undefined };
    this.verified.set(token, { until: ((payload.exp as number) ?? 0) * 1000, claims });
    return claims;
  }

  /** The payload, from the first issuer whose keys verify the token. */
  private async verify(token: string): Promise<Record<string, unknown>> {
    let lastError: unknown;
    for (const issuer of this.issuers) {
      try {
        const result = await jwtVerify(token, issuer.keys, { issuer: issuer.issuer, audience: this.audience, currentDate: new Date(this.now()) });
        return result.payload as Record<string, unknown>;
      } catch (error) {
        lastError = error;
      }
    }
    const expired = lastError instanceof Error && /exp/.test(lastError.message);
    throw new GraphError(401, 'InvalidAuthenticationToken', expired ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid audience or signature.');
  }
}
