import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';

const CONTROL = /^\s*- (button|textbox|searchbox|combobox|checkbox|radio|link|tab|option|spinbutton|listbox|slider)\b(.*)$/;

/** Controls in an ARIA snapshot that a screen reader would announce without a name. */
function unnamedControls(snapshot: string): string[] {
  return snapshot.split('\n').filter((line) => {
    const m = CONTROL.exec(line);
    return m !== null && !/^ "/.test(m[2]!);
  });
}

describe('accessibility of the officer views', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await serveApp();
    app.core.connectors.create('Acme pod');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(app.host.url);
    // The shell's shortcuts are live once React has mounted it; the version in the status bar
    // arrives after that (a contract answer), so keys pressed from then on are not lost.
    await page.getByTestId('status-version').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  // Keyboard shortcut, heading that shows the view is ready, and what to open inside it.
  const views: { key: string; heading: string; open?: (p: Page) => Promise<void> }[] = [
    { key: '2', heading: 'Acme pod', open: (p) => p.getByRole('button', { name: 'Continue setup' }).click() },
    { key: '4', heading: 'Import monitor' },
    { key: '5', heading: 'Preview' },
    { key: '6', heading: 'Logs' },
  ];

  it('every control of every view has a name for screen readers, in every tab and wizard step', async () => {
    for (const view of views) {
      await switchView(page, view.key, view.heading);
      expect(unnamedControls(await page.locator('#editor').ariaSnapshot()), `view ${view.heading}`).toEqual([]);
      if (view.open) await view.open(page);
      // Walk the tabs and wizard steps the view has, checking each.
      for (let step = 0; step < 6; step++) {
        expect(unnamedControls(await page.locator('#editor').ariaSnapshot()), `view ${view.heading}, step ${step}`).toEqual([]);
        const next = page.locator('#editor').getByRole('button', { name: 'Next', exact: true });
        if (!(await next.count())) break;
        // Name first, then fill what each step requires so Next goes on.
        await fillRequired(page);
        // Wait for the next step to replace this one before looking for its Next button.
        const stepHeading = page.locator('#editor h2').last();
        const before = await stepHeading.textContent();
        await next.click();
        await expect.poll(() => stepHeading.textContent()).not.toBe(before);
      }
      const tabs = page.locator('#editor').getByRole('tab');
      for (let i = 0; i < (await tabs.count()); i++) {
        await tabs.nth(i).click();
        expect(unnamedControls(await page.locator('#editor').ariaSnapshot()), `view ${view.heading}, tab ${i}`).toEqual([]);
      }
    }
  });

  it('the keyboard reaches the controls, and the focused one is always visibly marked', async () => {
    await switchView(page, '2', 'Acme pod');
    await page.locator('body').click({ position: { x: 700, y: 880 } });
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        const marked = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
        return { what: `${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''}`, marked };
      });
      if (!focus) continue;
      seen.push(focus.what);
      expect(focus.marked, `focus on ${focus.what} is not visible`).toBe(true);
    }
    // The walk went through the activity bar, the connector list and the connector's actions.
    expect(seen.some((s) => s.startsWith('button') && s.includes('Connectors'))).toBe(true);
    expect(seen.some((s) => s.startsWith('li') && s.includes('Acme pod'))).toBe(true);
    expect(seen.some((s) => s.includes('Rename'))).toBe(true);
  });

  it('the activity bar and the tab lists are one tab stop each, moved through with the arrow keys', async () => {
    await switchView(page, '1', 'Symphony Archiver');
    const bar = page.getByRole('navigation', { name: 'Views' }).getByRole('tab');
    // Roving tab index: only the selected view's tab is in the Tab order.
    await expect.poll(() => bar.evaluateAll((tabs) => tabs.map((t) => (t as HTMLElement).tabIndex))).toEqual([0, -1, -1, -1, -1, -1]);
    await bar.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('heading', { name: 'Acme pod', exact: true }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tab-connectors');
    await expect.poll(() => bar.nth(1).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    await page.getByRole('heading', { name: 'Logs', exact: true }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tab-logs');
    await page.keyboard.press('ArrowDown');
    await page.getByRole('heading', { name: 'Symphony Archiver', exact: true }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tab-welcome');
    await page.keyboard.press('ArrowUp');
    await page.getByRole('heading', { name: 'Logs', exact: true }).waitFor();
    await expect.poll(() => bar.evaluateAll((tabs) => tabs.map((t) => (t as HTMLElement).tabIndex))).toEqual([-1, -1, -1, -1, -1, 0]);
    // The focused tab is visibly marked.
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    // The Logs tab list works the same way, inside the view.
    const logTabs = page.locator('#editor').getByRole('tab');
    await logTabs.first().focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => logTabs.nth(1).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => logTabs.evaluateAll((tabs) => tabs.map((t) => (t as HTMLElement).tabIndex))).toEqual([-1, 0]);
  });

  it('has a dark theme that the officer can switch to and that is remembered', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.querySelector('.shell')!).backgroundColor);
    const before = await background();
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    await expect.poll(background).not.toBe(before);
    const after = await background();
    await page.reload();
    await expect.poll(background).toBe(after);
    await switchView(page, '2', 'Acme pod');
    await screenshot(page, `theme-${(await page.evaluate(() => document.documentElement.dataset.theme)) ?? 'unknown'}`);
  });
});

/** Switches views with the keyboard shortcut and waits for the view's heading. */
async function switchView(page: Page, key: string, heading: string) {
  await page.keyboard.press(`Control+${key}`);
  await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

async function fillRequired(page: Page) {
  const fill = async (label: string, value: string) => {
    const field = page.locator('#editor').getByLabel(label, { exact: true });
    if ((await field.count()) && !(await field.inputValue())) await field.fill(value);
  };
  await fill('Pod URL', 'https://acme.symphony.com');
  await fill('Service account username', 'archiver-bot');
  await fill('Private key file', '/keys/bot.pem');
  await fill('Tenant', 'contoso.onmicrosoft.com');
  await fill('Client id', '00000000-0000-0000-0000-0000000000aa');
}
