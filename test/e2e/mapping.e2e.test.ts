import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { MappingService } from '../../electron/core/mapping/resolver';
import { mappingCsvColumns } from '../../shared/contract/mapping';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';

const HEADER = mappingCsvColumns.join(',');

describe('mapping view in the browser host', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  let connectorId: string;

  beforeAll(async () => {
    app = await serveApp();
    // custom-only: the participants stay unmapped until the officer maps them (no tenant needed).
    connectorId = app.core.connectors.create('Acme pod', { mapping: { mode: 'custom-only', fallbackMailbox: '' } }).id;
    const mapping = new MappingService({ store: app.core.store, connectors: app.core.connectors });
    const alice = { userId: '1001', email: 'alice@acme.com', displayName: 'Alice Archer', external: false };
    const bob = { userId: '1002', email: 'bob@acme.com', displayName: 'Bob Baker', external: false };
    const partner = { userId: '9001', email: 'pat@otherbank.com', displayName: 'Pat Partner', external: true };
    for (let id = 1; id <= 3; id++) {
      await mapping.resolveAndRecord(connectorId, { id, timestamp: Date.UTC(2026, 1, id) }, id === 3 ? [alice, partner] : [alice, bob, partner], () => undefined);
    }
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const row = (key: string) => page.getByTestId(`mapping-row-${key}`);

  it('lists unmapped participants first and edits one inline, with validation', async () => {
    await page.goto(app.host.url);
    await page.getByRole('tab', { name: /Mapping/ }).click();
    await expect.poll(() => page.getByTestId('unmapped-summary').textContent()).toMatch(/2 participants have no mailbox/);
    const rows = page.getByTestId('mapping-table').locator('[data-row-index]');
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => rows.nth(0).getAttribute('data-testid')).toBe('mapping-row-user:1001');
    await expect.poll(() => rows.nth(1).getAttribute('data-testid')).toBe('mapping-row-user:1002');
    await expect.poll(() => row('user:9001').getByTestId('resolved-how').textContent()).toBe('External');
    await expect.poll(() => row('user:1001').textContent()).toContain('(3 held)');

    await page.getByRole('button', { name: 'Edit the mapping of Alice Archer' }).click();
    const form = page.getByTestId('mapping-editor');
    await form.getByLabel('Target mailbox (UPN)').fill('alice at acme');
    await form.getByRole('button', { name: 'Save mapping' }).click();
    await expect.poll(() => form.getByRole('alert').first().textContent()).toMatch(/target UPN must be an address/);

    await form.getByLabel('Target mailbox (UPN)').fill('Alice.Archive@acme.com');
    await form.getByLabel('Also deliver to').fill('supervisor@acme.com');
    await form.getByLabel('Target mailbox (UPN)').press('Enter');
    await expect.poll(() => row('user:1001').getByTestId('resolved-how').textContent()).toBe('Custom');
    await expect.poll(() => row('user:1001').getByTestId('resolved-mailbox').textContent()).toBe('alice.archive@acme.com + supervisor@acme.com');
    await expect.poll(() => page.getByTestId('unmapped-summary').textContent()).toMatch(/1 participant has no mailbox/);
    await expect.poll(() => page.getByTestId('mapping-editor').count()).toBe(0);
  });

  it('opens the editor from the keyboard and closes it with Escape', async () => {
    await row('user:1002').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('mapping-editor').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('mapping-editor').count()).toBe(0);
  });

  it('lists every bad line of a CSV and changes nothing, then previews and applies a good one', async () => {
    const input = page.getByTestId('mapping-csv-input');
    const bad = [HEADER, '1001,,alice.archive@acme.com,supervisor@acme.com,false,', 'abc,,bob@acme.com,,,', '1003,,,,maybe,'].join('\n');
    await input.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    const errors = page.getByTestId('import-errors');
    await expect.poll(() => errors.isVisible()).toBe(true);
    await expect.poll(() => errors.textContent()).toMatch(/bad\.csv has 2 problems; nothing was changed/);
    await expect.poll(() => errors.textContent()).toMatch(/Line 3, column symphony_user_id:/);
    await expect.poll(() => errors.textContent()).toMatch(/Line 4, column exclude:/);
    await expect.poll(() => row('user:1002').getByTestId('resolved-how').textContent()).toBe('Unmapped');

    const good = [
      HEADER,
      // The inline edit kept Alice's e-mail on her row; the same values count as unchanged.
      '1001,alice@acme.com,alice.archive@acme.com,supervisor@acme.com,false,',
      '1002,bob@acme.com,Bob.Archive@acme.com,,false,"desk B, floor 2"',
      ',carol@acme.com,carol@acme.com,,,starts next week',
    ].join('\r\n');
    await input.setInputFiles({ name: 'desk.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    const preview = page.getByTestId('import-preview');
    await expect.poll(() => preview.isVisible()).toBe(true);
    await expect.poll(() => preview.textContent()).toMatch(/2 added.*0 changed.*0 removed.*1 unchanged/);
    await expect.poll(() => row('user:1002').getByTestId('resolved-how').textContent()).toBe('Unmapped');
    await screenshot(page, 'mapping-import-preview');

    await preview.getByRole('button', { name: 'Apply changes' }).click();
    await expect.poll(() => page.getByTestId('import-applied').textContent()).toMatch(/2 added, 0 changed, 0 removed, 1 unchanged/);
    await expect.poll(() => row('user:1002').getByTestId('resolved-how').textContent()).toBe('Custom');
    await expect.poll(() => row('user:1002').getByTestId('resolved-mailbox').textContent()).toBe('bob.archive@acme.com');
    await expect.poll(() => row('user:1002').textContent()).toContain('(2 on next run)');
    await expect.poll(() => row('email:carol@acme.com').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('unmapped-summary').count()).toBe(0);
    await expect.poll(() => page.getByTestId('mapping-count').textContent()).toBe('4 participants');
    await screenshot(page, 'mapping');
  });

  it('searches the table and exports the custom rows as a download', async () => {
    await page.getByLabel('Search').fill('floor 2');
    await expect.poll(() => page.getByTestId('mapping-count').textContent()).toBe('1 participant');
    await expect.poll(() => row('user:1002').isVisible()).toBe(true);
    await page.getByLabel('Search').fill('');
    await expect.poll(() => page.getByTestId('mapping-count').textContent()).toBe('4 participants');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^symphony-mapping-Acme-pod-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    expect(text.split('\r\n')).toEqual([
      HEADER,
      ',carol@acme.com,carol@acme.com,,false,starts next week',
      // The inline edit kept Alice's e-mail on her row; the same values count as unchanged.
      '1001,alice@acme.com,alice.archive@acme.com,supervisor@acme.com,false,',
      '1002,bob@acme.com,bob.archive@acme.com,,false,"desk B, floor 2"',
      '',
    ]);
  });
});
