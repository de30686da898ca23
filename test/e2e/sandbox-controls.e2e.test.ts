import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/platform/logger';
import { packageInfo } from '../../electron/core/platform/package-root';
import { startBrowserHost, type BrowserHost } from '../../electron/host/browser-host';
import { launchSandbox, type SandboxLaunch } from '../../electron/sandbox/launch';
import { launchChromium, screenshot } from '../support/browser';
import { makeTempDir } from '../support/tmp';

/**
 * A sandbox failure in the monitor, in Chromium: the pod's network dropped, Run now, and the
 * monitor saying that capture waits to retry and when, then the finished run naming its retries.
 * (Each control's effect on the run's books is in test/integration/sandbox-controls.test.ts.)
 */
describe('a dropped pod, as the monitor shows it', () => {
  const temp = makeTempDir('archiver-sandbox-monitor-');
  let sandbox: SandboxLaunch;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    sandbox = await launchSandbox({ dataDir: path.join(temp.dir, 'sandbox'), host: 'browser', logger: silentLogger, size: 'small' });
    host = await startBrowserHost({ core: sandbox.core, staticDir: path.join(packageInfo().root, 'dist', 'renderer') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await host?.dispose();
    await sandbox?.core.dispose();
    await sandbox?.world.stop();
    temp.cleanup();
  });

  it('shows capture waiting to retry while the pod is away, and the retries once the run is done', async () => {
    await page.goto(host.url.replace(/#.*$/, '') + '#sandbox');
    // The view's button drops the pod for a minute; the same control for a few seconds keeps this quick.
    await sandbox.core.dispatcher.invoke('sandbox.control', { action: 'dropPod', seconds: 5 });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: /^Pod offline until / }).waitFor();

    await page.keyboard.press('Control+4');
    await page.getByTestId('run-now').click();
    const waiting = page.getByTestId('run-retrying');
    await waiting.waitFor();
    await expect.poll(() => waiting.textContent()).toMatch(/^Waiting to retry \(network error[^)]*\); next try at .+\. The run goes on by itself\.$/);
    await screenshot(page, 'monitor-waiting-to-retry');

    await expect.poll(() => page.getByTestId('last-run-status').textContent().catch(() => ''), { timeout: 120_000, interval: 250 }).toBe('succeeded');
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByTestId('run-history').locator('tbody tr').first().click();
    const retries = page.getByTestId('run-retries');
    await retries.waitFor();
    await expect.poll(() => retries.textContent()).toMatch(/: \d+ in Capture from Symphony\.$/);
  }, 180_000);
});
