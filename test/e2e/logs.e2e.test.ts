import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../../electron/core/platform/logger';
import { launchChromium, screenshot } from '../support/browser';
import { createCertificateConnector, startWorld, type World } from '../support/e2e-world';

describe('logs view', () => {
  let world: World;
  let app: World['app'];
  let browser: Browser;
  let page: Page;
  let connectorId: string;
  let runId: number;

  beforeAll(async () => {
    browser = await launchChromium();
    world = await startWorld({ browser: () => browser, pod: { seed: 'logs', conversations: 3, messages: 30, attachments: 0, internalUsers: 4, externalUsers: 1 } });
    app = world.app;
    connectorId = await createCertificateConnector(world, 'Acme pod');
    const finished = new Promise<void>((resolve) => app.core.events.subscribe((name, payload) => name === 'runs.changed' && (payload as { status: string }).status !== 'running' && resolve()));
    runId = (await app.core.dispatcher.invoke('runs.start', { connectorId })).runId;
    await finished;
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(app.host.url + '#logs');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  const count = () => page.getByTestId('log-count').textContent();
  const total = async (filter: Record<string, unknown> = {}) =>
    (await app.core.dispatcher.invoke('items.log', { connectorId, offset: 0, limit: 1, ...filter })).total;

  it('filters the item log by run, status and conversation, and searches the page', async () => {
    await expect.poll(count).toBe(`${(await total()).toLocaleString('en-US')} entries`);
    await page.getByTestId('log-run').selectOption(String(runId));
    await expect.poll(count).toBe(`${(await total({ runId })).toLocaleString('en-US')} entries`);

    const delivered = await total({ runId, status: 'delivered' });
    expect(delivered).toBeGreaterThan(0);
    await page.getByLabel('Status').selectOption('delivered');
    await expect.poll(count).toBe(`${delivered.toLocaleString('en-US')} entries`);
    // Nothing is held in this run: the filter says so rather than showing an empty table.
    await page.getByLabel('Status').selectOption('stopped-retrying');
    await expect.poll(count).toBe('0 entries');
    await expect.poll(() => page.getByText('No entry matches these filters.').isVisible()).toBe(true);
    await page.getByLabel('Status').selectOption('');

    const [conversation] = await app.core.dispatcher.invoke('capture.conversations', { connectorId });
    // Conversations are chosen and shown by name, not by stream id.
    await page.getByLabel('Conversation').selectOption(conversation!.streamId);
    const inConversation = await total({ runId, streamId: conversation!.streamId });
    await expect.poll(count).toBe(`${inConversation.toLocaleString('en-US')} entries`);
    await expect.poll(() => page.getByTestId('item-log').locator('tbody tr').count()).toBe(inConversation);
    const shownName = conversation!.name || (await page.getByLabel('Conversation').locator('option:checked').textContent())!;
    await expect.poll(() => page.getByTestId('item-log').locator('tbody tr').first().textContent()).toContain(shownName);
    await expect.poll(() => page.getByTestId('item-log').textContent()).not.toContain(conversation!.streamId.slice(0, 12));

    await page.getByRole('searchbox', { name: 'Search' }).fill('captured');
    await expect.poll(count).toContain(`${conversation!.items} on this page match “captured”`);
    await expect.poll(() => page.getByTestId('item-log').locator('tbody tr').count()).toBe(conversation!.items);
    await screenshot(page, 'logs-item-log');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(count).toBe(`${(await total()).toLocaleString('en-US')} entries`);
  });

  it('downloads a run as a ZIP for audit', async () => {
    await page.getByTestId('log-run').selectOption(String(runId));
    await page.getByTestId('download-zip').click();
    const file = (await page.getByTestId('download-path').textContent())!;
    expect(file).toMatch(new RegExp(`run-${runId}-.*\\.zip$`));
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(bytes.includes(Buffer.from(`run-${runId}-`))).toBe(true);
    await expect.poll(() => page.getByTestId('download-result').textContent()).toContain(file);
    // The browser host also hands the file itself to the browser.
    const [downloaded] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-file').click()]);
    expect(downloaded.suggestedFilename()).toBe(file.split(/[\\/]/).pop());
    expect(fs.readFileSync((await downloaded.path())!).equals(bytes)).toBe(true);
  });

  it('shows the end of the application log, filtered by level and text', async () => {
    // The core of this test logs nowhere; write the log file the way the app does.
    const logger = createLogger({ dir: app.core.paths.logs, console: false });
    logger.info('archiver started for the log viewer test');
    logger.warn('Graph throttled mailbox jane@contoso.com, retrying in 2 s');
    logger.error('import of item 42 failed: mailbox not found');
    await page.getByRole('tab', { name: 'Application log' }).click();
    const log = page.getByTestId('app-log');
    await expect.poll(() => log.textContent()).toContain('import of item 42 failed');
    await expect.poll(() => log.textContent()).toContain('archiver started for the log viewer test');

    await page.getByLabel('Level').selectOption('warn');
    await expect.poll(() => log.textContent()).not.toContain('archiver started');
    await expect.poll(() => log.textContent()).toContain('Graph throttled mailbox');
    await page.getByRole('searchbox', { name: 'Search' }).fill('item 42');
    await expect.poll(() => log.locator('.log-line').count()).toBe(1);
    await expect.poll(() => log.locator('.log-error').textContent()).toContain('mailbox not found');
    await screenshot(page, 'logs-app-log');
  });
});
