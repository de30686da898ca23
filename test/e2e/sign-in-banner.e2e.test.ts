import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, RUN_WAIT_MS, screenshot } from '../support/browser';
import { graphMessageCount, startWorld, trustTestProvider, type World } from '../support/e2e-world';
import { reasonWords } from '../../shared/contract';

/**
 * The officer's interactive sign-in is gone (the sealed token cache removed, as signing out
 * elsewhere or an expired refresh token leaves it): a run stops with `needs-sign-in`, the app
 * shows a banner with a Sign in button above every view, signing in there works, and the next run
 * delivers everything.
 */
describe('sign-in banner', () => {
  let world: World;
  let browser: Browser;
  let page: Page;
  let connectorId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    world = await startWorld({ browser: () => browser, pod: { seed: 'sign-in-banner', conversations: 2, messages: 12, attachments: 0, internalUsers: 3, externalUsers: 0 } });
    const { app, oidc, graphUrl, pod, keyPath } = world;
    const connector = await app.core.dispatcher.invoke('connectors.create', {
      name: 'Acme pod',
      settings: {
        symphony: { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: keyPath },
        microsoft: { tenantId: oidc.tenantId, clientId: oidc.publicClientId, authMode: 'interactive', authorityHost: oidc.host, graphBaseUrl: graphUrl },
        schedule: { enabled: false },
      },
    });
    connectorId = connector.id;
    trustTestProvider(world, connectorId);
    expect((await app.core.dispatcher.invoke('auth.signIn', { connectorId })).signedIn).toBe(true);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('stops the run with needs-sign-in, offers Sign in in a banner, and the next run finishes', async () => {
    // The sign-in is lost: the sealed cache the app and the headless command share is removed.
    fs.rmSync(path.join(world.app.core.paths.secrets, `msal-${connectorId}.bin`));
    await page.goto(world.app.host.url + '#monitor');
    await expect.poll(() => page.getByTestId('sign-in-banner').count()).toBe(0);
    await page.getByTestId('run-now').click();
    await expect.poll(() => page.getByTestId('last-run-status').getAttribute('data-status'), { timeout: RUN_WAIT_MS }).toBe('needs-sign-in');
    const banner = page.getByTestId('sign-in-banner');
    await expect.poll(() => banner.getAttribute('data-state')).toBe('needs-sign-in');
    await expect.poll(() => banner.textContent()).toMatch(/Acme pod: the Microsoft 365 sign-in has expired\..*nothing is lost/);
    expect(graphMessageCount(world)).toBe(0);
    const [stopped] = (await world.app.core.dispatcher.invoke('runs.list', { connectorId, offset: 0, limit: 1 })).runs;
    expect(stopped!.error?.code).toBe('sign-in-required');
    expect(reasonWords(stopped!.error!)).toMatch(/use a certificate for unattended runs/);
    await expect.poll(() => page.getByTestId('last-run-error').textContent()).toBe(` — ${reasonWords(stopped!.error!)}`);
    await screenshot(page, 'sign-in-banner');

    // The banner's button signs in (MSAL opens the provider's page in the "system browser").
    const before = world.signInUrls.length;
    await page.getByTestId('sign-in-banner-button').click();
    await expect.poll(() => banner.getAttribute('data-state'), { timeout: RUN_WAIT_MS }).toBe('signed-in');
    expect(world.signInUrls.length).toBe(before + 1);

    await page.getByTestId('run-now').click();
    await expect.poll(() => page.getByTestId('last-run-status').getAttribute('data-status'), { timeout: RUN_WAIT_MS }).toBe('succeeded');
    const [done] = (await world.app.core.dispatcher.invoke('runs.list', { connectorId, offset: 0, limit: 1 })).runs;
    expect(done!.reconciliation).toMatchObject({ balanced: true, failed: { count: 0 } });
    expect(done!.reconciliation!.delivered.count).toBe(12);
    expect(graphMessageCount(world)).toBeGreaterThanOrEqual(12);
    await expect.poll(() => page.getByTestId('sign-in-banner').count()).toBe(0);
  });
});
