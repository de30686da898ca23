import type { Connector, ConnectorSettings } from '../../shared/contract';
import { GraphClient } from '../../electron/core/graph/client';
import { graphRetryPolicy } from '../../electron/core/graph/errors';
import { MailboxScheduler, outlookLimits } from '../../electron/core/graph/scheduler';
import { GraphDirectory, graphClientRequester } from '../../electron/core/mapping/graph-directory';
import { MappingService } from '../../electron/core/mapping/resolver';
import { systemClock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { createRealStages } from '../../electron/core/runs/adapters/real';
import type { PipelineOptions } from '../../electron/core/runs/pipeline';
import { RunController } from '../../electron/core/runs/runner';
import { GraphEmulator, type GraphEmulatorOptions } from '../emulators/graph/server';
import { SymphonyEmulator } from '../emulators/symphony';
import type { SymphonyEmulatorOptions } from '../emulators/symphony/server';
import { makeConnector, makeServiceKey } from './capture-fixtures';

export interface RealWorldOptions {
  symphony: SymphonyEmulatorOptions;
  /** Which of the pod's internal people (in user-id order) have a mailbox in the tenant. */
  hasMailbox?: (index: number) => boolean;
  /** Adjusts the connector's settings (conversion mode, export folder…). */
  settings?: (settings: ConnectorSettings) => ConnectorSettings;
  pipeline?: PipelineOptions;
  /** The Graph side: emulator options (issuers, faults), the token source, the client's backoff. */
  graph?: { emulator?: GraphEmulatorOptions; getToken?: (emulator: GraphEmulator) => () => Promise<string>; retry?: { baseMs?: number; maxMs?: number } };
  /** The mapping service's options beyond the store (e.g. directoryPauseMs). */
  mapping?: { directoryPauseMs?: number };
}

/** Both emulators, a store in `dir`, one connector and a RunController over the real stages. */
export interface RealWorld {
  symphony: SymphonyEmulator;
  graphEmulator: GraphEmulator;
  store: Store;
  connector: Connector;
  controller: RunController;
  /** Lowercased e-mail → UPN of the pod's people who have a mailbox. */
  tenant: Map<string, string>;
  close(): Promise<void>;
}

/**
 * The world of the real-stage pipeline tests. The Graph emulator's per-mailbox request budget is
 * lifted: the importer's behaviour under Outlook's limits is the import tests' subject, and the
 * budget would make these tests last many minutes.
 */
export async function startRealWorld(dir: string, options: RealWorldOptions): Promise<RealWorld> {
  const symphony = await SymphonyEmulator.start(options.symphony);
  const key = makeServiceKey(dir);
  symphony.registerKey(key.publicKey);
  const graphEmulator = new GraphEmulator({ ...options.graph?.emulator, limits: { requestsPerWindow: 10_000_000, ...options.graph?.emulator?.limits } });
  const graphUrl = await graphEmulator.start();
  const tenant = new Map<string, string>();
  const hasMailbox = options.hasMailbox ?? (() => true);
  [...symphony.pod.users.values()]
    .filter((u) => !u.external && u.accountType === 'NORMAL')
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .forEach((u, i) => {
      if (!hasMailbox(i)) return;
      const upn = `${u.username}@tenant.example`.toLowerCase();
      graphEmulator.directory.addUser({ userPrincipalName: upn, mail: u.email, displayName: u.displayName });
      tenant.set(u.email.toLowerCase(), upn);
    });

  const paths = ensureAppPaths(appPaths(dir));
  const store = Store.open(paths.database);
  const created = makeConnector(store, symphony.url, key.privateKeyPath);
  const connectors = new ConnectorRepository(store);
  const withGraph = { ...created.settings, microsoft: { ...created.settings.microsoft, tenantId: graphEmulator.tenantId, clientId: 'app', graphBaseUrl: graphUrl } };
  const connector = connectors.update(created.id, { settings: options.settings ? options.settings(withGraph) : withGraph });
  const token = await graphEmulator.mintToken();
  const getToken = options.graph?.getToken?.(graphEmulator) ?? (async () => token);
  const graph = new GraphClient({ baseUrl: graphUrl, getToken, scheduler: new MailboxScheduler({ ...outlookLimits, requestsPerWindow: 10_000_000 }), requestTimeoutMs: 30_000, retry: options.graph?.retry });
  // As the app wires it (runs/wire.ts): directory look-ups retried with deliveries' policy.
  const mapping = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph, (client) => graphRetryPolicy(client.retry))), ...options.mapping });
  const stages = createRealStages({ store, paths, logger: silentLogger, clock: systemClock, mapping, graphFor: () => graph }, connector);
  const controller = new RunController({ store, clock: systemClock, logger: silentLogger, connector: (id) => connectors.get(id), stagesFor: () => stages, pipeline: options.pipeline });
  return {
    symphony,
    graphEmulator,
    store,
    connector,
    controller,
    tenant,
    async close() {
      await controller.dispose();
      store.dispose();
      await symphony.stop();
      await graphEmulator.stop();
    },
  };
}
