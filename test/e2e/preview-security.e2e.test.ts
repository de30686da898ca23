import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { silentLogger } from '../../electron/core/platform/logger';
import { captureBySource } from '../../electron/core/symphony/sources';
import { SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';
import { addConnector, makeServiceKey } from '../support/world';
import { hostileHtml, hostileMessageML, MARKER, startCanary } from '../support/e2e-hostile';
import { storedItems } from '../support/store-reads';

/** Everything a script in the preview could do to show it ran. */
interface Signals {
  bindings: string[];
  console: string[];
  dialogs: string[];
  navigations: string[];
}

async function watch(page: Page): Promise<Signals> {
  const signals: Signals = { bindings: [], console: [], dialogs: [], navigations: [] };
  await page.exposeBinding('pwned', (_source, what: string) => void signals.bindings.push(what));
  page.on('console', (m) => signals.console.push(m.text()));
  page.on('dialog', (d) => {
    signals.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('framenavigated', (f) => signals.navigations.push(f.url()));
  return signals;
}

describe('preview of hostile markup', () => {
  let app: ServedApp;
  let browser: Browser;
  let pod: SymphonyEmulator;
  let canary: Awaited<ReturnType<typeof startCanary>>;
  let connectorId: string;
  let itemId: number;

  beforeAll(async () => {
    canary = await startCanary();
    pod = await SymphonyEmulator.start({ seed: 'preview-security', conversations: 2, messages: 6, attachments: 0, internalUsers: 4, externalUsers: 0 });
    const stream = [...pod.pod.streams.values()][0]!;
    pod.pod.addMessage(stream.id, { message: hostileMessageML(canary.url), data: '{}' });
    app = await serveApp();
    const key = makeServiceKey(app.dataDir);
    pod.registerKey(key.publicKey);
    const connector = addConnector(app.core.store, { pod: { url: pod.url, keyPath: key.privateKeyPath }, name: 'Hostile pod' });
    connectorId = connector.id;
    await captureBySource({ store: app.core.store, connector, paths: app.core.paths, logger: silentLogger });
    const row = storedItems(app.core.store, connectorId).find((i) => i.presentationML.includes(MARKER));
    if (!row) throw new Error('the hostile message was not captured');
    itemId = row.id;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await pod?.stop();
    await canary?.stop();
  });

  it('the payload is live: in an ordinary page it calls the binding, logs, alerts and reaches the canary', async () => {
    // Control: proves the signals below would catch a script that runs.
    const page = await browser.newPage();
    const signals = await watch(page);
    await page.setContent(`<!doctype html><body>${hostileHtml(canary.url)}</body>`, { waitUntil: 'load' }).catch(() => undefined);
    await expect.poll(() => signals.bindings.length).toBeGreaterThan(0);
    expect(signals.bindings).toContain('script');
    expect(signals.bindings).toContain('img-onerror');
    expect(signals.dialogs).toContain('pwned');
    expect(signals.console.some((m) => m.includes('PWNED'))).toBe(true);
    await expect.poll(() => canary.hits.length).toBeGreaterThan(0);
    await page.close();
    canary.hits.length = 0;
  });

  async function openPreview(page: Page) {
    await page.goto(app.host.url + '#preview');
    await page.getByLabel('Item id or Symphony message id').fill(String(itemId));
    await page.getByRole('button', { name: 'Open' }).click();
    const frame = page.getByTestId('email-frame');
    await expect.poll(() => frame.isVisible()).toBe(true);
    return frame;
  }

  async function expectInert(page: Page, signals: Signals) {
    const frameElement = page.getByTestId('email-frame');
    // The frame is sandboxed with nothing allowed, and its document forbids scripts on its own.
    const sandbox = await frameElement.getAttribute('sandbox');
    expect(sandbox).toBe('');
    expect(sandbox).not.toContain('allow-scripts');
    expect(sandbox).not.toContain('allow-same-origin');
    const srcdoc = (await frameElement.getAttribute('srcdoc')) ?? '';
    expect(srcdoc).toMatch(/<meta http-equiv="Content-Security-Policy" content="[^"]*script-src 'none'/);
    const frame = page.frameLocator('[data-testid="email-frame"]');
    // Clicking a javascript: link or submitting a form does nothing either.
    if (await frame.locator('#js-link').count()) await frame.locator('#js-link').click();
    if (await frame.locator('#submit').count()) await frame.locator('#submit').click();
    if (await frame.locator('#remote-link').count()) await frame.locator('#remote-link').click();
    const contentFrame = await frameElement.elementHandle().then((h) => h!.contentFrame());
    await contentFrame!.waitForLoadState('load');
    expect(signals.bindings).toEqual([]);
    expect(signals.dialogs).toEqual([]);
    expect(signals.console.filter((m) => m.includes('PWNED'))).toEqual([]);
    expect(canary.hits).toEqual([]);
    expect(signals.navigations.filter((u) => u.startsWith(canary.url) || u.startsWith('javascript:'))).toEqual([]);
    await expect.poll(() => page.evaluate(() => (window as unknown as { pwnedFlag?: unknown }).pwnedFlag)).toBeUndefined();
    // Nor inside the frame itself (read from Playwright's own world, which the sandbox does not restrict).
    const inner = await frameElement.elementHandle().then((h) => h!.contentFrame());
    await expect.poll(() => inner!.evaluate(() => (window as unknown as { pwnedFlag?: unknown }).pwnedFlag)).toBeUndefined();
  }

  it('through the real converter: the captured hostile message previews as text and runs nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const signals = await watch(page);
    await openPreview(page);
    const frame = page.frameLocator('[data-testid="email-frame"]');
    await expect.poll(() => frame.locator('body').textContent()).toContain('Quarterly numbers attached.');
    await expectInert(page, signals);
    await screenshot(page, 'preview-hostile-sanitised');
    await page.close();
  });

  it('even if the sanitiser let everything through, the frame runs and loads nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const signals = await watch(page);
    // Replace the converter's sanitised HTML with the raw payload on its way to the page.
    // The socket URL carries the session's CSRF value (/ws?csrf=…).
    await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        const parsed = JSON.parse(String(message)) as { type: string; result?: { ok: boolean; value?: { html?: string; archiveKey?: string } } };
        if (parsed.type === 'result' && parsed.result?.ok && typeof parsed.result.value?.html === 'string' && parsed.result.value.archiveKey) {
          parsed.result.value.html = hostileHtml(canary.url);
          ws.send(JSON.stringify(parsed));
        } else ws.send(message);
      });
    });
    await openPreview(page);
    const frame = page.frameLocator('[data-testid="email-frame"]');
    // The raw markup did reach the frame (the marker renders)...
    await expect.poll(() => frame.locator('#marker').textContent()).toBe(MARKER);
    await expect.poll(() => frame.locator('script').count()).toBeGreaterThan(0);
    // ...and still nothing ran, loaded or navigated: after the clicks the preview is still there.
    await expectInert(page, signals);
    await expect.poll(() => frame.locator('#marker').textContent()).toBe(MARKER);
    await screenshot(page, 'preview-hostile-raw');
    await page.close();
  });
});
