import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { packageInfo } from '../../electron/core/platform/package-root';
import { startBrowserHost } from '../../electron/host/browser-host';
import { axeViolations, describeViolations } from '../support/axe';
import { launchChromium, screenshot, serveApp, stopHost, type ServedApp } from '../support/browser';

/**
 * The host killed and started again under an open page (issue 21): the page says it lost the
 * archiver and is reconnecting, reconnects by itself once the host is back, signs in again
 * (the restarted host forgot its session) with the access token the tab was opened with, sees
 * that it restarted, and shows the new state, all without a reload (what was typed survives).
 */
describe('connection lost and found again', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await serveApp();
    app.core.connectors.create('Acme pod');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    await page.goto(app.host.url + '#connectors');
    await page.getByRole('heading', { name: 'Acme pod' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows a reconnecting banner while the host is down, then recovers without a reload', async () => {
    // Marks this page load: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { loadMark: number }).loadMark = 42));
    // Something typed in a form that must survive the outage.
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('Acme renamed later');

    const stopped = await stopHost(app);
    const banner = page.getByTestId('connection-banner');
    await expect.poll(() => banner.getAttribute('data-state')).toBe('reconnecting');
    await expect.poll(() => banner.textContent()).toMatch(/The connection to the archiver was lost\.\s*Reconnecting/);
    await screenshot(page, 'connection-lost');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    // The page keeps retrying while nothing listens (at least two attempts seen).
    await expect.poll(async () => Number((/attempt (\d+)/.exec((await banner.textContent()) ?? '') ?? [])[1] ?? 0)).toBeGreaterThanOrEqual(2);

    // The host comes back (a new core on the same data); meanwhile the data changed.
    app = await stopped.restart();
    app.core.connectors.create('Beta pod');

    await expect.poll(() => banner.getAttribute('data-state')).toBe('restarted');
    await expect.poll(() => banner.textContent()).toContain('The archiver restarted');
    expect(describeViolations(await axeViolations(page))).toEqual([]);
    // Full refresh: the connector the new core has is listed, though no event announced it.
    const list = page.getByRole('listbox', { name: 'Connectors' });
    await expect.poll(() => list.getByRole('option').allTextContents()).toEqual([expect.stringContaining('Acme pod'), expect.stringContaining('Beta pod')]);
    // What was typed is still there; then calls work again over the new socket.
    await expect.poll(() => page.getByLabel('New name').inputValue()).toBe('Acme renamed later');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => page.getByTestId('connector-state').textContent()).toBe('Disabled');
    expect(app.core.connectors.list().find((c) => c.name === 'Acme pod')!.enabled).toBe(false);
    await expect.poll(() => page.evaluate(() => (window as unknown as { loadMark?: number }).loadMark)).toBe(42);
    await screenshot(page, 'connection-restored');
  });

  it('a host restarted with another access token is named as such instead of retrying silently', async () => {
    const stopped = await stopHost(app);
    // Same port, but the new host only knows another token: the page's cookie no longer opens it.
    const restarted = await stopped.restart();
    await restarted.host.dispose();
    const other = await startBrowserHost({ core: restarted.core, staticDir: path.join(packageInfo().root, 'dist', 'renderer'), port: restarted.host.port, token: 'another-token-the-page-never-saw' });
    app = { ...restarted, host: other, close: async () => (await other.dispose(), await restarted.close()) };
    const banner = page.getByTestId('connection-banner');
    await expect.poll(() => banner.getAttribute('data-state')).toBe('refused');
    await expect.poll(() => banner.textContent()).toMatch(/restarted with a new access token.*Open the address it printed/);
  });
});
