import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, describeViolations } from '../support/axe';
import { launchChromium, RUN_WAIT_MS, screenshot } from '../support/browser';
import { createCertificateConnector, startWorld, type World } from '../support/e2e-world';

interface Screen {
  name: string;
  /** Brings the screen up from wherever the page is, and waits until it shows. */
  open(page: Page): Promise<void>;
  /** Also scan every tab of the view's tab list, whatever tabs it has now. */
  eachTab?: boolean;
}

const view = (key: string, heading: string) => async (page: Page) => {
  await page.keyboard.press(`Control+${key}`);
  await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
};
const tab = (key: string, heading: string, name: string | RegExp) => async (page: Page) => {
  await view(key, heading)(page);
  await page.getByRole('tab', typeof name === 'string' ? { name, exact: true } : { name }).click();
  await page.locator('[role="tab"][aria-selected="true"]', { hasText: name }).waitFor();
};

/** The screens of a first start: every view before any connector exists. */
const emptyScreens: Screen[] = [
  { name: 'welcome, no connector', open: view('1', 'Symphony Archiver') },
  {
    name: 'welcome, setup guide open',
    open: async (page) => {
      await view('1', 'Symphony Archiver')(page);
      const toggle = page.getByRole('button', { name: /(Read|Hide) the setup guide/ });
      if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
      await page.getByRole('region', { name: 'Setup guide' }).waitFor();
    },
  },
  {
    name: 'welcome, "Try it with a sandbox" dialog',
    open: async (page) => {
      await page.getByRole('button', { name: 'Try it with a sandbox' }).click();
      await page.getByRole('dialog', { name: 'Try it with a sandbox' }).waitFor();
    },
  },
  {
    name: 'connectors, none yet',
    open: async (page) => {
      await page.keyboard.press('Escape');
      await view('2', 'No connector yet')(page);
    },
  },
  { name: 'mapping, no connector', open: view('3', 'Mapping') },
  { name: 'monitor, no connector', open: view('4', 'No connector yet') },
  { name: 'preview, no connector', open: view('5', 'No connector yet') },
  { name: 'logs, no connector', open: view('6', 'Logs') },
];

const wizardStep = (title: string, index: number) => async (page: Page) => {
  if (!(await page.getByTestId('wizard-step').count())) {
    await view('2', 'Acme pod')(page);
    await page.getByRole('button', { name: 'New connector' }).click();
  }
  // The step list lets the officer go back to any step reached; forward goes through Next.
  for (;;) {
    const text = (await page.getByTestId('wizard-step').textContent()) ?? '';
    if (text.includes(`Step ${index} of 6`)) break;
    const current = Number(/Step (\d)/.exec(text)?.[1] ?? 0);
    if (current > index) await page.getByRole('button', { name: 'Back', exact: true }).click();
    else {
      const fill = async (label: string, value: string) => {
        const field = page.locator('#editor').getByLabel(label, { exact: true });
        if ((await field.count()) && !(await field.inputValue())) await field.fill(value);
      };
      await fill('Connector name', 'Second pod');
      await fill('Pod URL', 'https://second.symphony.com');
      await fill('Service account username', 'archiver-bot');
      await fill('Private key file', '/keys/bot.pem');
      await fill('Tenant', 'contoso.onmicrosoft.com');
      await fill('Client id', '00000000-0000-0000-0000-0000000000aa');
      await page.getByRole('button', { name: 'Next', exact: true }).click();
    }
    await expect.poll(() => page.getByTestId('wizard-step').textContent()).not.toBe(text);
  }
  await page.getByTestId('wizard-step').filter({ hasText: title }).waitFor();
};

