import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Core, type CoreOptions } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { packageInfo } from '../../electron/core/platform/package-root';
import { startBrowserHost, type BrowserHost } from '../../electron/host/browser-host';
import { signInThroughPage } from '../../electron/host/sign-in-page';
import { makeTempDir } from './tmp';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(packageInfo().root, 'test-results', 'screenshots');

/**
 * The locale every test page runs in. The renderer formats numbers and dates in the browser's
 * locale, and tests compare with strings formatted here (`n.toLocaleString(PAGE_LOCALE)`), so the
 * page must not take the CI machine's language (a German machine writes 40.000 for 40,000).
 */
export const PAGE_LOCALE = 'en-US';

/**
 * How long a test waits for a whole run (or a sign-in, an upload) to show in the page: only a net
 * against a hang, never a speed claim. A loaded two-core CI machine takes minutes for what takes
 * seconds here; the test's own timeout (vitest.config.ts) is longer still.
 */
export const RUN_WAIT_MS = 180_000;

/**
 * Debian's Chromium, started the way this machine allows (no sandbox as root, no background
 * traffic). Every context it opens (and so every page: newPage opens a context) gets PAGE_LOCALE
 * unless the test asks for another. The time zone stays the machine's (TZ), which this process
 * shares, so the page and the test agree on local days.
 */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', `--lang=${PAGE_LOCALE}`],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext({ locale: PAGE_LOCALE, ...options });
  return browser;
}

export interface ServedApp {
  core: Core;
  host: BrowserHost;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A real core on a temporary data folder behind the real browser host, serving the built renderer
 * (dist/renderer: `npm run build:renderer` must have run; `npm test` builds first).
 */
export async function serveApp(options: Partial<CoreOptions> = {}): Promise<ServedApp> {
  const staticDir = path.join(packageInfo().root, 'dist', 'renderer');
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) throw new Error('dist/renderer is missing: run "npm run build:renderer" before the browser tests.');
  const temp = makeTempDir('archiver-e2e-');
  const core: Core = new Core({ dataDir: temp.dir, host: 'browser', logger: silentLogger, openBrowser: signInThroughPage(() => core.events), ...options });
  const host = await startBrowserHost({ core, staticDir });
  return {
    core,
    host,
    dataDir: temp.dir,
    async close() {
      await host.dispose();
      await core.dispose();
      temp.cleanup();
    },
  };
}

/**
 * The host going away under an open page, as a crash or a restart does: the browser host and
 * its core are stopped (sockets cut), and `restart` starts a new core on the same data folder
 * behind a new host on the same port with the same access token, as `npm run serve` started
 * again with the same --port and token does. The returned app replaces the old one.
 */
export async function stopHost(app: ServedApp, options: Partial<CoreOptions> = {}): Promise<{ restart(): Promise<ServedApp> }> {
  const { port, token } = app.host;
  await app.host.dispose();
  await app.core.dispose();
  return {
    async restart() {
      const staticDir = path.join(packageInfo().root, 'dist', 'renderer');
      const core: Core = new Core({ dataDir: app.dataDir, host: 'browser', logger: silentLogger, openBrowser: signInThroughPage(() => core.events), ...options });
      const host = await startBrowserHost({ core, staticDir, port, token });
      return {
        core,
        host,
        dataDir: app.dataDir,
        async close() {
          await host.dispose();
          await core.dispose();
          await app.close().catch(() => undefined);
        },
      };
    },
  };
}

/** Saves a screenshot under test-results/screenshots/ (kept by CI, shown in the README). */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
