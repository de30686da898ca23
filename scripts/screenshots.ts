// The README's screenshots, all from the sandbox: starts `npm run demo`'s entry point (the built
// dist/host/demo.js) on a clean folder, drives it in Chromium as an officer would (Run now, a
// mailbox that refuses writes, the wizard with a wrong key, a dropped pod, the host going away)
// and saves each screen into docs/screenshots/. Run with `npm run screenshots` (builds first).
// Options: --size full|small (default full: the floor with attachments up to 100 MB),
// --out <folder> (default docs/screenshots).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { packageInfo } from '../electron/core/platform/package-root';
import { launchChromium } from '../test/support/browser';

const { values } = parseArgs({ options: { size: { type: 'string', default: 'full' }, out: { type: 'string' } } });
const root = packageInfo().root;
const out = path.resolve(values.out ?? path.join(root, 'docs', 'screenshots'));
const RUN_TIMEOUT_MS = 15 * 60_000;

/** Starts the demo on a fresh folder and resolves with the address it prints. */
async function startDemo(dataDir: string): Promise<{ demo: ChildProcess; url: string }> {
  const entry = path.join(root, 'dist', 'host', 'demo.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first (npm run screenshots does).`);
  const demo = spawn(process.execPath, [entry, '--size', values.size!, '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    demo.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Open: (\S+)/.exec(output);
      if (found) resolve(found[1]!);
    });
    demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.on('exit', (code) => reject(new Error(`the demo exited (${code}) before serving:\n${output}`)));
  });
  return { demo, url };
}

async function shoot(page: Page, name: string, caption: string, { live = false } = {}): Promise<void> {
  // Settle: no spinner, fonts drawn (a live run is taken as it is, before it moves on).
  if (!live) await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'), undefined, { timeout: 30_000 }).catch(() => undefined);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(out, `${name}.png`) });
  console.log(`  ${name}.png — ${caption}`);
}

const view = async (page: Page, key: number, heading: string | RegExp) => {
  await page.keyboard.press(`Control+${key}`);
  await page.getByRole('heading', { name: heading }).first().waitFor();
};

