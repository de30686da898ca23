/**
 * One run of the real pipeline in its own process, for the crash test over both emulators:
 *   node --import tsx test/support/pipeline-real-child.ts <dataDir> <graphUrl> <token>
 * The store (with its connector) is prepared by the test. Prints `stage <name>` when a stage
 * starts, so the test can kill it inside a chosen stage, and `outcome <json>` at the end.
 */
import { GraphClient } from '../../electron/core/graph/client';
import { MailboxScheduler, outlookLimits } from '../../electron/core/graph/scheduler';
import { GraphDirectory, graphClientRequester } from '../../electron/core/mapping/graph-directory';
import { MappingService } from '../../electron/core/mapping/resolver';
import { systemClock } from '../../electron/core/platform/clock';
import { EventBus } from '../../electron/core/platform/events';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { createRealStages } from '../../electron/core/runs/adapters/real';
import { RunController } from '../../electron/core/runs/runner';

const [dataDir, graphUrl, token] = process.argv.slice(2) as [string, string, string];
const paths = ensureAppPaths(appPaths(dataDir));
const store = Store.open(paths.database);
const connectors = new ConnectorRepository(store);
const connector = connectors.list()[0]!;
const graph = new GraphClient({ baseUrl: graphUrl, getToken: async () => token, scheduler: new MailboxScheduler({ ...outlookLimits, requestsPerWindow: 10_000_000 }), requestTimeoutMs: 30_000 });
const mapping = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph)) });
const stages = createRealStages({ store, paths, logger: silentLogger, clock: systemClock, mapping, graphFor: () => graph }, connector);
const events = new EventBus();
let stage = '';
events.on('runs.progress', (p) => {
  if (p.stage !== stage) process.stdout.write(`stage ${(stage = p.stage)}\n`);
});
const controller = new RunController({ store, clock: systemClock, logger: silentLogger, events, connector: (id) => connectors.get(id), stagesFor: () => stages, pipeline: { pageSize: 100 } });
const outcome = await (await controller.start(connector.id, 'cli')).done;
store.dispose();
process.stdout.write(`outcome ${JSON.stringify({ status: outcome.status, error: outcome.error, reconciliation: outcome.result?.reconciliation ?? null })}\n`);
