import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser';
import { createCertificateConnector, startWorld, type World } from '../support/e2e-world';

const WIDTHS = [1024, 1280, 1920] as const;

/**
 * The layout bugs of issue 21, each measured in the real browser at 1024, 1280 and 1920 px, with a
 * screenshot of each: checkboxes beside their labels, "More options" staying open, the status bar
 * pinned to the bottom and never clipped, no blank gap under the mapping table.
 */
describe('layout at 1024, 1280 and 1920 px', () => {
  let world: World;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    world = await startWorld({ browser: () => browser, pod: { seed: 'layout', conversations: 3, messages: 12, attachments: 0, internalUsers: 4, externalUsers: 1 } });
    const connectorId = await createCertificateConnector(world, 'Acme Capital production pod (EU) — archive');
    // Schedule on, so the status bar carries everything it can: account, next run, last run.
    const connector = world.app.core.connectors.get(connectorId);
    world.app.core.connectors.update(connectorId, { settings: { ...connector.settings, schedule: { ...connector.settings.schedule, enabled: true } } });
    // Hooks cannot poll with expect: wait for the run's end on the core's own event (listening first).
    const finished = new Promise<void>((resolve) => {
      const sub = world.app.core.events.subscribe((name, payload) => {
        const change = payload as { connectorId?: string; status?: string };
        if (name === 'runs.changed' && change.connectorId === connectorId && change.status !== 'running') {
          void sub.dispose();
          resolve();
        }
      });
    });
    await world.app.core.dispatcher.invoke('runs.start', { connectorId });
    await finished;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    await page.goto(world.app.host.url);
    await page.getByTestId('status-last-run').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  const show = async (key: string, heading: string) => {
    await page.keyboard.press(`Control+${key}`);
    await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
  };

  /** The status bar: at the bottom edge, one line, every item inside the window. */
  async function statusBarFits(): Promise<{ bottomGap: number; overflow: number; clippedItems: string[]; pageScrolls: boolean }> {
    return page.evaluate(() => {
      const bar = document.querySelector<HTMLElement>('.status-bar')!;
      const items = bar.querySelector<HTMLElement>('.status-bar-items')!;
      const rect = bar.getBoundingClientRect();
      const clippedItems = [...items.children]
        .filter((c): c is HTMLElement => c instanceof HTMLElement && c.offsetParent !== null && c.textContent !== '')
        .filter((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5 || (c.scrollWidth > c.clientWidth + 1 && getComputedStyle(c).textOverflow !== 'ellipsis'))
        .map((c) => c.textContent ?? '');
      window.scrollTo(0, 100_000);
      const pageScrolls = document.scrollingElement!.scrollTop > 0;
      return { bottomGap: window.innerHeight - bar.getBoundingClientRect().bottom, overflow: items.scrollWidth - items.clientWidth, clippedItems, pageScrolls, height: rect.height };
    });
  }

  for (const width of WIDTHS) {
    it(`${width} px: status bar pinned and whole, mapping without a gap, checkboxes by their labels, More options stays open`, async () => {
      await page.setViewportSize({ width, height: 800 });

      // Monitor with a run: a view taller than the window scrolls inside the editor, not the page.
      await show('4', 'Import monitor');
      await page.getByRole('tab', { name: 'Run history' }).click();
      await page.getByTestId('run-history').locator('tbody tr').first().click();
      await page.getByTestId('reconciliation').waitFor();
      const status = await statusBarFits();
      expect(status.pageScrolls, 'the page itself scrolls').toBe(false);
      expect(Math.abs(status.bottomGap), 'status bar not at the bottom').toBeLessThanOrEqual(0.5);
      expect(status.clippedItems, 'status bar items cut off').toEqual([]);
      expect(status.overflow, 'status bar overflows').toBeLessThanOrEqual(1);
      await screenshot(page, `layout-monitor-${width}`);

      // Mapping with a handful of participants: the table ends with its last row.
      await show('3', 'Mapping');
      const rows = page.getByTestId('mapping-table').locator('[role="rowgroup"].mapping-scroll [role="row"]');
      await expect.poll(() => rows.count()).toBeGreaterThan(2);
      // Measured until the rows settle: the table may still be adding the rows of its page.
      const gap = () => page.evaluate(() => {
        const scroll = document.querySelector<HTMLElement>('.mapping-scroll')!;
        const rowsIn = [...scroll.querySelectorAll<HTMLElement>('[role="row"]')];
        const lastBottom = Math.max(...rowsIn.map((r) => r.getBoundingClientRect().bottom));
        return scroll.getBoundingClientRect().bottom - lastBottom;
      });
      await expect.poll(gap, { message: 'blank space under the mapping rows' }).toBeLessThanOrEqual(4);
      await screenshot(page, `layout-mapping-${width}`);

      // The wizard's checkboxes: box of normal size, right next to its words.
      await show('2', 'Acme Capital production pod (EU) — archive');
      await page.getByRole('button', { name: 'Edit setup' }).click();
      await page.getByRole('button', { name: /Schedule/ }).click();
      await page.getByTestId('wizard-step').filter({ hasText: 'Schedule' }).waitFor();
      const box = await page.evaluate(() => {
        const input = document.querySelector<HTMLInputElement>('.field.checkbox input[type="checkbox"]')!;
        const label = input.closest('label')!;
        const text = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!;
        const range = document.createRange();
        range.selectNodeContents(text);
        const i = input.getBoundingClientRect();
        return { width: i.width, height: i.height, gapToText: range.getBoundingClientRect().left - i.right };
      });
      expect(box.width).toBeLessThanOrEqual(24);
      expect(box.height).toBeLessThanOrEqual(24);
      expect(box.gapToText).toBeGreaterThanOrEqual(0);
      expect(box.gapToText).toBeLessThanOrEqual(16);
      await screenshot(page, `layout-wizard-schedule-${width}`);

      // "More options" stays open while the officer types in it.
      await page.getByRole('button', { name: /Symphony pod/ }).click();
      const more = page.locator('details.advanced', { hasText: 'More options' });
      await more.locator('summary').click();
      await page.getByLabel('Proxy URL').fill('http://proxy.corp.example:8080');
      await page.getByLabel('Proxy URL').press('Tab');
      await page.getByLabel('Service account username').fill('archiver-bot');
      await expect.poll(() => more.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      await screenshot(page, `layout-wizard-more-options-${width}`);
      await more.locator('summary').click();
      await expect.poll(() => more.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
      await page.locator('.wizard-footer').getByRole('button', { name: 'Close' }).click();
    });
  }

  it('one schedule truth: the status bar, the connector, the monitor and the wizard show the core’s next run alike', async () => {
    await page.setViewportSize({ width: 1920, height: 800 });
    const [status] = await world.app.core.dispatcher.invoke('runs.status', {});
    expect(status!.nextRunAt).not.toBeNull();
    const preview = await world.app.core.dispatcher.invoke('runs.preview', { schedule: world.app.core.connectors.get(status!.connectorId).settings.schedule, connectorId: status!.connectorId, count: 1 });
    expect(preview.nextRuns).toEqual([status!.nextRunAt]);
    // The date and time as the page formats it (the relative part may tick between reads).
    const when = async (text: Promise<string | null>) => /^(.*?) \(/.exec(((await text) ?? '').replace(/^.*?Next (scheduled )?run:? /, ''))?.[1];
    await show('2', 'Acme Capital production pod (EU) — archive');
    await expect.poll(() => when(page.getByTestId('connector-next-run').textContent())).toBeTruthy();
    const details = await when(page.getByTestId('connector-next-run').textContent());
    // Each view renders when its own read answers: wait for it, never read once.
    await expect.poll(() => when(page.getByTestId('status-next-run').textContent())).toBe(details);
    await page.getByRole('button', { name: 'Edit setup' }).click();
    await page.getByRole('button', { name: /Review/ }).click();
    const firstRun = page.locator('.review dt', { hasText: 'First run' }).locator('xpath=following-sibling::dd[1]');
    await expect.poll(() => when(firstRun.textContent().then((t) => `Next run: ${t}`))).toBe(details);
    await page.locator('.wizard-footer').getByRole('button', { name: 'Close' }).click();
    await show('4', 'Import monitor');
    await expect.poll(() => when(page.getByTestId('last-run').locator('p').last().textContent())).toBe(details);
  });
});
