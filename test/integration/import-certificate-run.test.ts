import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, trustTestProvider, type World } from '../support/e2e-world';

/**
 * Unattended mode: a certificate connector's scheduled run must sign in by itself. Nobody pressed
 * "Sign in" first (a fresh server, a locked workstation).
 */
describe('certificate sign-in on first use', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      pod: { seed: 'cert-first-use', conversations: 3, messages: 30, attachments: 1, internalUsers: 4, externalUsers: 1, maxAttachmentBytes: 4096 },
      browser: () => {
        throw new Error('certificate mode never opens a browser');
      },
    });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('a run with no prior sign-in acquires its token and delivers', async () => {
    const { app, oidc, graphUrl, pod, keyPath } = world;
    const certificatePath = `${app.dataDir}/app.pem`;
    fs.writeFileSync(certificatePath, oidc.clientCertificatePem);
    const connector = await app.core.dispatcher.invoke('connectors.create', {
      name: 'Unattended',
      settings: {
        symphony: { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: keyPath },
        microsoft: { tenantId: oidc.tenantId, clientId: oidc.daemonClientId, authMode: 'certificate', certificatePath, authorityHost: oidc.host, graphBaseUrl: graphUrl },
        schedule: { enabled: false },
      },
    } as never);
    trustTestProvider(world, connector.id);
    const { runId } = await app.core.dispatcher.invoke('runs.start', { connectorId: connector.id });
    // Wait for the run to end (state, not a count of sleeps: a loaded machine takes longer).
    let run = await app.core.dispatcher.invoke('runs.get', { runId });
    await expect
      .poll(async () => (run = await app.core.dispatcher.invoke('runs.get', { runId })).status, { timeout: 300_000, interval: 100 })
      .not.toBe('running');
    expect(run.error ?? null).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.reconciliation?.delivered.count).toBeGreaterThan(0);
  });
});
