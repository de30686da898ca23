import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';
import { startOidcProvider, type OidcProviderHandle } from '../../electron/sandbox/emulators/oidc/provider';
import { makeTempDir } from '../support/tmp';

describe('import contract calls through the Core', () => {
  let temp: { dir: string; cleanup: () => void };
  let oidc: OidcProviderHandle;
  let graph: GraphEmulator;
  let core: Core;
  let connectorId: string;
  beforeAll(async () => {
    temp = makeTempDir();
    oidc = await startOidcProvider();
    graph = new GraphEmulator({ tenantId: oidc.tenantId, issuers: [{ issuer: oidc.issuer, jwks: oidc.jwks }] });
    const graphUrl = await graph.start();
    graph.directory.addUser({ userPrincipalName: 'alice@corp.example' });
    graph.directory.addUser({ userPrincipalName: 'bob@corp.example', mailbox: 'unlicensed' });
    const certificatePath = path.join(temp.dir, 'app.pem');
    fs.writeFileSync(certificatePath, oidc.clientCertificatePem);
    core = new Core({ dataDir: path.join(temp.dir, 'data'), host: 'test', logger: silentLogger });
    const connector = await core.dispatcher.invoke('connectors.create', {
      name: 'Pod A',
      settings: { microsoft: { cloud: 'public', tenantId: oidc.tenantId, clientId: oidc.daemonClientId, authMode: 'certificate', certificatePath, authorityHost: oidc.host, graphBaseUrl: graphUrl, folderName: 'Symphony', markAsRead: true } },
    });
    connectorId = connector.id;
    // The test provider's certificate is trusted the way an enterprise proxy's root would be.
    core.graph.authFor(connector).trustCa(oidc.tlsCert);
  });
  afterAll(async () => {
    await core.dispose();
    await graph.stop();
    await oidc.stop();
    temp.cleanup();
  });

  it('reports the unattended sign-in and checks mailboxes with the reason of each failure', async () => {
    const status = await core.dispatcher.invoke('auth.status', { connectorId });
    expect(status).toMatchObject({ connectorId, mode: 'certificate', signedIn: true });
    const { checks } = await core.dispatcher.invoke('import.checkPermissions', { connectorId, mailboxes: ['alice@corp.example', 'bob@corp.example', 'carol@corp.example'] });
    expect(checks).toEqual([
      { mailbox: 'alice@corp.example', ok: true },
      expect.objectContaining({ mailbox: 'bob@corp.example', ok: false, reason: 'not-licensed' }),
      expect.objectContaining({ mailbox: 'carol@corp.example', ok: false, reason: 'not-found' }),
    ]);
    const out = await core.dispatcher.invoke('auth.signOut', { connectorId });
    expect(out.connectorId).toBe(connectorId);
  });

  it('refuses an interactive sign-in on a host that cannot open a browser, with a typed error', async () => {
    const connector = await core.dispatcher.invoke('connectors.create', { name: 'Pod B', settings: { microsoft: { cloud: 'public', tenantId: oidc.tenantId, clientId: oidc.publicClientId, authMode: 'interactive', certificatePath: '', authorityHost: oidc.host, graphBaseUrl: '', folderName: 'Symphony', markAsRead: true } } });
    const result = await core.dispatcher.dispatch('auth.signIn', { connectorId: connector.id });
    expect(result).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/cannot open a browser/) } });
  });
});
