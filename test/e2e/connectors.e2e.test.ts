import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { z } from 'zod';
import { connectorNameSchema, mappingSettingsSchema, symphonySettingsSchema } from '../../shared/contract';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';
import { connectorRows } from '../support/store-reads';

/** The message the contract's schema gives for a value: the UI must show exactly this. */
function schemaMessage(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be invalid`);
  return result.error.issues[0]!.message;
}

describe('connectors view and setup wizard', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await serveApp();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(10_000);
    await page.goto(app.host.url + '#connectors');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const step = () => page.getByTestId('wizard-step').textContent();

  it('walks the wizard with the contract’s validation messages; the connector exists from Finish on', async () => {
    await page.getByRole('button', { name: 'Set up a connector' }).click();
    await expect.poll(() => step()).toContain('Step 1 of 6: Name');

    // An invalid name is refused with the core's own words (connectorNameSchema).
    await page.getByLabel('Connector name').fill('   ');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText(schemaMessage(connectorNameSchema, '   ')).isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel('Connector name').getAttribute('aria-invalid')).toBe('true');

    // Enter submits the step (keyboard first); nothing is stored before Finish.
    await page.getByLabel('Connector name').fill('Acme prod');
    await page.getByLabel('Connector name').press('Enter');
    await expect.poll(step).toContain('Step 2 of 6: Symphony pod');
    expect(app.core.connectors.list()).toEqual([]);

    // Missing and malformed fields are all explained at once.
    await page.getByLabel('Pod URL').fill('acme.symphony.com');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText(schemaMessage(symphonySettingsSchema, { podUrl: 'acme.symphony.com' })).isVisible()).toBe(true);
    await expect.poll(() => page.getByText("Enter the service account's username").isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('wizard-errors').textContent()).toContain('3 highlighted fields');
    await screenshot(page, 'wizard-validation');

    await page.getByLabel('Pod URL').fill('https://acme.symphony.com');
    await page.getByLabel('Service account username').fill('archiver-bot');
    await page.getByLabel('Private key file').fill('/keys/archiver-bot.pem');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(step).toContain('Microsoft 365');
    expect(app.core.connectors.list()).toEqual([]);

    await page.getByLabel('Tenant').fill('contoso.onmicrosoft.com');
    await page.getByLabel('Client id').fill('11111111-2222-3333-4444-555555555555');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(step).toContain('Mailboxes');

    await page.getByLabel('Fallback mailbox').fill('not-an-address');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText(schemaMessage(mappingSettingsSchema, { fallbackMailbox: 'not-an-address' })).isVisible()).toBe(true);
    await page.getByLabel('Fallback mailbox').fill('archive@contoso.com');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(step).toContain('Schedule');

    await page.getByLabel('Cron expression').check();
    await page.getByRole('textbox', { name: 'Cron expression' }).fill('0 2 * * * * * *');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText('This cron expression is not valid').isVisible()).toBe(true);
    await page.getByRole('textbox', { name: 'Cron expression' }).fill('0 2 * * *');
    await expect.poll(() => page.getByTestId('next-runs').textContent()).toMatch(/Next runs:/);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(step).toContain('Review');
    await expect.poll(() => page.getByText('Cron 0 2 * * *').isVisible()).toBe(true);
    await screenshot(page, 'wizard-review');

    // Finish creates the connector, enabled, with the officer's schedule.
    expect(app.core.connectors.list()).toEqual([]);
    await page.getByRole('button', { name: 'Finish' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Acme prod' }).isVisible()).toBe(true);
    expect(app.core.connectors.list()).toHaveLength(1);
    expect(app.core.connectors.list()[0]!.enabled).toBe(true);
    expect(app.core.connectors.list()[0]!.settings).toMatchObject({
      symphony: { podUrl: 'https://acme.symphony.com', username: 'archiver-bot' },
      schedule: { enabled: true, kind: 'cron', cron: '0 2 * * *' },
      mapping: { fallbackMailbox: 'archive@contoso.com' },
      microsoft: { tenantId: 'contoso.onmicrosoft.com', folderName: 'Symphony' },
    });
  });

  it('renames, disables and deletes with confirmation, keeping the data', async () => {
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('Acme production');
    await page.getByLabel('New name').press('Enter');
    await expect.poll(() => page.getByRole('heading', { name: 'Acme production' }).isVisible()).toBe(true);
    expect(app.core.connectors.list()[0]!.name).toBe('Acme production');

    await page.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => page.getByTestId('connector-state').textContent()).toBe('Disabled');
    expect(app.core.connectors.list()[0]!.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => page.getByTestId('connector-state').textContent()).toBe('Enabled');

    // A second connector with the same name is refused by the core; the wizard shows its message on the field.
    await page.getByRole('button', { name: 'New connector' }).click();
    await page.getByLabel('Connector name').fill('acme production');
    await page.getByLabel('Connector name').press('Enter');
    await expect.poll(() => page.getByText('A connector named "acme production" already exists.').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();

    const id = app.core.connectors.list()[0]!.id;
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Acme production?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect.poll(() => dialog.getByText('Nothing already archived is removed').isVisible()).toBe(true);
    await screenshot(page, 'connector-delete');
    // Escape cancels: nothing deleted.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(app.core.connectors.list()).toHaveLength(1);

    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete connector' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'No connector yet' }).isVisible()).toBe(true);
    expect(app.core.connectors.list()).toHaveLength(0);
    // Soft delete: the row (and what it captured) stays in the store until purged.
    expect(connectorRows(app.core.store).find((r) => r.id === id)?.deletedAt).toEqual(expect.any(String));
  });

  it('moves through the connector list with the keyboard', async () => {
    app.core.connectors.create('Beta pod');
    app.core.connectors.create('Gamma pod');
    app.core.events.emit('connectors.changed', { id: 'x' });
    const list = page.getByRole('listbox', { name: 'Connectors' });
    const names = app.core.connectors.list().map((c) => c.name);
    await expect.poll(() => list.getByRole('option').count()).toBe(names.length);
    // Tab order: the list is one stop; arrows move inside it.
    await list.getByRole('option').nth(names.indexOf('Beta pod')).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { name: 'Gamma pod' }).isVisible()).toBe(true);
    await expect.poll(() => list.getByRole('option', { selected: true }).textContent()).toContain('Gamma pod');
  });
});