/** Presses Run now and waits until run `n` has finished; returns its status as the monitor shows it. */
async function runAndWait(page: Page, n: number, onProgress?: () => Promise<void>): Promise<string> {
  await view(page, 4, 'Import monitor');
  await page.getByTestId('run-now').click();
  await page.getByTestId('current-run').waitFor();
  await onProgress?.();
  await page.getByTestId('last-run').filter({ hasText: `Last run ${n}` }).waitFor({ timeout: RUN_TIMEOUT_MS });
  await page.waitForFunction(() => document.querySelector('[data-testid="last-run-status"]')?.getAttribute('data-status') !== 'running', undefined, { timeout: RUN_TIMEOUT_MS });
  return (await page.getByTestId('last-run-status').getAttribute('data-status')) ?? '';
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'archiver-screenshots-'));
  const { demo, url } = await startDemo(path.join(temp, 'sandbox'));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page.setDefaultTimeout(60_000);
    await page.goto(url);
    await page.getByTestId('sandbox-intro').waitFor();
    console.log(`Sandbox at ${url}; screenshots into ${out}`);
    await shoot(page, 'welcome-sandbox', 'the Welcome screen of the sandbox');

    // The first run, caught while it imports, then finished.
    const first = await runAndWait(page, 1, async () => {
      await page.getByText('Import into Microsoft 365 (now)').waitFor({ timeout: RUN_TIMEOUT_MS });
      // A third of the deliveries in: every stage has something to show.
      await page.waitForFunction(
        () => {
          const bar = document.querySelector('[aria-label^="Import into Microsoft 365"]');
          return Number(bar?.getAttribute('aria-valuenow') ?? 0) >= Number(bar?.getAttribute('aria-valuemax') ?? Infinity) / 3;
        },
        undefined,
        { timeout: RUN_TIMEOUT_MS, polling: 100 },
      );
      await shoot(page, 'monitor-progress', 'a run importing, stage by stage', { live: true });
      if (!(await page.getByTestId('current-run').isVisible())) console.warn('  (the run ended before monitor-progress was taken: use --size full)');
    });
    if (first !== 'succeeded') throw new Error(`the first sandbox run ended ${first}`);

    // What landed, as Outlook lists it: the Rates Desk's first member received the attachments.
    await view(page, 7, 'Sandbox tenant');
    const rows = page.locator('.mailbox-list li');
    await rows.first().waitFor();
    // The busiest person's mailbox (not the service account's or the bot's, members of everything)
    // that holds the Rates Desk's message with the large files.
    const texts = await rows.locator('.link-button').allTextContents();
    const counts = (await rows.locator('.count').allTextContents()).map((c, i) => (/bot\b/i.test(texts[i]!) ? -1 : Number(c)));
    const order = counts.map((n, i) => [n, i] as const).filter(([n]) => n > 0).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
    let busiest = -1;
    for (const i of order) {
      await rows.nth(i).locator('.link-button').click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="sandbox-item"]').length === n, counts[i]);
      if (await page.getByTestId('sandbox-item').filter({ hasText: 'Calendar, models' }).count()) {
        busiest = i;
        break;
      }
    }
    if (busiest < 0) throw new Error("no mailbox holds the Rates Desk's message with the attachments");
    // Brought into view: the desk's message with the large files, as Outlook lists it.
    await page.getByTestId('sandbox-attachment').first().waitFor();
    await page.getByTestId('sandbox-item').filter({ hasText: 'Calendar, models' }).first().evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shoot(page, 'sandbox-mailbox', "a mailbox's Inbox/Symphony after the run, an item with its attachments");

    await view(page, 3, 'Mapping');
    await page.getByTestId('mapping-count').filter({ hasText: /[1-9]/ }).waitFor();
    await shoot(page, 'mapping', 'participants and their mailboxes');

    await view(page, 5, 'Preview');
    await page.getByRole('listbox', { name: 'Conversations' }).getByRole('option', { name: /Rates Desk/ }).first().click();
    // The message with the attachments of every size (trading-floor.ts), found by its text.
    const items = page.getByTestId('conversation-items').locator('tbody tr');
    await items.first().waitFor();
    for (let i = 0; i < (await items.count()); i++) {
      await items.nth(i).click();
      await page.locator('iframe').first().waitFor();
      const body = page.frameLocator('iframe').first().locator('body');
      await body.waitFor();
      if ((await body.textContent())?.includes('Calendar, models')) break;
    }
    await shoot(page, 'preview', 'an item as the e-mail it becomes, attachments listed');

    // A mailbox outside the app's scope: the next run completes with problems and names it.
    await view(page, 7, 'Sandbox tenant');
    const refused = rows.nth(busiest);
    // The checkbox shows the tenant's state, so it turns once the control has answered.
    await refused.getByRole('checkbox', { name: 'refuses writes' }).click();
    await page.waitForFunction((i) => document.querySelectorAll<HTMLInputElement>('.mailbox-list li input[type="checkbox"]')[i]?.checked === true, busiest);
    await page.getByRole('button', { name: 'Send 20 new messages' }).click();
    const second = await runAndWait(page, 2);
    if (second !== 'completed-with-problems') throw new Error(`the run with a refusing mailbox ended ${second}`);
    await page.getByTestId('blocked-mailboxes').waitFor();
    await shoot(page, 'monitor-blocked', 'a mailbox that refuses writes, named with the fix');
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByTestId('run-history').locator('tbody tr').first().click();
    await page.getByTestId('reconciliation').waitFor();
    await shoot(page, 'monitor-run-history', 'run history with the reconciliation of a run');
    await view(page, 7, 'Sandbox tenant');
    await refused.getByRole('checkbox', { name: 'refuses writes' }).click();
    await page.waitForFunction((i) => document.querySelectorAll<HTMLInputElement>('.mailbox-list li input[type="checkbox"]')[i]?.checked === false, busiest);

    await view(page, 6, 'Logs');
    await page.waitForTimeout(500);
    await shoot(page, 'logs', 'the item log: every step of every item');

    // The wizard against the sandbox's pod with a key the pod does not know.
    await view(page, 2, /Trading floor/);
    const podUrl = (await page.locator('dt', { hasText: 'Symphony pod' }).locator('xpath=following-sibling::dd[1]').textContent()) ?? '';
    const wrongKey = path.join(temp, 'not-the-registered-key.pem');
    fs.writeFileSync(wrongKey, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await page.getByRole('button', { name: 'New connector' }).click();
    await page.getByLabel('Connector name').fill('Second pod');
    await page.getByLabel('Connector name').press('Enter');
    await page.getByLabel('Pod URL').fill(podUrl);
    await page.getByLabel('Service account username').fill('archiver-bot');
    await page.getByLabel('Private key file').fill(wrongKey);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="connection-report"]')?.getAttribute('data-ok') === 'false');
    await page.getByTestId('connection-report').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await shoot(page, 'wizard-wrong-key', 'a key the pod does not know, explained with the fix');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    const ask = page.getByRole('dialog', { name: 'Continue without a working connection?' });
    await ask.waitFor();
    await shoot(page, 'wizard-continue-without-connection', 'Next after a failed connection test asks first');
    await ask.getByRole('button', { name: 'Continue anyway' }).click();
    await page.getByLabel('Tenant').fill('contoso.onmicrosoft.com');
    await page.getByLabel('Client id').fill('11111111-2222-3333-4444-555555555555');
    for (const next of ['Mailboxes', 'Schedule', 'Review']) {
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      await page.getByTestId('wizard-step').filter({ hasText: next }).waitFor();
    }
    await shoot(page, 'wizard-review', "the wizard's review before Finish");
    await page.locator('.wizard-footer').getByRole('button', { name: 'Cancel' }).click();

    // The dark theme, on the run with the refusing mailbox.
    await view(page, 4, 'Import monitor');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByTestId('run-history').locator('tbody tr').first().click();
    await page.getByTestId('reconciliation').waitFor();
    await shoot(page, 'dark-theme', 'the monitor in the dark theme');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();

    // The pod's network dropped: capture says it waits to retry, and when; the run ends once it is back.
    await view(page, 7, 'Sandbox tenant');
    await page.getByRole('button', { name: "Drop the pod's network for a minute" }).click();
    const third = await runAndWait(page, 3, async () => {
      await page.getByTestId('run-retrying').waitFor();
      await shoot(page, 'monitor-waiting-to-retry', 'capture waiting for the pod to come back', { live: true });
    });
    if (third !== 'succeeded') throw new Error(`the run after the dropped pod ended ${third}`);

    // The host going away under the open page.
    demo.kill('SIGTERM');
    await page.getByText('The connection to the archiver was lost').waitFor();
    await shoot(page, 'connection-lost', 'the host gone: the page says so and reconnects by itself');
  } finally {
    await browser.close();
    demo.kill('SIGTERM');
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
