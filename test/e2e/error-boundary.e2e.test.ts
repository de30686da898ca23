import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Logger } from '../../electron/core/platform/logger';
import { launchChromium, screenshot, serveApp, type ServedApp } from '../support/browser';

/**
 * A view that throws while rendering (here: fed a malformed answer on the socket, as a bug in a
 * future core could send) is replaced by its error boundary: the shell stays, the officer reads
 * what broke, the error reaches the application log, and "Reload view" brings the view back.
 */
describe('error boundaries keep the shell', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  const logged: string[] = [];
  let corrupt = true;

  beforeAll(async () => {
    const logger: Logger = {
      error: (m: string) => void logged.push(m),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      scope: () => logger,
    };
    app = await serveApp({ logger });
    app.core.connectors.create('Acme pod');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    // connectors.list answers with a connector without settings while `corrupt` is set.
    await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
      const server = ws.connectToServer();
      const listCalls = new Set<number>();
      ws.onMessage((message) => {
        const parsed = JSON.parse(String(message)) as { id: number; name: string };
        if (parsed.name === 'connectors.list') listCalls.add(parsed.id);
        server.send(message);
      });
      server.onMessage((message) => {
        const parsed = JSON.parse(String(message)) as { type: string; id?: number; result?: { ok: boolean; value?: unknown } };
        if (corrupt && parsed.type === 'result' && listCalls.has(parsed.id!) && parsed.result?.ok) {
          parsed.result.value = [{ id: 'broken', name: 'Broken', enabled: true, createdAt: '', updatedAt: '' }];
          ws.send(JSON.stringify(parsed));
        } else ws.send(message);
      });
    });
    await page.goto(app.host.url + '#connectors');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows what broke in the view, logs it, and reloads the view on request', async () => {
    const crash = page.getByTestId('view-crash');
    await crash.waitFor();
    await expect.poll(() => crash.getByRole('heading').textContent()).toBe('Something went wrong in the Connectors view');
    await expect.poll(() => crash.locator('.crash-message').textContent()).toMatch(/What broke: .+/);
    // The shell is still there and works: another view opens.
    await page.getByRole('tab', { name: /Logs/ }).click();
    await page.getByRole('heading', { name: 'Logs', exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('status-version').isVisible()).toBe(true);
    await expect.poll(() => logged.filter((m) => m.startsWith('UI error in the Connectors view')).length).toBeGreaterThan(0);

    await page.getByRole('tab', { name: /Connectors/ }).click();
    await crash.waitFor();
    await screenshot(page, 'view-crash');
    corrupt = false;
    await crash.getByRole('button', { name: 'Reload view' }).click();
    await page.getByRole('heading', { name: 'Acme pod' }).waitFor();
    await expect.poll(() => crash.count()).toBe(0);
  });
});
