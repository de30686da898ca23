import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import selfsigned from 'selfsigned';
import { exportJWK, type JSONWebKeySet, type JWK } from 'jose';

/**
 * A real OpenID provider (oidc-provider) over HTTPS on 127.0.0.1 with a certificate made for the
 * test, standing in for Entra ID so that MSAL runs unmodified: discovery, auth code + PKCE with
 * form_post, refresh tokens, and client credentials with a certificate (private_key_jwt). Access
 * tokens are JWTs for the Graph resource with a `tid` claim, as Entra ID issues them.
 */
export interface OidcProviderHandle {
  /** https://127.0.0.1:port — the authority host. */
  host: string;
  issuer: string;
  tenantId: string;
  /** PEM of the TLS certificate, to be trusted by MSAL's network client. */
  tlsCert: string;
  /** Public keys the access tokens are signed with, for the Graph emulator. */
  jwks: JSONWebKeySet;
  /** PEM with the daemon app's certificate and private key (for `certificatePath`). */
  clientCertificatePem: string;
  publicClientId: string;
  daemonClientId: string;
  interactions: number;
  stop(): Promise<void>;
}

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

const PUBLIC_CLIENT_ID = '2b6f3a1c-5d4e-4f70-9a8b-0c1d2e3f4a51';
const DAEMON_CLIENT_ID = '7c9e8d2a-1b3f-4e5d-8c6b-a0f1e2d3c4b5';
const SCOPE = `${GRAPH_RESOURCE}/.default`;

export async function startOidcProvider(options: { tenantId?: string; accessTokenTtlSec?: number } = {}): Promise<OidcProviderHandle> {
  const tenantId = options.tenantId ?? '11111111-2222-3333-4444-555555555555';
  const keys = await makeKeys();
  const server = https.createServer({ key: keys.tls.private, cert: keys.tls.cert });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${host}/${tenantId}`;
  const provider = createProvider(issuer, tenantId, keys, options.accessTokenTtlSec ?? 3600);
  const handle: OidcProviderHandle = {
    host,
    issuer,
    tenantId,
    tlsCert: keys.tls.cert,
    jwks: { keys: [keys.publicSigningJwk] },
    clientCertificatePem: `${keys.daemon.cert}\n${keys.daemon.private}`,
    publicClientId: PUBLIC_CLIENT_ID,
    daemonClientId: DAEMON_CLIENT_ID,
    interactions: 0,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  mountUnderTenant(server, provider, handle);
  return handle;
}

/** The TLS certificate, the daemon app's certificate (its client credential) and the token signing key. */
async function makeKeys() {
  const tls = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const daemon = await selfsigned.generate([{ name: 'commonName', value: 'symphony-archiver-daemon' }], { keySize: 2048, algorithm: 'sha256' });
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingJwk: JWK = { ...(await exportJWK(signing.privateKey)), kid: 'sig-1', alg: 'RS256', use: 'sig' };
  const publicSigningJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'sig-1', alg: 'RS256', use: 'sig' };
  const daemonJwk: JWK = { ...(await exportJWK(await importSpki(daemon.public))), use: 'sig' };
  return { tls, daemon, signingJwk, publicSigningJwk, daemonJwk };
}

/** oidc-provider configured as Entra ID behaves for the archiver's two apps (public client with PKCE, daemon with a certificate). */
function createProvider(issuer: string, tenantId: string, keys: Awaited<ReturnType<typeof makeKeys>>, accessTokenTtlSec: number): Provider {
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: [
      { client_id: PUBLIC_CLIENT_ID, application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      { client_id: DAEMON_CLIENT_ID, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [keys.daemonJwk] }, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    ],
    jwks: { keys: [keys.signingJwk] },
    // Entra ID lets a refresh token renew `.default`; here that needs the scope known outside the resource too.
    scopes: ['openid', 'profile', 'offline_access', SCOPE],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'tid', 'oid'] },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => GRAPH_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: SCOPE, audience: GRAPH_RESOURCE, accessTokenTTL: accessTokenTtlSec, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    extraTokenClaims: () => ({ tid: tenantId }),
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ sub, oid: sub, tid: tenantId, name: 'Compliance Officer', preferred_username: 'officer@corp.example' }),
    }),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/${tenantId}/interaction/${interaction.uid}` },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
  });
  provider.on('server_error', (_ctx: unknown, error: unknown) => console.error('oidc-provider', error));
  return provider;
}

/** Serves the provider under /<tenant>, as Entra ID's authority is, with the browser step consented automatically. */
function mountUnderTenant(server: https.Server, provider: Provider, handle: OidcProviderHandle): void {
  const callback = provider.callback();
  const prefix = `/${handle.tenantId}`;
  server.on('request', (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith(`${prefix}/interaction/`)) {
      handle.interactions++;
      void consent(provider, req, res);
      return;
    }
    if (!url.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    // oidc-provider reads the mount path from originalUrl.
    (req as typeof req & { originalUrl?: string }).originalUrl = url;
    req.url = url.slice(prefix.length) || '/';
    void callback(req, res);
  });
}

/** The "browser" step: log the officer in, grant the scopes asked for. */
async function consent(provider: Provider, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: 'officer-1' } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string });
    grant!.addOIDCScope(`openid profile offline_access ${SCOPE}`);
    grant!.addResourceScope(GRAPH_RESOURCE, SCOPE);
    const grantId = await grant!.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
}

async function importSpki(pem: string) {
  const { createPublicKey } = await import('node:crypto');
  return createPublicKey(pem);
}

/**
 * In-memory storage for oidc-provider, except that client-assertion ids are not remembered: MSAL
 * reuses its signed assertion for up to ten minutes and Entra ID accepts that, so replay detection
 * (an oidc-provider default that Entra ID does not apply) is turned off.
 */
class MemoryAdapter {
  private static readonly stores = new Map<string, Map<string, { payload: Record<string, unknown>; expiresAt?: number }>>();
  private readonly store: Map<string, { payload: Record<string, unknown>; expiresAt?: number }>;

  constructor(private readonly name: string) {
    let store = MemoryAdapter.stores.get(name);
    if (!store) {
      store = new Map();
      MemoryAdapter.stores.set(name, store);
    }
    this.store = store;
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
    if (this.name === 'ReplayDetection') return;
    this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
  }

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const entry = this.store.get(id);
    if (!entry || (entry.expiresAt !== undefined && entry.expiresAt < Date.now())) return undefined;
    return entry.payload;
  }

  async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    for (const entry of this.store.values()) if (entry.payload.userCode === userCode) return entry.payload;
    return undefined;
  }

  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    for (const entry of this.store.values()) if (entry.payload.uid === uid) return entry.payload;
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, entry] of this.store) if (entry.payload.grantId === grantId) this.store.delete(id);
  }
}
