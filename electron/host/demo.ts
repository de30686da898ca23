import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../core/platform/logger';
import { packageInfo } from '../core/platform/package-root';
import { appPaths } from '../core/platform/paths';
import { claimSandboxFolder, freshSandboxFolder, launchSandbox } from '../sandbox/launch';
import type { SandboxSize } from '../sandbox/trading-floor';
import { startBrowserHost } from './browser-host';
import { stopOnSignals } from './shutdown';
import { installLastResort } from './last-resort';
import { readAccessToken } from './session';

/**
 * `npm run demo`: the archiver in a browser against a sandbox, an emulated trading-floor pod and
 * an emulated Microsoft 365 tenant in this process. Everything between them is the real archiver.
 * Always on a fresh sandbox folder (or an empty one given with --data), never a real archive's.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.ARCHIVER_PORT ?? '8171' },
      data: { type: 'string' },
      size: { type: 'string', default: 'full' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: npm run demo -- [--port 8171] [--data <empty folder>] [--size full|small]');
    return;
  }
  const size = values.size as SandboxSize;
  if (size !== 'full' && size !== 'small') throw new Error(`--size is full or small, not "${values.size}"`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const dataDir = path.resolve(values.data ?? freshSandboxFolder());
  // Claimed first: a folder holding a real archive is refused before the logger writes into it.
  claimSandboxFolder(dataDir);
  const logger = createLogger({ dir: appPaths(dataDir).logs, console: false });
  installLastResort(logger);
  const { core, world } = await launchSandbox({ dataDir, host: 'browser', logger, startScheduler: true, size });
  const { token } = readAccessToken({ env: process.env.ARCHIVER_TOKEN });
  const host = await startBrowserHost({ core, port, token, staticDir: path.join(packageInfo().root, 'dist', 'renderer') });
  logger.info(`sandbox served on 127.0.0.1:${host.port}`);
  console.log(`Symphony Archiver sandbox: an emulated pod and Microsoft 365 tenant, nothing leaves this machine.\nData: ${dataDir}\nOpen: ${host.url}`);

  stopOnSignals([host, core, world]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
