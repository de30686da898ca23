/**
 * The importer as its own process, for the kill test: node --import tsx test/support/import-child.ts
 * <store file> <graph base url> <token> <attachment dir>. Prints "ready" once it starts delivering.
 */
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { GraphClient } from '../../electron/core/graph/client';
import { MailboxScheduler, outlookLimits } from '../../electron/core/graph/scheduler';
import { importDeliveries } from '../../electron/core/graph/importer';
import { killScenarioEmail } from './import-fixtures';

const [storeFile, baseUrl, token, dir] = process.argv.slice(2) as [string, string, string, string];
const store = Store.open(storeFile);
const connector = new ConnectorRepository(store).findByName('test')!;
const graph = new GraphClient({ baseUrl, getToken: async () => token, scheduler: new MailboxScheduler({ ...outlookLimits, globalConcurrency: 24 }), requestTimeoutMs: 20_000, retry: { baseMs: 20, maxMs: 300 } });
process.stdout.write('ready\n');
const summary = await importDeliveries({
  store,
  connector,
  graph,
  loadEmail: (key) => killScenarioEmail(dir, Number(key.split('-').pop())),
  settleMs: 200,
});
process.stdout.write(`done ${JSON.stringify(summary)}\n`);
store.dispose();
