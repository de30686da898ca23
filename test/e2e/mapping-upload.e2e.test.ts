import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mappingCsvColumns } from '../../shared/contract/mapping';
import { launchChromium, RUN_WAIT_MS, serveApp, type ServedApp } from '../support/browser';
import { MappingRepository } from '../../electron/core/store/repos/mapping';

/**
 * Issue 14: the Mapping view's Import CSV streams the file to the host (POST /uploads) with a
 * progress bar, instead of one WebSocket message; the core reads it from the upload folder.
 * Functional, not timed: the browser's upload is throttled so the progress can be seen.
 */

const ROWS = 40_000;

function csv(): Buffer {
  const lines = [mappingCsvColumns.join(',')];
  for (let i = 0; i < ROWS; i++) lines.push(`${200000000000 + i},user${i}@symphony.example,user${i}@contoso.com,,false,"desk ${i % 40}, row ${i}"`);
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

describe('mapping CSV import over the upload path', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  let connectorId: string;

  beforeAll(async () => {
    app = await serveApp();
    connectorId = app.core.connectors.create('Acme pod', { mapping: { mode: 'custom-only', fallbackMailbox: '' } }).id;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('sends a multi-megabyte file with progress, previews it and applies it', async () => {
    const file = csv();
    expect(file.length).toBeGreaterThan(3 * 1024 * 1024);
    await page.goto(app.host.url);
    await page.getByRole('tab', { name: /Mapping/ }).click();
    const input = page.getByTestId('mapping-csv-input');
    await expect.poll(() => input.count()).toBe(1);

    // About 1 MB/s up: the upload takes seconds, long enough to watch its progress.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
    await input.setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: file });

    const progress = page.getByTestId('import-progress').locator('progress');
    // Part of the file is sent, not all of it: the bar moves while the upload runs.
    await expect
      .poll(async () => {
        const value = Number(await progress.getAttribute('value').catch(() => null));
        return value > 0 && value < file.length;
      })
      .toBe(true);
    expect(Number(await progress.getAttribute('max'))).toBe(file.length);
    await expect.poll(() => page.getByTestId('import-progress').textContent()).toMatch(/Sending big\.csv…/);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    const preview = page.getByTestId('import-preview');
    await expect.poll(() => preview.isVisible(), { timeout: RUN_WAIT_MS }).toBe(true);
    await expect.poll(() => preview.textContent()).toMatch(/Changes in big\.csv \(40,000 rows\).*40,000 added/);
    // The file is in the upload folder (owner-only) until it is applied.
    const [uploaded] = fs.readdirSync(app.core.paths.uploads);
    expect(fs.statSync(`${app.core.paths.uploads}/${uploaded}`).size).toBe(file.length);

    await preview.getByRole('button', { name: 'Apply changes' }).click();
    await expect.poll(() => page.getByTestId('import-applied').textContent(), { timeout: RUN_WAIT_MS }).toMatch(/40,000 added, 0 changed, 0 removed, 0 unchanged/);
    expect(new MappingRepository(app.core.store).listCustom(connectorId)).toHaveLength(ROWS);
    expect(fs.readdirSync(app.core.paths.uploads)).toEqual([]);
  });
});
