/**
 * A capture through the connector's source (member streams or Datahose) in its own process, for the
 * kill tests: `node --import tsx test/support/capture-child.ts <dataDir> <connectorId> [tuningJson]`.
 * Prints one JSON line per progress event and a final `{"finished": summary}` line, so the parent
 * can choose kill moments across the run.
 */
import path from 'node:path';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { captureBySource } from '../../electron/core/symphony/sources';

const [dataDir, connectorId, tuningJson] = process.argv.slice(2);
if (!dataDir || !connectorId) {
  console.error('usage: capture-child.ts <dataDir> <connectorId> [tuningJson]');
  process.exit(2);
}
const paths = appPaths(path.resolve(dataDir));
const store = Store.open(paths.database);
const connector = new ConnectorRepository(store).get(connectorId);
let events = 0;
const summary = await captureBySource({
  store,
  connector,
  paths,
  logger: silentLogger,
  tuning: tuningJson ? JSON.parse(tuningJson) : undefined,
  onProgress: (p) => process.stdout.write(`${JSON.stringify({ event: ++events, ...p })}\n`),
});
const datahose = summary.source === 'datahose' ? summary.datahose : null;
process.stdout.write(`${JSON.stringify({ finished: { source: summary.source, items: summary.items, attachments: summary.attachments, failed: summary.conversations.failed, datahose } })}\n`);
store.dispose();
