import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { reasonWords, runReasonCodes } from '../../shared/contract';
import { launchChromium, RUN_WAIT_MS, screenshot } from '../support/browser';
import { createCertificateConnector, startWorld, type World } from '../support/e2e-world';

describe('import monitor', () => {
  let world: World;
  let app: World['app'];
  let pod: World['pod'];
  let browser: Browser;
  let page: Page;
  let connectorId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    // Slow enough that a run is still capturing when the officer cancels it.
    world = await startWorld({ browser: () => browser, pod: { seed: 'monitor', conversations: 6, messages: 60, attachments: 0, internalUsers: 5, externalUsers: 1, latencyMs: 150 } });
    ({ app, pod } = world);
    connectorId = await createCertificateConnector(world, 'Acme pod');
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    await page.goto(app.host.url + '#monitor');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('cancels a run in progress; the run is recorded as cancelled', async () => {
    await page.getByTestId('run-now').click();
    await expect.poll(() => page.getByTestId('current-run').isVisible()).toBe(true);
    await page.getByTestId('cancel-run').click();
    await expect.poll(() => page.getByTestId('last-run-status').textContent(), { timeout: RUN_WAIT_MS }).toBe('cancelled');
    const [run] = (await app.core.dispatcher.invoke('runs.list', { connectorId, offset: 0, limit: 5 })).runs;
    expect(run!.status).toBe('cancelled');
    await expect.poll(() => page.getByTestId('status-last-run').textContent()).toContain('cancelled');
    // Why it stopped, as the reason stored with the run, in the one rendering: beside the last run and in its detail.
    expect(run!.error).toMatchObject({ code: runReasonCodes.cancelled, message: expect.stringMatching(/^Cancelled: cancelled by the officer\.$/) });
    await expect.poll(() => page.getByTestId('last-run-error').textContent()).toBe(` — ${reasonWords(run!.error!)}`);
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByTestId('run-history').locator('tbody tr').first().click();
    await expect.poll(() => page.getByTestId('run-error').textContent()).toBe(reasonWords(run!.error!));
  });

  it('a second run finishes; conversations drill down to each item’s trail', async () => {
    await page.getByTestId('run-now').click();
    await expect.poll(async () => (await app.core.dispatcher.invoke('runs.list', { connectorId, offset: 0, limit: 5 })).runs[0]?.status, { timeout: RUN_WAIT_MS }).not.toBe('running');
    await expect.poll(() => page.getByTestId('last-run').textContent()).toContain('Last run 2');

    await page.getByRole('tab', { name: 'Conversations' }).click();
    const rows = page.getByTestId('conversations').locator('tbody tr');
    const conversations = await app.core.dispatcher.invoke('capture.conversations', { connectorId });
    await expect.poll(() => rows.count()).toBe(conversations.length);
    const biggest = [...conversations].sort((a, b) => b.items - a.items)[0]!;
    await page.getByRole('searchbox', { name: 'Find a conversation' }).fill(biggest.streamId);
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().focus();
    await page.keyboard.press('Enter');
    const trail = page.getByTestId('item-trail');
    const expected = await app.core.dispatcher.invoke('items.log', { connectorId, streamId: biggest.streamId, offset: 0, limit: 1000 });
    await expect.poll(() => trail.locator('tbody tr').count()).toBe(expected.entries.length);
    // Each of the conversation's items was captured, in this trail, once.
    await expect.poll(() => trail.locator('tbody tr', { hasText: 'captured' }).count()).toBe(biggest.items);
    await screenshot(page, 'monitor-conversation-trail');
  });

  it('finds a person’s items by address', async () => {
    // A sender of the pod: the service account's peers have addresses in the emulator's directory.
    const sender = [...pod.pod.users.values()].find((u) => !u.external && u.username !== 'archiver-bot')!;
    await page.getByRole('tab', { name: 'By person' }).click();
    const person = page.getByRole('textbox', { name: 'Person' });
    await person.fill(sender.email);
    await person.press('Enter');
    const expected = await app.core.dispatcher.invoke('items.log', { connectorId, person: sender.email, offset: 0, limit: 500 });
    const trail = page.getByTestId('item-trail');
    expect(expected.entries.length).toBeGreaterThan(0);
    await expect.poll(() => trail.locator('tbody tr').count()).toBe(expected.entries.length);
    await expect.poll(() => trail.getByRole('heading').textContent()).toBe(`Items of ${sender.email}`);
  });
});
