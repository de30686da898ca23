import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';
import { makeServiceKey } from '../support/world';
import { fillSymphony, startNewConnector } from '../support/e2e-wizard';

describe('connection test failures in the wizard', () => {
  let app: ServedApp;
  let browser: Browser;
  let pod: SymphonyEmulator;
  let page: Page;
  let rightKey: string;
  let wrongKey: string;

  beforeAll(async () => {
    pod = await SymphonyEmulator.start({ seed: 'wizard-failures', conversations: 3, messages: 12, attachments: 0, internalUsers: 4, externalUsers: 1 });
    app = await serveApp();
    const right = makeServiceKey(app.dataDir);
    pod.registerKey(right.publicKey);
    rightKey = right.privateKeyPath;
    // A valid RSA key, but not the one registered for the service account.
    wrongKey = makeServiceKey(app.dataDir).privateKeyPath;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(15_000);
    await page.goto(app.host.url + '#connectors');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await pod?.stop();
  });

  const report = () => page.getByTestId('connection-report');

  it('a wrong private key: the login step fails with what is wrong, how to fix it, and the field marked', async () => {
    await startNewConnector(page, 'Acme pod');
    await fillSymphony(page, { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: wrongKey });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => report().getAttribute('data-ok')).toBe('false');

    const notice = page.getByTestId('error-notice');
    await expect.poll(() => notice.textContent()).toContain('The connection test failed at “Log in to the pod”');
    await expect.poll(() => notice.locator('.notice-message').textContent()).toMatch(/refused the login of "archiver-bot".*public key/);
    await expect.poll(() => notice.locator('.notice-fix').textContent()).toMatch(/How to fix it: .*upload the public key/);
    // The step list shows where it stopped: earlier steps passed, later ones were not tried.
    const steps = report().getByRole('listitem');
    await expect.poll(() => steps.filter({ hasText: 'Read the private key' }).getAttribute('class')).toBe('check-ok');
    await expect.poll(() => steps.filter({ hasText: 'Log in to the pod' }).getAttribute('class')).toBe('check-failed');
    await expect.poll(() => steps.filter({ hasText: 'Read messages through the agent' }).getAttribute('class')).toBe('check-skipped');
    // The core names the field at fault; the wizard marks it.
    await expect.poll(() => page.getByLabel('Service account username').getAttribute('aria-invalid')).toBe('true');
    // The pod really refused a login (the emulator counted it), it was not a guess of the UI.
    expect(pod.counters.logins.refused).toBeGreaterThan(0);
    await screenshot(page, 'wizard-wrong-key');
  });

  it('a key file that does not exist is reported at the key step, naming the file', async () => {
    await page.getByLabel('Private key file').fill('/nowhere/archiver-bot.pem');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(async () => (await page.getByTestId('error-notice').textContent()) ?? '').toContain('“Read the private key”');
    await expect.poll(() => page.getByTestId('error-notice').textContent()).toContain('/nowhere/archiver-bot.pem');
    await expect.poll(() => page.getByLabel('Private key file').getAttribute('aria-invalid')).toBe('true');
  });

  it('with the right key every step passes and the service account is named', async () => {
    await page.getByLabel('Private key file').fill(rightKey);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => report().getAttribute('data-ok')).toBe('true');
    await expect.poll(() => page.getByTestId('connection-ok').textContent()).toContain('Archiver Bot');
    await expect.poll(() => report().locator('.check-failed').count()).toBe(0);
    await expect.poll(() => page.getByTestId('error-notice').count()).toBe(0);
    // The settings tested are the settings saved.
    expect(app.core.connectors.list()[0]!.settings.symphony).toMatchObject({ podUrl: pod.url, privateKeyPath: rightKey });
    await screenshot(page, 'wizard-connection-ok');
  });

  it('explains what each source reads and needs', async () => {
    await page.getByLabel('Source').selectOption('datahose');
    await expect.poll(() => page.getByText(/Needs the Datahose add-on from Symphony: two entitlements/).isVisible()).toBe(true);
    await page.getByLabel('Source').selectOption('streams');
    await expect.poll(() => page.getByText(/the service account is a member of/).isVisible()).toBe(true);
  });

  it('Content Export as the source asks where the files are, checks it, and tests the location', async () => {
    await page.getByLabel('Source').selectOption('content-export');
    await page.getByRole('button', { name: 'Next' }).click();
    // SFTP by default: the server, the user, a key or password, and the pinned host key are needed.
    await expect.poll(() => page.getByLabel('SFTP host').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.getByLabel('Host key fingerprint').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.getByText('Give a key file, or a password reference below.').isVisible()).toBe(true);
    // A secret pasted where a reference belongs is refused with the contract's words.
    await page.getByLabel('SFTP password').fill('hunter2');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText('never paste the secret itself').isVisible()).toBe(true);

    await page.getByLabel('A local or network folder').check();
    const folder = `${app.dataDir}/export-drop`;
    fs.mkdirSync(folder);
    fs.writeFileSync(`${folder}/notes.txt`, 'not an export');
    await page.getByLabel('Export folder').fill(folder);
    // The SFTP password typed before switching to a folder does not block.
    await page.getByRole('button', { name: 'Test the export location' }).click();
    await expect.poll(() => page.getByTestId('export-ok').isVisible()).toBe(true);
    const expected = await app.core.dispatcher.invoke('contentExport.test', { connectorId: app.core.connectors.list()[0]!.id });
    expect(expected).toMatchObject({ transport: 'folder', exportFiles: 0 });
    await expect.poll(() => page.getByTestId('export-ok').textContent()).toContain(expected.summary);
    expect(app.core.connectors.list()[0]!.settings.contentExport).toMatchObject({ transport: 'folder', localDir: folder });
    await screenshot(page, 'wizard-content-export');
  });
});
