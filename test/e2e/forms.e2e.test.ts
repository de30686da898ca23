import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { z } from 'zod';
import { clientIdSchema, connectorNameSchema, podUrlSchema, scheduleSettingsSchema, tenantIdSchema } from '../../shared/contract';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';
import { wizardStep } from '../support/e2e-wizard';

/** The contract's message for a refused value: the form must show exactly these words. */
function refusal(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return result.error.issues[0]!.message;
}

/**
 * The wizard's forms against the contract's rules (issue 21), one served app and one page for
 * the file: every refused and accepted name, pod URL, tenant and client id; an emptied number
 * field; Next after a failed connection test; Cancel leaving nothing behind.
 */
describe('wizard forms: the same rules and words as the core, and no dead ends', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await serveApp();
    app.core.connectors.create('Acme pod');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(app.host.url + '#connectors');
    await page.getByRole('button', { name: 'New connector' }).click();
    await page.getByLabel('Connector name').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const fieldOf = (label: string) => page.locator('#editor .field').filter({ has: page.getByLabel(label, { exact: true }) });

  /** Types a value, leaves the field (which marks it touched) and reads its message, if any. */
  async function messageFor(label: string, value: string): Promise<string | null> {
    const input = page.locator('#editor').getByLabel(label, { exact: true });
    await input.fill(value);
    await input.press('Tab');
    const error = fieldOf(label).locator('.field-error');
    // The message and the field's invalid state go together (React renders both on the blur).
    expect(String(await error.count()) + (await input.getAttribute('aria-invalid'))).toMatch(/^(1true|0null)$/);
    return (await error.count()) ? await error.textContent() : null;
  }

  it('names: any printable text up to 80 characters, unique; control characters, blanks and 81 characters refused', async () => {
    // The officer sees nothing before touching the field.
    await expect.poll(() => page.locator('.field-error').count()).toBe(0);
    for (const name of ['Acme — prod', 'R&D (EU), O\'Brien\'s', 'Trading 📈', '東京ポッド', '👨‍👩‍👧'.repeat(10), 'x'.repeat(80)]) {
      expect(await messageFor('Connector name', name), name).toBeNull();
    }
    for (const name of ['   ', 'x'.repeat(81), 'Acme\tprod', 'evil\u202Etxt']) {
      expect(await messageFor('Connector name', name), JSON.stringify(name)).toBe(refusal(connectorNameSchema, name));
    }
    // Unique across case: the core's own words, before anything is saved.
    expect(await messageFor('Connector name', 'ACME POD')).toBe('A connector named "ACME POD" already exists.');
    await messageFor('Connector name', '  Acme — prod  ');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await expect.poll(() => wizardStep(page)).toContain('Symphony pod');
    expect(app.core.connectors.list().map((c) => c.name)).toEqual(['Acme pod']);
  });

  it('pod URLs: https, or http on this computer with a warning; no query, fragment or undocumented path', async () => {
    for (const url of ['acme.symphony.com', 'http://acme.symphony.com', 'https://acme.symphony.com?tenant=1', 'https://acme.symphony.com/#/chat', 'https://acme.symphony.com/some/path', 'ftp://acme.symphony.com', 'https://bot:pw@acme.symphony.com']) {
      expect(await messageFor('Pod URL', url), url).toBe(refusal(podUrlSchema, url));
    }
    const field = fieldOf('Pod URL');
    for (const url of ['https://acme.symphony.com', 'https://acme.symphony.com/pod/', 'https://acme.symphony.com/client/index.html', 'https://acme.symphony.com:8443']) {
      expect(await messageFor('Pod URL', url), url).toBeNull();
      await expect.poll(() => field.getByTestId('field-warning').count(), { message: url }).toBe(0);
    }
    expect(await messageFor('Pod URL', 'http://127.0.0.1:1')).toBeNull();
    await expect.poll(() => field.getByTestId('field-warning').textContent()).toMatch(/not encrypted/);
    await screenshot(page, 'wizard-pod-url-warning');
  });

  it('Next after a failed connection test asks first, and the step is not ticked done', async () => {
    // Nothing listens on port 1: the test fails (the key file is missing too).
    await page.getByLabel('Service account username').fill('archiver-bot');
    await page.getByLabel('Private key file').fill(`${app.dataDir}/missing.pem`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('connection-report').getAttribute('data-ok')).toBe('false');
    // The test needed the core, so a draft exists: disabled and unscheduled.
    const drafts = app.core.connectors.list().filter((c) => c.name === 'Acme — prod');
    expect(drafts.map((c) => [c.enabled, c.settings.schedule.enabled, c.settings.symphony.podUrl])).toEqual([[false, false, 'http://127.0.0.1:1']]);

    await page.getByRole('button', { name: 'Next', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Continue without a working connection?' });
    await dialog.waitFor();
    await screenshot(page, 'wizard-continue-without-connection');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => wizardStep(page)).toContain('Symphony pod');

    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await dialog.getByRole('button', { name: 'Continue anyway' }).click();
    await expect.poll(() => wizardStep(page)).toContain('Microsoft 365');
    const symphonyStep = page.locator('.wizard-steps li[data-step="symphony"]');
    await expect.poll(() => symphonyStep.getAttribute('class')).toBe('failed');
    await expect.poll(() => symphonyStep.textContent()).toContain('check failed');
    await expect.poll(() => page.locator('.wizard-steps li[data-step="name"]').getAttribute('class')).toBe('done');
  });

  it('tenant: a GUID or a domain; client id: a GUID; no sign-in warning before anything is typed', async () => {
    await expect.poll(() => page.getByTestId('auth-status').count()).toBe(0);
    await expect.poll(() => page.locator('.field-error').count()).toBe(0);
    for (const tenant of ['t', 'contoso', 'https://login.microsoftonline.com/contoso', 'not a tenant']) {
      expect(await messageFor('Tenant', tenant), tenant).toBe(refusal(tenantIdSchema, tenant));
    }
    for (const tenant of ['72f988bf-86f1-41af-91ab-2d7cd011db47', 'contoso.onmicrosoft.com']) expect(await messageFor('Tenant', tenant), tenant).toBeNull();
    for (const client of ['app', 'contoso.onmicrosoft.com', '1234', '{00000000-0000-0000-0000-0000000000aa}']) {
      expect(await messageFor('Client id', client), client).toBe(refusal(clientIdSchema, client));
    }
    expect(await messageFor('Client id', '00000000-0000-0000-0000-0000000000aa')).toBeNull();
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await expect.poll(() => wizardStep(page)).toContain('Mailboxes');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await expect.poll(() => wizardStep(page)).toContain('Schedule');
  });

  it('an emptied "Hours between runs" shows a message on the field, never a white screen', async () => {
    const hours = page.getByLabel('Hours between runs');
    await expect.poll(() => page.getByTestId('next-runs').textContent()).toMatch(/Next runs:/);
    await hours.fill('');
    await hours.press('Tab');
    const message = refusal(scheduleSettingsSchema, { intervalHours: Number.NaN });
    await expect.poll(() => page.getByText(message).isVisible()).toBe(true);
    await expect.poll(() => hours.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.getByTestId('next-runs').count()).toBe(0);
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await expect.poll(() => wizardStep(page)).toContain('Schedule');
    for (const text of ['abc', '0', '-3', '1e9']) {
      await hours.fill(text);
      await expect.poll(() => hours.getAttribute('aria-invalid'), { message: text }).toBe('true');
    }
    // The shell and the view are still there, and nothing threw in the page.
    await expect.poll(() => page.getByRole('tab', { name: /Connectors/ }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('view-crash').count()).toBe(0);
    await screenshot(page, 'wizard-empty-interval');
    await hours.fill('6');
    await expect.poll(() => page.getByTestId('next-runs').textContent()).toMatch(/Next runs:/);
    expect(pageErrors).toEqual([]);
  });

  it('Cancel leaves nothing behind: the draft the connection test saved is deleted', async () => {
    expect(app.core.connectors.list()).toHaveLength(2);
    await page.locator('.wizard-footer').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => app.core.connectors.list().map((c) => c.name)).toEqual(['Acme pod']);
    await expect.poll(() => page.getByRole('listbox', { name: 'Connectors' }).getByRole('option').count()).toBe(1);
    // A wizard cancelled before any check never stored anything either.
    await page.getByRole('button', { name: 'New connector' }).click();
    await page.getByLabel('Connector name').fill('Never saved');
    await page.getByLabel('Connector name').press('Enter');
    await page.getByLabel('Pod URL').waitFor();
    await page.locator('.wizard-footer').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Acme pod' }).isVisible()).toBe(true);
    expect(app.core.connectors.list().map((c) => c.name)).toEqual(['Acme pod']);
    expect(pageErrors).toEqual([]);
  });
});
