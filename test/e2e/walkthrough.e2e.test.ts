import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOutcomeDetail } from '../../shared/contract/run-words';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, RUN_WAIT_MS, screenshot } from '../support/browser';
import { fillSymphony, startNewConnector, wizardStep } from '../support/e2e-wizard';
import { graphMessageCount, startWorld, trustTestProvider, type World } from '../support/e2e-world';

/**
 * A new officer's first session, in a real browser against the browser host and the emulators:
 * set up a connector, test the connection, sign in to Microsoft 365, run it and watch the
 * progress to the end, preview an e-mail, download the run's log.
 */
describe('walkthrough: a new officer archives a pod', () => {
  let world: World;
  let browser: Browser;
  let page: Page;
  /** `runs.progress` events the page received over its socket. */
  const progressFrames: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    // A little latency so the run lasts long enough for progress to be watched, as on a real pod.
    world = await startWorld({ browser: () => browser, pod: { seed: 'walkthrough', conversations: 4, messages: 48, attachments: 3, internalUsers: 5, externalUsers: 1, latencyMs: 20 } });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(20_000);
    page.on('websocket', (ws) => ws.on('framereceived', (f) => String(f.payload).includes('"runs.progress"') && progressFrames.push(String(f.payload))));
    await page.goto(world.app.host.url);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('sets up a connector with the wizard, tests the connection and signs in to Microsoft 365', async () => {
    const { app, pod, oidc, graphUrl, keyPath } = world;
    await startNewConnector(page, 'Acme Capital pod');
    await fillSymphony(page, { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: keyPath });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('connection-report').getAttribute('data-ok')).toBe('true');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => wizardStep(page)).toContain('Microsoft 365');
    await page.getByLabel('Tenant').fill(oidc.tenantId);
    await page.getByLabel('Client id').fill(oidc.publicClientId);
    // The emulators stand in for Entra ID and Graph: the officer points the endpoints at them.
    await page.getByText('Endpoints').click();
    await page.getByLabel('Sign-in authority').fill(oidc.host);
    await page.getByLabel('Graph endpoint').fill(graphUrl);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => wizardStep(page)).toContain('Mailboxes');
    trustTestProvider(world, app.core.connectors.list()[0]!.id);
    await page.getByRole('button', { name: 'Back' }).click();

    // Sign in: Microsoft's page opens in the (test's) browser, the officer is signed in, the wizard says as whom.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('auth-status').textContent(), { timeout: RUN_WAIT_MS }).toBe('Signed in as officer@corp.example.');
    expect(world.signInUrls).toHaveLength(1);
    expect(new URL(world.signInUrls[0]!).searchParams.get('code_challenge_method')).toBe('S256');
    await expect.poll(() => page.getByTestId('status-account').textContent()).toContain('officer@corp.example');
    const internal = [...pod.pod.users.values()].find((u) => !u.external && u.username !== 'archiver-bot')!;
    await page.getByLabel('Mailboxes to check').fill(`${internal.email}, nobody@corp.example`);
    await page.getByRole('button', { name: 'Check permissions' }).click();
    const checks = page.getByTestId('permissions-result');
    await expect.poll(() => checks.textContent()).toContain('1 of 2 mailboxes cannot be written.');
    await expect.poll(() => checks.getByRole('row', { name: new RegExp(internal.email) }).textContent()).toContain('Can be written');
    await expect.poll(() => checks.getByRole('row', { name: /nobody@corp.example/ }).textContent()).toContain('Check the address');
    await screenshot(page, 'walkthrough-0-signed-in');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => wizardStep(page)).toContain('Mailboxes');
    await page.getByRole('button', { name: 'Next' }).click();

    await expect.poll(() => wizardStep(page)).toContain('Schedule');
    await page.getByLabel('Run on a schedule').uncheck();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => wizardStep(page)).toContain('Review');
    await screenshot(page, 'walkthrough-1-review');
    await page.getByRole('button', { name: 'Finish' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Acme Capital pod' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('connector-auth').textContent()).toBe('Signed in as officer@corp.example');

    const [connector] = app.core.connectors.list();
    expect(connector!.settings).toMatchObject({
      symphony: { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: keyPath },
      microsoft: { tenantId: oidc.tenantId, clientId: oidc.publicClientId, authMode: 'interactive', authorityHost: oidc.host, graphBaseUrl: graphUrl },
      mapping: { mode: 'automatic' },
      schedule: { enabled: false },
    });
  });

  it('runs the connector, watches the progress to the end and finds every item accounted for', async () => {
    const { app, pod } = world;
    // Keyboard first: Ctrl+4 is the monitor.
    await page.keyboard.press('Control+4');
    await expect.poll(() => page.getByRole('heading', { name: 'Import monitor' }).isVisible()).toBe(true);
    await page.getByTestId('run-now').click();
    // The live panel with a bar per stage; the capture bar moves as conversations are read.
    await expect.poll(() => page.getByTestId('current-run').isVisible()).toBe(true);
    const capture = page.getByRole('progressbar', { name: /Capture from Symphony/ });
    await expect.poll(() => capture.count()).toBe(1);
    // For the picture only: a moment with some progress, if the run is still going.
    await expect
      .poll(async () => (await page.getByTestId('last-run-status').count()) > 0 || Number((await capture.getAttribute('aria-valuenow').catch(() => null)) ?? 0) >= 2)
      .toBe(true);
    if (await page.getByTestId('current-run').count()) await screenshot(page, 'walkthrough-2-progress');

    // To the end: the run is over when the "last run" line replaces the live panel.
    await expect.poll(() => page.getByTestId('last-run-status').isVisible(), { timeout: RUN_WAIT_MS }).toBe(true);
    expect(progressFrames.length).toBeGreaterThan(1);
    const lastProgress = JSON.parse(progressFrames.at(-1)!) as { payload: { stages: Record<string, { done: number; total: number | null }> } };
    expect(lastProgress.payload.stages.capture).toMatchObject({ done: 4, total: 4 });

    const [run] = (await app.core.dispatcher.invoke('runs.list', { offset: 0, limit: 10 })).runs;
    expect(run!.error).toBeNull();
    await expect.poll(() => page.getByTestId('last-run-status').textContent()).toBe('succeeded');
    // Every captured message is accounted for, and what was delivered is in the mailboxes.
    const rec = run!.reconciliation!;
    expect(rec.captured.count).toBe(pod.pod.inventory().messages.size);
    expect(rec.balanced).toBe(true);
    expect(rec.delivered.count).toBeGreaterThan(0);
    expect(rec.delivered.count + rec.blocked.count + rec.failed.count + rec.held.count + rec.skipped.count).toBe(rec.captured.count);
    expect(graphMessageCount(world)).toBe(rec.deliveries.delivered);
    // The status bar says it in the Monitor's words.
    await expect.poll(() => page.getByTestId('status-last-run').textContent()).toBe(`Last run succeeded: ${runOutcomeDetail(rec)}`);
    expect(runOutcomeDetail(rec)).toContain(`${rec.captured.count} items: ${rec.delivered.count} delivered`);
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByTestId('run-history').locator('tbody tr').first().click();
    await expect.poll(() => page.getByTestId('reconciliation').isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('table', { name: 'Reconciliation per item' }).getByRole('row', { name: /Captured/ }).textContent()).toContain(String(run!.reconciliation!.captured.count));
    await expect.poll(() => page.getByTestId('run-conversations').locator('tbody tr').count()).toBe(4);
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
    await expect.poll(() => page.getByTestId('email-frame').getAttribute('sandbox')).toBe('');
    await screenshot(page, 'walkthrough-4-preview');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-eml').click()]);
    expect(download.suggestedFilename()).toMatch(/\.eml$/);
    const mail = await simpleParser(fs.readFileSync((await download.path())!));
    expect(mail.subject).toBe(subject);
    const from = mail.from!.value[0]!;
    await expect.poll(() => page.getByTestId('email-from').textContent()).toBe(`${from.name} <${from.address}>`);
  });

  it('downloads the log of the run as CSV', async () => {
    const { app } = world;
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
    // The log names the Graph id of every delivery.
    const deliveries = csv.data.filter((r) => r.event === 'delivered');
    expect(deliveries.length).toBe(run!.reconciliation!.deliveries.delivered);
    expect(deliveries.every((r) => r.graph_id && r.mailbox)).toBe(true);
    await screenshot(page, 'walkthrough-5-logs');
  });
});
