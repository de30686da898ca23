/**
 * The importer as its own process, for the kill tests: node --import tsx test/support/import-child.ts
 * <store file> <graph base url> <token> <attachment dir> [options json]. Prints "ready" once it
 * starts delivering. Options: requestTimeoutMs, settleMarginMs, settleWaitMs, maxAttempts, and
 * logDir (warnings, among them every stray deletion, go to <logDir>/import.log, written synchronously).
 */
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { GraphClient } from '../../electron/core/graph/client';
import { MailboxThrottle, outlookLimits } from '../../electron/core/graph/throttle';
import { importDeliveries } from '../../electron/core/graph/importer';
import { createLogger, silentLogger } from '../../electron/core/platform/logger';
import { killScenarioEmail } from './import-fixtures';

export interface ImportChildOptions {
  requestTimeoutMs?: number;
  settleMarginMs?: number;
  settleWaitMs?: number;
  maxAttempts?: number;
  logDir?: string;
}

const [storeFile, baseUrl, token, dir, json] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const options = (json ? JSON.parse(json) : {}) as ImportChildOptions;
const store = Store.open(storeFile);
const connector = new ConnectorRepository(store).findByName('test')!;
const graph = new GraphClient({
  baseUrl,
  getToken: async () => token,
  throttle: new MailboxThrottle({ ...outlookLimits, globalConcurrency: 24 }),
  requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
  settleMarginMs: options.settleMarginMs ?? 300,
  retry: { baseMs: 20, maxMs: 300 },
});
const logger = options.logDir ? createLogger({ dir: options.logDir, fileName: 'import.log', console: false, level: 'info' }) : silentLogger;
process.stdout.write('ready\n');
const summary = await importDeliveries({
  store,
  connector,
  graph,
  logger,
  loadEmail: (key) => killScenarioEmail(dir, Number(key.split('-').pop())),
  settleWaitMs: options.settleWaitMs,
  maxAttempts: options.maxAttempts,
});
process.stdout.write(`done ${JSON.stringify(summary)}\n`);
store.dispose();
