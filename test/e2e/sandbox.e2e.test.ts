import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageInfo } from '../../electron/core/platform/package-root';
import { launchChromium, screenshot } from '../support/browser';
import { makeTempDir } from '../support/tmp';

/**
 * `npm run demo` as a new user meets it: its entry point (the built dist/host/demo.js) on a clean
 * folder, the page it prints, Run now, the sandbox tenant's mailboxes, then a mailbox that refuses
 * writes and the next run reporting it. The small sandbox keeps this to about a minute.
 */
describe('the sandbox from npm run demo', () => {
  const temp = makeTempDir('archiver-demo-');
  let demo: ChildProcess;
  let url: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    demo = spawn(process.execPath, [path.join(packageInfo().root, 'dist', 'host', 'demo.js'), '--size', 'small', '--port', '0', '--data', path.join(temp.dir, 'sandbox')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    url = await new Promise<string>((resolve, reject) => {
      demo.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /Open: (\S+)/.exec(output);
        if (found) resolve(found[1]!);
      });
      demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      demo.on('exit', (code) => reject(new Error(`the demo exited (${code}) before serving: ${output}`)));
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    demo?.kill('SIGTERM');
    temp.cleanup();
  });

  /** Presses Run now in Monitor and waits for run `n` to be the last run, finished. */
  const runAndWait = async (n: number): Promise<string> => {
    await page.goto(url.replace(/#.*$/, '') + '#monitor');
    await page.getByTestId('run-now').click();
    await expect.poll(() => page.getByTestId('last-run').textContent().catch(() => ''), { timeout: 180_000, interval: 500 }).toContain(`Last run ${n}`);
    await expect.poll(async () => (await page.getByTestId('last-run-status').textContent().catch(() => null)) ?? 'running', { timeout: 180_000, interval: 500 }).not.toMatch(/running|^$/);
    return (await page.getByTestId('last-run-status').textContent()) ?? '';
  };

  it('is marked as a sandbox everywhere, archives the pod on Run now, and shows each mailbox as Outlook would', async () => {
    await page.goto(url);
    await expect.poll(() => page.title()).toContain('SANDBOX');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Sandbox: an emulated Symphony pod' }).count()).toBe(1);
    await expect.poll(() => page.getByTestId('status-sandbox').textContent()).toContain('SANDBOX');

    expect(await runAndWait(1)).toBe('succeeded');

    await page.goto(url.replace(/#.*$/, '') + '#sandbox');
    const mailboxes = page.locator('.mailbox-list li');
    await expect.poll(() => mailboxes.count()).toBeGreaterThan(3);
    // Find a mailbox that received the Rates Desk's attachments; every mailbox with items lists them.
    let withAttachments: string | undefined;
    const count = await mailboxes.count();
    for (let i = 0; i < count && !withAttachments; i++) {
      const row = mailboxes.nth(i);
      const items = Number(await row.locator('.count').textContent());
      if (items === 0) continue;
      await row.locator('.link-button').click();
      await expect.poll(() => page.getByTestId('sandbox-item').count()).toBe(items);
      if ((await page.getByTestId('sandbox-attachment').count()) >= 3) withAttachments = (await row.locator('.muted').textContent()) ?? undefined;
    }
    expect(withAttachments).toBeDefined();
    await expect.poll(() => page.getByTestId('sandbox-attachment').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/\(512 KB\)/)]));
    await screenshot(page, 'sandbox-mailbox');

    // That mailbox now refuses writes (a mis-scoped RBAC policy); new traffic reaches every conversation.
    const row = mailboxes.filter({ hasText: withAttachments! });
    await row.getByRole('checkbox', { name: 'refuses writes' }).click();
    await expect.poll(() => row.getByRole('checkbox', { name: 'refuses writes' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Send 20 new messages' }).click();

    const second = await runAndWait(2);
    expect(second).toBe('completed with problems');
    // The monitor names the mailbox that could not be written.
    await expect.poll(() => page.locator('body').textContent(), { timeout: 20_000 }).toContain(withAttachments!);
    await screenshot(page, 'sandbox-refused-mailbox');
  }, 600_000);
});
