import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { GraphAuth, loadAuthPages } from '../../electron/core/graph/auth/msal';
import { GraphClient } from '../../electron/core/graph/client';
import { NodeSecretCipher } from '../../electron/core/platform/secrets';
import { microsoftSettingsSchema } from '../../shared/contract';
import { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';
import { startOidcProvider, type OidcProviderHandle } from '../../electron/sandbox/emulators/oidc/provider';
import { automateBrowser } from '../support/import-browser';
import { makeTempDir } from '../support/tmp';

describe('MSAL against a local OpenID provider over HTTPS', () => {
  let temp: { dir: string; cleanup: () => void };
  let oidc: OidcProviderHandle;
  let graph: GraphEmulator;
  let graphUrl: string;
  beforeAll(async () => {
    temp = makeTempDir();
    oidc = await startOidcProvider({ accessTokenTtlSec: 120 });
    graph = new GraphEmulator({ tenantId: oidc.tenantId, issuers: [{ issuer: oidc.issuer, jwks: oidc.jwks }] });
    graphUrl = await graph.start();
    graph.directory.addUser({ userPrincipalName: 'officer@corp.example' });
  });
  afterAll(async () => {
    await graph.stop();
    await oidc.stop();
    temp.cleanup();
  });

  it('acquires an app token with a certificate (client credentials) that the Graph emulator accepts', async () => {
    const certificatePath = path.join(temp.dir, 'daemon.pem');
    fs.writeFileSync(certificatePath, oidc.clientCertificatePem);
    const settings = microsoftSettingsSchema.parse({ tenantId: oidc.tenantId, clientId: oidc.daemonClientId, authMode: 'certificate', certificatePath, authorityHost: oidc.host, graphBaseUrl: graphUrl });
    const secrets = path.join(temp.dir, 'secrets-cc');
    const auth = new GraphAuth({ connectorId: 'c1', settings, secretsDir: secrets, cipher: new NodeSecretCipher(secrets), tlsCa: oidc.tlsCert });
    const status = await auth.signIn();
    expect(status.problem ?? "").toBe("");
    expect(status).toMatchObject({ signedIn: true, mode: 'certificate', account: `app ${oidc.daemonClientId}` });
    const token = await auth.getToken();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: oidc.issuer, aud: 'https://graph.microsoft.com', tid: oidc.tenantId, client_id: oidc.daemonClientId });
    const client = new GraphClient({ baseUrl: graphUrl, getToken: () => auth.getToken() });
    const users = await client.request<{ value: Array<{ mail: string }> }>({ method: 'GET', path: '/users', query: { $filter: "mail eq 'officer@corp.example'" } });
    expect(users.body.value.map((u) => u.mail)).toEqual(['officer@corp.example']);
    // The cache on disk is sealed: the token is not in it in plain text.
    const cacheFile = path.join(secrets, 'msal-c1.bin');
    expect(fs.readFileSync(cacheFile).includes(Buffer.from(token.split('.')[1]!))).toBe(false);
    expect(fs.statSync(path.join(secrets, 'key')).mode & 0o777).toBe(0o600);
  });

  it('rejects a token of another tenant and an expired one with 401 in Graph\'s error shape', async () => {
    const otherTenant = await graph.mintToken({ tenantId: '99999999-0000-0000-0000-000000000000' });
    const expired = await graph.mintToken({ expiresInSec: -60 });
    for (const token of [otherTenant, expired, 'not-a-jwt']) {
      const response = await fetch(`${graphUrl}/v1.0/users`, { headers: { Authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    }
  });

  it('signs the officer in interactively (PKCE, loopback, form_post) and renews silently from the sealed cache', async () => {
    const settings = microsoftSettingsSchema.parse({ tenantId: oidc.tenantId, clientId: oidc.publicClientId, authMode: 'interactive', authorityHost: oidc.host, graphBaseUrl: graphUrl });
    const secrets = path.join(temp.dir, 'secrets-ia');
    const pages = loadAuthPages(path.resolve(__dirname, '../../resources'));
    expect(pages.successHtml).toContain('signed in');
    let browser: Promise<{ finalStatus: number; finalBody: string }> | undefined;
    let opened = '';
    const auth = new GraphAuth({
      connectorId: 'c2',
      settings,
      secretsDir: secrets,
      cipher: new NodeSecretCipher(secrets),
      tlsCa: oidc.tlsCert,
      ...pages,
      openBrowser: async (url) => {
        opened = url;
        browser = automateBrowser(url, oidc.tlsCert);
      },
    });
    expect((await auth.status()).signedIn).toBe(false);
    const status = await auth.signIn();
    expect(status.problem ?? '').toBe('');
    expect(status).toMatchObject({ signedIn: true, mode: 'interactive', account: 'officer@corp.example' });
    const authorize = new URL(opened);
    expect(authorize.origin + authorize.pathname).toBe(`${oidc.issuer}/auth`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+$/);
    const page = await browser!;
    expect(page.finalStatus).toBe(200);
    expect(page.finalBody).toContain('You are signed in to Microsoft 365');
    expect(oidc.interactions).toBeGreaterThanOrEqual(1);

    const token = await auth.getToken();
    expect(decodeJwt(token)).toMatchObject({ sub: 'officer-1', tid: oidc.tenantId, aud: 'https://graph.microsoft.com' });
    const client = new GraphClient({ baseUrl: graphUrl, getToken: () => auth.getToken() });
    expect((await client.request({ method: 'GET', path: '/users/officer@corp.example' })).status).toBe(200);

    // A restarted app: a new MSAL instance with the same sealed cache renews without the browser
    // (the 120 s token is inside MSAL's 5-minute renewal window, so this uses the refresh token).
    const restarted = new GraphAuth({ connectorId: 'c2', settings, secretsDir: secrets, cipher: new NodeSecretCipher(secrets), tlsCa: oidc.tlsCert, openBrowser: async () => {
      throw new Error('the browser must not be needed');
    } });
    const renewed = await restarted.getToken();
    expect(renewed).not.toBe(token);
    expect(decodeJwt(renewed).sub).toBe('officer-1');
    expect(fs.readFileSync(path.join(secrets, 'msal-c2.bin')).toString('utf8')).not.toContain('officer@corp.example');

    const out = await restarted.signOut();
    expect(out.signedIn).toBe(false);
  });
});
