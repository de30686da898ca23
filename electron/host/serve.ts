import path from 'node:path';
import { parseArgs } from 'node:util';
import { Core } from '../core/app/core';
import { createLogger } from '../core/platform/logger';
import { packageInfo } from '../core/platform/package-root';
import { appPaths, defaultDataDir } from '../core/platform/paths';
import { startBrowserHost } from './browser-host';
import { signInThroughPage } from './sign-in-page';

/**
 * `npm run serve`: the archiver in a browser, like VS Code's serve-web. Listens on 127.0.0.1 only
 * and prints a URL carrying a one-time access token.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.ARCHIVER_PORT ?? '8170' },
      data: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: npm run serve -- [--port 8170] [--data <folder>] [--token <token>]');
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  const logger = createLogger({ dir: appPaths(dataDir).logs, console: false });
  const core: Core = new Core({ dataDir, host: 'browser', logger, startScheduler: true, openBrowser: signInThroughPage(() => core.events) });
  const host = await startBrowserHost({
    core,
    port,
    token: values.token ?? process.env.ARCHIVER_TOKEN,
    staticDir: path.join(packageInfo().root, 'dist', 'renderer'),
  });
  logger.info(`browser host listening on 127.0.0.1:${host.port}`);
  console.log(`Symphony Archiver is being served for the browser.\nData: ${dataDir}\nOpen: ${host.url}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await host.dispose();
    await core.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
