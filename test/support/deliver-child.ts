/**
 * The importer with the importMime router, as its own process, for deliver.kill.test.ts:
 * node --import tsx test/support/deliver-child.ts <store file> <graph base url> <token> <attachment dir>.
 * Prints "ready" once it starts delivering and "done <summary>" at the end.
 */
import path from 'node:path';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { GraphClient } from '../../electron/core/graph/client';
import { MailboxThrottle, outlookLimits } from '../../electron/core/graph/throttle';
import { importDeliveries } from '../../electron/core/graph/importer';
import { JsonDestination } from '../../electron/core/graph/json-destination';
import { MimeDestination } from '../../electron/core/deliver/graph-mime';
import { createRouter } from '../../electron/core/deliver/router';
import { mimeKillEmail } from './deliver-kill-scenario';

const [storeFile, baseUrl, token, dir] = process.argv.slice(2) as [string, string, string, string];
const store = Store.open(storeFile);
const connector = new ConnectorRepository(store).findByName('test')!;
const graph = new GraphClient({
  baseUrl,
  getToken: async () => token,
  throttle: new MailboxThrottle({ ...outlookLimits, globalConcurrency: 16 }),
  requestTimeoutMs: 2_000,
  settleMarginMs: 1_000,
  retry: { baseMs: 20, maxMs: 300 },
});
const router = createRouter({ json: new JsonDestination({ graph, messageClass: connector.settings.microsoft.messageClass, scratchDir: path.join(dir, 'scratch') }), mime: new MimeDestination({ graph }) }, 'graph-mime');
process.stdout.write('ready\n');
const summary = await importDeliveries({ store, connector, graph, router, loadEmail: (key) => mimeKillEmail(dir, Number(key.split('-').pop())), maxAttempts: 30 });
process.stdout.write(`done ${JSON.stringify(summary)}\n`);
store.dispose();
