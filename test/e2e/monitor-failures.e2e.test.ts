import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runCalls } from '../../shared/contract';
import { launchChromium, RUN_WAIT_MS, screenshot } from '../support/browser';
import { createCertificateConnector, startWorld, type World } from '../support/e2e-world';

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * Items that fail: the spooled attachments disappear between capture and import (a disk cleaned
 * by someone else) and the pod no longer has them either (a file downloaded again from Symphony
 * would land as if nothing happened), so the messages that carry them cannot be delivered. The officer sees them
 * in the charts and the failed items list, asks for another attempt at one, then skips them all
 * with a reason.
 */
describe('import monitor: failures, charts, retry and skip', () => {
  let world: World;
  let browser: Browser;
  let page: Page;
  let connectorId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    world = await startWorld({ browser: () => browser, pod: { seed: 'monitor-failures', conversations: 3, messages: 15, attachments: 3, internalUsers: 3, externalUsers: 0 } });
    const { app } = world;
    connectorId = await createCertificateConnector(world, 'Acme pod');
    let removed = false;
    app.core.events.subscribe((name, payload) => {
      if (name !== 'runs.progress' || removed || (payload as { stage: string }).stage !== 'import') return;
      removed = true;
      for (const stream of world.pod.pod.streams.values()) for (const m of stream.messages) m.attachments = [];
      for (const file of filesUnder(app.core.paths.spool)) fs.rmSync(file);
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    await page.goto(app.host.url + '#monitor');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('shows the run’s delivered and failed items in the daily charts', async () => {
    await page.getByTestId('run-now').click();
    // Failed items: amber, never green.
    await expect.poll(() => page.getByTestId('last-run-status').textContent(), { timeout: RUN_WAIT_MS }).toBe('completed with problems');
    const [run] = (await world.app.core.dispatcher.invoke('runs.list', { connectorId, offset: 0, limit: 5 })).runs;
    const rec = run!.reconciliation!;
    expect(rec.failed.count).toBeGreaterThan(0);
    expect(rec.delivered.count).toBeGreaterThan(0);
    expect(rec.balanced).toBe(true);
    // The bar of the run's day carries the run's numbers; every other day is empty. The run's day
    // as the page counts days (its local calendar day): usually today, the last bar, but
    // yesterday's bar once the page's clock passed midnight after the run started.
    const bars = (id: string) => page.getByTestId(id).locator('rect.chart-bar');
    const runDay = await page.evaluate((iso) => {
      const d = new Date(iso);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    }, run!.startedAt);
    /** Each bar's day (its title starts with yyyy-mm-dd) and value, of the days that have one. */
    const values = (id: string) =>
      bars(id).evaluateAll((rects) => rects.map((r) => [r.querySelector('title')?.textContent?.slice(0, 10), Number(r.getAttribute('data-value'))] as const).filter(([, v]) => v > 0));
    await expect.poll(() => values('chart-items')).toEqual([[runDay, rec.delivered.count]]);
    await expect.poll(() => values('chart-bytes')).toEqual([[runDay, rec.delivered.bytes]]);
    await expect.poll(() => values('chart-failures')).toEqual([[runDay, rec.failed.count]]);
    await expect.poll(() => bars('chart-items').count()).toBe(30);
    await expect.poll(() => page.getByTestId('volume-totals').textContent()).toContain(`${rec.delivered.count} items`);
    await screenshot(page, 'monitor-charts');
  });

  it('asks for another attempt at one failed item, then skips them with a reason', async () => {
    const before = await world.app.core.dispatcher.invoke('items.failed', { connectorId, offset: 0, limit: 100 });
    expect(before.total).toBeGreaterThan(1);
    await page.getByRole('tab', { name: 'Failed and blocked items' }).click();
    const rows = page.getByTestId('failed-items').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(before.total);
    // The officer reads why: the first line of the reason, the technical rest folded.
    await expect.poll(() => rows.first().locator('td.reason').textContent()).toContain('failed');
    await screenshot(page, 'monitor-failed-items');

    const first = before.items[0]!;
    await page.getByLabel(`Select item ${first.itemId}`).check();
    await page.getByRole('button', { name: 'Retry 1' }).click();
    await expect.poll(() => page.getByText('1 item will be retried in the next run.').isVisible()).toBe(true);
    // It stays in the list (failed items are retried by every run) with a fresh attempt count.
    expect(first.attempts).toBeGreaterThan(0);
    const row = rows.filter({ has: page.getByLabel(`Select item ${first.itemId}`) });
    await expect.poll(() => row.locator('td').nth(5).textContent()).toBe('0');
    const trail = await world.app.core.dispatcher.invoke('items.log', { connectorId, offset: 0, limit: 1000 });
    expect(trail.entries.some((e) => e.itemId === first.itemId && e.event === 'retried')).toBe(true);

    await page.getByLabel('Select all').check();
    await page.getByRole('button', { name: `Skip ${before.total}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('ok');
    await dialog.getByRole('button', { name: 'Skip' }).click();
    // Too short: the contract's own message.
    const tooShort = runCalls['items.skip'].input.shape.reason.safeParse('ok').error!.issues[0]!.message;
    await expect.poll(() => dialog.getByText(tooShort).isVisible()).toBe(true);
    await dialog.getByLabel('Reason').fill('Attachment lost on disk; content re-sent by hand to the archive mailbox');
    await dialog.getByLabel('Reason').press('Enter');
    await expect.poll(() => page.getByText('Nothing failed or blocked.').isVisible()).toBe(true);
    const after = await world.app.core.dispatcher.invoke('items.failed', { connectorId, offset: 0, limit: 100 });
    expect(after.total).toBe(0);
    const skipped = await world.app.core.dispatcher.invoke('items.log', { connectorId, status: 'skipped', offset: 0, limit: 1000 });
    expect(new Set(skipped.entries.filter((e) => e.event === 'skipped').map((e) => e.itemId))).toEqual(new Set(before.items.map((i) => i.itemId)));
    expect(skipped.entries.find((e) => e.event === 'skipped')!.detail).toContain('Attachment lost on disk');
  });
});
