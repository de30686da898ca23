import path from 'node:path';
import { parseArgs } from 'node:util';
import { Core } from '../core/app/core';
import { createLogger } from '../core/platform/logger';
import { packageInfo } from '../core/platform/package-root';
import { appPaths, defaultDataDir, describeTightened, secureDataDir } from '../core/platform/paths';
import { startBrowserHost } from './browser-host';
import { stopOnSignals } from './shutdown';
import { installLastResort } from './last-resort';
import { MIN_TOKEN_BITS, readAccessToken } from './session';
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
      'token-file': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      [
        'Usage: npm run serve -- [--port 8170] [--data <folder>] [--token-file <file>]',
        'The access token comes from --token-file or ARCHIVER_TOKEN_FILE (a file only you can read), else',
        'ARCHIVER_TOKEN, else --token (visible to every local user in the process list), else it is random.',
        `A token given must carry at least ${MIN_TOKEN_BITS} bits, e.g. "openssl rand -base64 32".`,
      ].join('\n'),
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const { token, source } = readAccessToken({ file: values['token-file'] ?? process.env.ARCHIVER_TOKEN_FILE, env: process.env.ARCHIVER_TOKEN, flag: values.token });
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  // Private before the first file is written (the logger's), then say what was too wide.
  const tightened = secureDataDir(appPaths(dataDir));
  const logger = createLogger({ dir: appPaths(dataDir).logs, console: false });
  installLastResort(logger);
  const widePermissions = describeTightened(tightened);
  if (widePermissions) logger.warn(widePermissions);
  if (source === 'command line') logger.warn('the access token was given with --token, which every local user can read in the process list; prefer --token-file');
  const core: Core = new Core({ dataDir, host: 'browser', logger, startScheduler: true, openBrowser: signInThroughPage(() => core.events) });
  const host = await startBrowserHost({
    core,
    port,
    token,
    staticDir: path.join(packageInfo().root, 'dist', 'renderer'),
  });
  logger.info(`browser host listening on 127.0.0.1:${host.port} (access token: ${source})`);
  console.log(`Symphony Archiver is being served for the browser.\nData: ${dataDir}\nOpen: ${host.url}`);

  stopOnSignals([host, core]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