/** The screens with data: a connector that has run once, its wizard, dialogs and every tab. */
const dataScreens: Screen[] = [
  { name: 'welcome', open: view('1', 'Symphony Archiver') },
  { name: 'connector details', open: view('2', 'Acme pod') },
  {
    name: 'rename dialog',
    open: async (page) => {
      await view('2', 'Acme pod')(page);
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByRole('dialog', { name: 'Rename connector' }).waitFor();
    },
  },
  {
    name: 'delete dialog',
    open: async (page) => {
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog', { name: 'Delete Acme pod?' }).waitFor();
    },
  },
  ...['Name', 'Symphony pod', 'Microsoft 365', 'Mailboxes', 'Schedule', 'Review'].map((title, i) => ({
    name: `wizard step ${i + 1} (${title})`,
    open: async (page: Page) => {
      if (i === 0) await page.keyboard.press('Escape');
      await wizardStep(title, i + 1)(page);
    },
  })),
  {
    name: 'wizard validation messages',
    open: async (page) => {
      await wizardStep('Symphony pod', 2)(page);
      await page.getByLabel('Pod URL').fill('http://acme.symphony.com/?x');
      await page.getByLabel('Service account username').fill('');
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByTestId('wizard-errors').waitFor();
    },
  },
  {
    name: 'wizard field warning (plain http on this computer)',
    open: async (page) => {
      await page.getByLabel('Pod URL').fill('http://127.0.0.1:9');
      await page.getByLabel('Pod URL').press('Tab');
      await page.getByTestId('field-warning').waitFor();
    },
  },
  {
    name: 'mapping',
    open: async (page) => {
      await page.locator('.wizard-footer').getByRole('button', { name: 'Cancel' }).click();
      await view('3', 'Mapping')(page);
      await page.getByTestId('mapping-count').filter({ hasText: /[1-9]/ }).waitFor();
    },
  },
  { name: 'monitor', open: view('4', 'Import monitor'), eachTab: true },
  {
    name: 'monitor, run history with a run open',
    open: async (page) => {
      await tab('4', 'Import monitor', 'Run history')(page);
      await page.getByTestId('run-history').locator('tbody tr').first().click();
      await page.getByTestId('reconciliation').waitFor();
    },
  },
  {
    name: 'preview of an item',
    open: async (page) => {
      await view('5', 'Preview')(page);
      await page.getByRole('listbox', { name: 'Conversations' }).getByRole('option').first().click();
      await page.getByTestId('conversation-items').locator('tbody tr').first().click();
      await page.locator('iframe').first().waitFor();
    },
  },
  { name: 'logs', open: view('6', 'Logs'), eachTab: true },
];

/**
 * axe-core over every screen of the app in both themes (issue 21): no critical, serious or
 * moderate violation anywhere. One world (pod, identity provider, Graph) and one page for the
 * file; the first pass is the empty app, the second after a connector has run once.
 */
describe('accessibility: axe-core over every screen, light and dark', () => {
  let world: World;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    world = await startWorld({ browser: () => browser, pod: { seed: 'axe', conversations: 3, messages: 18, attachments: 1, internalUsers: 4, externalUsers: 1 } });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(world.app.host.url);
    await page.getByTestId('status-version').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  async function setTheme(theme: 'light' | 'dark') {
    const toggle = page.getByRole('button', { name: /Switch to (dark|light) theme/ });
    if ((await page.locator('.shell').getAttribute('data-theme')) !== theme) await toggle.click();
    await expect.poll(() => page.locator('.shell').getAttribute('data-theme')).toBe(theme);
  }

  async function scan(screens: Screen[]): Promise<string[]> {
    const found: string[] = [];
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      for (const screen of screens) {
        await screen.open(page);
        for (const line of describeViolations(await axeViolations(page))) found.push(`${theme} · ${screen.name}: ${line}`);
        const tabs = page.locator('#editor [role="tablist"]').first().getByRole('tab');
        for (let i = 0; screen.eachTab && i < (await tabs.count()); i++) {
          await tabs.nth(i).click();
          await expect.poll(() => tabs.nth(i).getAttribute('aria-selected')).toBe('true');
          const name = (await tabs.nth(i).textContent()) ?? String(i);
          for (const line of describeViolations(await axeViolations(page))) found.push(`${theme} · ${screen.name}, tab ${name}: ${line}`);
        }
      }
    }
    return found;
  }

  it('the app before any connector exists', async () => {
    expect(await scan(emptyScreens)).toEqual([]);
  });

  it('every view, tab, wizard step and dialog with a connector that has run', async () => {
    const connectorId = await createCertificateConnector(world, 'Acme pod');
    const { runId } = await world.app.core.dispatcher.invoke('runs.start', { connectorId });
    await expect.poll(async () => (await world.app.core.dispatcher.invoke('runs.get', { runId, conversationsOffset: 0, conversationsLimit: 1 })).status, { timeout: RUN_WAIT_MS }).not.toBe('running');
    world.app.core.events.emit('connectors.changed', { id: connectorId });
    expect(await scan(dataScreens)).toEqual([]);
    await screenshot(page, 'axe-last-screen-dark');
  });
});
