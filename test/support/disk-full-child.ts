/**
 * One run of the real pipeline in its own process, set up as the headless command sets up its own
 * (the same rotating log file in <dataDir>/logs, no console log, the CLI's run line and exit code):
 *   node --import tsx test/support/disk-full-child.ts <dataDir> <graphUrl> <token>
 * Prints `stage <name>` when a stage starts, so the test can fill the disk inside a chosen stage.
 */
import { GraphClient } from '../../electron/core/graph/client';
import { graphRetryPolicy } from '../../electron/core/graph/errors';
import { MailboxThrottle, outlookLimits } from '../../electron/core/graph/throttle';
import { GraphDirectory, graphClientRequester } from '../../electron/core/mapping/graph-directory';
import { MappingService } from '../../electron/core/mapping/resolver';
import { systemClock } from '../../electron/core/platform/clock';
import { EventBus } from '../../electron/core/platform/events';
import { createLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { createRealStages } from '../../electron/core/runs/adapters/real';
import { RunController } from '../../electron/core/runs/runner';
import { summarise } from '../../electron/host/cli';

const [dataDir, graphUrl, token] = process.argv.slice(2) as [string, string, string];
const paths = ensureAppPaths(appPaths(dataDir));
const logger = createLogger({ dir: paths.logs, fileName: 'cli.log', console: false });
const store = Store.open(paths.database, { logger });
const connectors = new ConnectorRepository(store);
const connector = connectors.list()[0]!;
const graph = new GraphClient({ baseUrl: graphUrl, getToken: async () => token, throttle: new MailboxThrottle({ ...outlookLimits, requestsPerWindow: 10_000_000 }), requestTimeoutMs: 30_000, retry: { baseMs: 20, maxMs: 200 } });
const mapping = new MappingService({ store, connectors, logger, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph, (c) => graphRetryPolicy(c.retry))) });
const stages = createRealStages({ store, paths, logger, clock: systemClock, mapping, graphFor: () => graph }, connector);
const events = new EventBus();
let stage = '';
events.on('runs.progress', (p) => {
  if (p.stage !== stage) process.stdout.write(`stage ${(stage = p.stage)}\n`);
});
const controller = new RunController({ store, clock: systemClock, logger, events, connector: (id) => connectors.get(id), stagesFor: () => stages, pipeline: { pageSize: 100 } });
const outcome = await (await controller.start(connector.id, 'cli')).done;
const code = summarise(connector, { runId: outcome.runId, status: outcome.status, error: outcome.error, reconciliation: outcome.result?.reconciliation ?? null }, {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});
try {
  store.dispose();
} catch {
  // Closing flushes nothing that matters; a full disk may refuse the final checkpoint.
}
process.exitCode = code;
