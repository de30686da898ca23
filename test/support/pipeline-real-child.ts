/**
 * One run of the real pipeline in its own process, for the crash test over both emulators:
 *   node --import tsx test/support/pipeline-real-child.ts <dataDir> <graphUrl> <token> [options json]
 * The store (with its connector) is prepared by the test. Prints `stage <name>` when a stage
 * starts, so the test can kill it inside a chosen stage, and `outcome <json>` at the end.
 * Options: requestTimeoutMs and settleMarginMs of the Graph client (short ones let tests use the
 * emulator's late-applied faults), pageSize; the run log goes to <dataDir>/logs/main.log, as in the app.
 */
import { GraphClient } from '../../electron/core/graph/client';
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
import { reasonWords } from '../../shared/contract/reasons';

export interface RealChildOptions {
  requestTimeoutMs?: number;
  settleMarginMs?: number;
  pageSize?: number;
}

const [dataDir, graphUrl, token, json] = process.argv.slice(2) as [string, string, string, string | undefined];
const options = (json ? JSON.parse(json) : {}) as RealChildOptions;
const paths = ensureAppPaths(appPaths(dataDir));
const logger = createLogger({ dir: paths.logs, console: false, level: 'info' });
const store = Store.open(paths.database);
const connectors = new ConnectorRepository(store);
const connector = connectors.list()[0]!;
const graph = new GraphClient({ baseUrl: graphUrl, getToken: async () => token, throttle: new MailboxThrottle({ ...outlookLimits, requestsPerWindow: 10_000_000 }), requestTimeoutMs: options.requestTimeoutMs ?? 30_000, settleMarginMs: options.settleMarginMs });
const mapping = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph)) });
const stages = createRealStages({ store, paths, logger: logger, clock: systemClock, mapping, graphFor: () => graph }, connector);
const events = new EventBus();
let stage = '';
events.on('runs.progress', (p) => {
  if (p.stage !== stage) process.stdout.write(`stage ${(stage = p.stage)}\n`);
});
const controller = new RunController({ store, clock: systemClock, logger: logger, events, connector: (id) => connectors.get(id), stagesFor: () => stages, pipeline: { pageSize: options.pageSize ?? 100 } });
const outcome = await (await controller.start(connector.id, 'cli')).done;
store.dispose();
process.stdout.write(`outcome ${JSON.stringify({ status: outcome.status, error: outcome.error ? reasonWords(outcome.error, { detail: true }) : null, reconciliation: outcome.result?.reconciliation ?? null })}\n`);
