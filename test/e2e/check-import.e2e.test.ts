import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser';
import { createCertificateConnector, graphMessageCount, startWorld, type World } from '../support/e2e-world';

describe('Check import in connector details', () => {
  let world: World;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    world = await startWorld({ browser: () => browser, pod: { seed: 'check-import', conversations: 1, messages: 2, attachments: 0, internalUsers: 2, externalUsers: 0 } });
    await createCertificateConnector(world, 'Acme pod');
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(world.app.host.url + '#connectors');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('probes each method in the chosen mailbox and shows the per-method table, then the verified method', async () => {
    await page.getByText('Acme pod').first().click();
    await expect.poll(() => page.getByTestId('import-method').textContent()).toContain('not verified on this tenant');
    await page.getByRole('button', { name: 'Check import' }).click();
    await page.getByLabel('Mailbox for the probe').fill('officer@corp.example');
    await page.getByRole('button', { name: 'Run check' }).click();
    const table = page.getByTestId('check-import-table');
    await table.waitFor();
    const headers = await table.locator('thead th').allTextContents();
    expect(headers).toEqual(['Point', 'JSON create (Graph v1.0) — held', 'importMime (Graph beta) — did not hold']);
    const row = async (label: string) => (await table.locator('tbody tr', { hasText: label }).locator('td').allTextContents()).slice(1);
    expect((await row('Not a draft'))[0]).toMatch(/^Held/);
    expect((await row('Message class kept'))[0]).toBe('Held');
    await expect.poll(() => table.locator('tbody tr', { hasText: 'Message class kept' }).locator('td span').first().getAttribute('title')).toBe('IPM.ExternalData.Symphony.IM');
    await expect.poll(() => table.locator('tbody tr', { hasText: 'Attachment over 3 MB' }).locator('td span').first().getAttribute('title')).toMatch(/probe-large\.bin \(3345728\)/);
    // The test tenant's app has no Mail-Advanced.ReadWrite.All: importMime is refused, and the dialog says what to grant.
    expect((await row('Item created'))[1]).toMatch(/^Did not hold/);
    await expect.poll(() => page.getByText(/Mail-Advanced\.ReadWrite\.All.*admin consent/).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('check-import-verdict').textContent()).toBe('JSON create (Graph v1.0) is verified on this tenant.');
    await screenshot(page, 'check-import');
    expect(graphMessageCount(world)).toBe(0);
    await page.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.getByTestId('import-method').textContent()).toMatch(/verified in officer@corp\.example/);
  });
});
