import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SymphonyEmulator } from '../emulators/symphony';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';
import { makeServiceKey } from '../support/capture-fixtures';
import { fillSymphony, startNewConnector, wizardStep } from '../support/e2e-wizard';

/**
 * A new officer's first session, in a real browser against the browser host and the emulators:
 * set up a connector, test the connection, run it and watch the progress, preview an e-mail,
 * download the run's log.
 */
describe('walkthrough: a new officer archives a pod', () => {
  let app: ServedApp;
  let browser: Browser;
  let pod: SymphonyEmulator;
  let page: Page;
  let keyPath: string;
  /** `runs.progress` events the page received over its socket. */
  const progressFrames: string[] = [];

  beforeAll(async () => {
    // A little latency so the run lasts long enough for progress to be watched, as on a real pod.
    pod = await SymphonyEmulator.start({ seed: 'walkthrough', conversations: 4, messages: 48, attachments: 3, internalUsers: 5, externalUsers: 1, latencyMs: 20 });
    app = await serveApp();
    const key = makeServiceKey(app.dataDir);
    pod.registerKey(key.publicKey);
    keyPath = key.privateKeyPath;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(20_000);
    page.on('websocket', (ws) => ws.on('framereceived', (f) => String(f.payload).includes('"runs.progress"') && progressFrames.push(String(f.payload))));
    await page.goto(app.host.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await pod?.stop();
  });

  it('sets up a connector with the wizard and tests the connection', async () => {
    await startNewConnector(page, 'Acme Capital pod');
    await fillSymphony(page, { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: keyPath });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('connection-report').getAttribute('data-ok')).toBe('true');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => wizardStep(page)).toContain('Microsoft 365');
    await page.getByLabel('Tenant').fill('contoso.onmicrosoft.com');
    await page.getByLabel('Client id').fill('00000000-0000-0000-0000-0000000000aa');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => wizardStep(page)).toContain('Mailboxes');
    await page.getByLabel('Custom only').check();
    await page.getByLabel('Fallback mailbox').fill('archive@contoso.com');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => wizardStep(page)).toContain('Schedule');
    await page.getByLabel('Run on a schedule').uncheck();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => wizardStep(page)).toContain('Review');
    await screenshot(page, 'walkthrough-1-review');
    await page.getByRole('button', { name: 'Finish' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Acme Capital pod' }).isVisible()).toBe(true);

    const [connector] = app.core.connectors.list();
    expect(connector!.settings).toMatchObject({
      symphony: { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: keyPath },
      mapping: { mode: 'custom-only', fallbackMailbox: 'archive@contoso.com' },
      schedule: { enabled: false },
    });
  });

  it('runs the connector and watches the progress to the end', async () => {
    // Keyboard first: Ctrl+4 is the monitor.
    await page.keyboard.press('Control+4');
    await expect.poll(() => page.getByRole('heading', { name: 'Import monitor' }).isVisible()).toBe(true);
    await page.getByTestId('run-now').click();
    // The live panel with a bar per stage; the capture bar moves as conversations are read.
    await expect.poll(() => page.getByTestId('current-run').isVisible()).toBe(true);
    const capture = page.getByRole('progressbar', { name: /Capture from Symphony/ });
    await expect.poll(() => capture.count()).toBe(1);
    await screenshot(page, 'walkthrough-2-progress');

    // To the end: the run is over when the "last run" line replaces the live panel.
    await expect.poll(() => page.getByTestId('last-run-status').isVisible(), { timeout: 60_000 }).toBe(true);
    expect(progressFrames.length).toBeGreaterThan(1);
    const lastProgress = JSON.parse(progressFrames.at(-1)!) as { payload: { stages: Record<string, { done: number; total: number | null }> } };
    expect(lastProgress.payload.stages.capture).toMatchObject({ done: 4, total: 4 });

    const [run] = (await app.core.dispatcher.invoke('runs.list', { offset: 0, limit: 10 })).runs;
    expect(await page.getByTestId('last-run-status').textContent()).toBe(run!.status);
    // Every captured message is accounted for in the reconciliation the officer sees.
    expect(run!.reconciliation!.captured.count).toBe(pod.pod.inventory().messages.size);
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByTestId('run-history').locator('tbody tr').first().click();
    await expect.poll(() => page.getByTestId('reconciliation').isVisible()).toBe(true);
    expect(await page.getByRole('table', { name: 'Reconciliation' }).getByRole('row', { name: /Captured/ }).textContent()).toContain(String(run!.reconciliation!.captured.count));
    expect(await page.getByTestId('run-conversations').locator('tbody tr').count()).toBe(4);
    await screenshot(page, 'walkthrough-3-run-history');
  });

  it('opens a preview of a captured item and saves its .eml', async () => {
    await page.keyboard.press('Control+5');
    const conversations = page.getByRole('listbox', { name: 'Conversations' }).getByRole('option');
    await expect.poll(() => conversations.count()).toBe(4);
    await conversations.first().click();
    const items = page.getByTestId('conversation-items').locator('tbody tr');
    await expect.poll(() => items.count()).toBeGreaterThan(0);
    await items.first().press('Enter');
    await expect.poll(() => page.getByTestId('email-preview').isVisible()).toBe(true);
    const subject = (await page.getByTestId('email-subject').textContent())!;
    expect(subject.length).toBeGreaterThan(0);
    expect(await page.getByTestId('email-frame').getAttribute('sandbox')).toBe('');
    await screenshot(page, 'walkthrough-4-preview');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-eml').click()]);
    expect(download.suggestedFilename()).toMatch(/\.eml$/);
    const mail = await simpleParser(fs.readFileSync((await download.path())!));
    expect(mail.subject).toBe(subject);
    const from = mail.from!.value[0]!;
    expect(await page.getByTestId('email-from').textContent()).toBe(`${from.name} <${from.address}>`);
  });

  it('downloads the log of the run as CSV', async () => {
    await page.keyboard.press('Control+6');
    await expect.poll(() => page.getByRole('heading', { name: 'Logs' }).isVisible()).toBe(true);
    const [run] = (await app.core.dispatcher.invoke('runs.list', { offset: 0, limit: 10 })).runs;
    await page.getByTestId('log-run').selectOption(String(run!.id));
    const expected = (await app.core.dispatcher.invoke('items.log', { connectorId: run!.connectorId, runId: run!.id, offset: 0, limit: 1 })).total;
    await expect.poll(() => page.getByTestId('log-count').textContent()).toContain(`${expected.toLocaleString('en-US')} entries`);
    await page.getByTestId('download-csv').click();
    const file = (await page.getByTestId('download-path').textContent())!;
    const csv = Papa.parse<Record<string, string>>(fs.readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true });
    expect(csv.errors).toEqual([]);
    expect(csv.data.length).toBe(expected);
    expect(new Set(csv.data.map((r) => r.run_id))).toEqual(new Set([String(run!.id)]));
    await screenshot(page, 'walkthrough-5-logs');
  });
});
