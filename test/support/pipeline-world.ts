import type { Connector, ConnectorSettings } from '../../shared/contract';
import { GraphClient } from '../../electron/core/graph/client';
import { graphRetryPolicy } from '../../electron/core/graph/errors';
import { MailboxThrottle, outlookLimits } from '../../electron/core/graph/throttle';
import { GraphDirectory, graphClientRequester } from '../../electron/core/mapping/graph-directory';
import { MappingService } from '../../electron/core/mapping/resolver';
import { systemClock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { createRealStages } from '../../electron/core/runs/adapters/real';
import type { PipelineOptions } from '../../electron/core/runs/pipeline';
import type { Stages } from '../../electron/core/runs/stages';
import { messageArchiveKey } from '../../electron/core/convert/ids';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import type { AppPaths } from '../../electron/core/platform/paths';
import { RunController } from '../../electron/core/runs/runner';
import { GraphEmulator, type GraphEmulatorOptions } from '../../electron/sandbox/emulators/graph/server';
import { SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import type { SymphonyEmulatorOptions } from '../../electron/sandbox/emulators/symphony/server';
import { makeConnector, makeServiceKey } from './capture-fixtures';

export interface RealWorldOptions {
  symphony: SymphonyEmulatorOptions;
  /** Which of the pod's internal people (in user-id order) have a mailbox in the tenant. */
  hasMailbox?: (index: number) => boolean;
  /** Adjusts the connector's settings (conversion mode, export folder…). */
  settings?: (settings: ConnectorSettings) => ConnectorSettings;
  pipeline?: PipelineOptions;
  /** The Graph side: emulator options (issuers, faults), the token source, the client's backoff. */
  graph?: {
    emulator?: GraphEmulatorOptions;
    getToken?: (emulator: GraphEmulator) => () => Promise<string>;
    retry?: { baseMs?: number; maxMs?: number };
    /** Short ones let a test settle unknown outcomes (lost answers) within the run. */
    requestTimeoutMs?: number;
    settleMarginMs?: number;
  };
  /** The mapping service's options beyond the store (e.g. directoryPauseMs). */
  mapping?: { directoryPauseMs?: number };
  /** Wraps the real stages (a test deletes spool files before the import, say). */
  wrapStages?: (stages: Stages) => Stages;
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
  paths: AppPaths;
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
  const addMailbox = (u: { username: string; email: string; displayName: string }) => {
    const upn = `${u.username}@tenant.example`.toLowerCase();
    graphEmulator.directory.addUser({ userPrincipalName: upn, mail: u.email, displayName: u.displayName });
    tenant.set(u.email.toLowerCase(), upn);
  };
  // The archiver's service account is a member of every conversation it reads; it has a mailbox
  // (else every item would be held for it, as for any internal participant without one).
  addMailbox(symphony.pod.serviceAccount);
  [...symphony.pod.users.values()]
    .filter((u) => !u.external && u.accountType === 'NORMAL')
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .forEach((u, i) => {
      if (hasMailbox(i)) addMailbox(u);
    });

  const paths = ensureAppPaths(appPaths(dir));
  const store = Store.open(paths.database);
  const created = makeConnector(store, symphony.url, key.privateKeyPath);
  const connectors = new ConnectorRepository(store);
  const withGraph = { ...created.settings, microsoft: { ...created.settings.microsoft, tenantId: graphEmulator.tenantId, clientId: 'app', graphBaseUrl: graphUrl } };
  const connector = connectors.update(created.id, { settings: options.settings ? options.settings(withGraph) : withGraph });
  const token = await graphEmulator.mintToken();
  const getToken = options.graph?.getToken?.(graphEmulator) ?? (async () => token);
  const graph = new GraphClient({ baseUrl: graphUrl, getToken, throttle: new MailboxThrottle({ ...outlookLimits, requestsPerWindow: 10_000_000 }), requestTimeoutMs: options.graph?.requestTimeoutMs ?? 30_000, settleMarginMs: options.graph?.settleMarginMs, retry: options.graph?.retry });
  // As the app wires it (runs/wire.ts): directory look-ups retried with deliveries' policy.
  const mapping = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph, (client) => graphRetryPolicy(client.retry))), ...options.mapping });
  const real = createRealStages({ store, paths, logger: silentLogger, clock: systemClock, mapping, graphFor: () => graph }, connector);
  const stages = options.wrapStages ? options.wrapStages(real) : real;
  const controller = new RunController({ store, clock: systemClock, logger: silentLogger, connector: (id) => connectors.get(id), stagesFor: () => stages, pipeline: options.pipeline });
  return {
    symphony,
    graphEmulator,
    store,
    connector,
    controller,
    tenant,
    paths,
    async close() {
      await controller.dispose();
      store.dispose();
      await symphony.stop();
      await graphEmulator.stop();
    },
  };
}

/**
 * What must land, from the emulators' own models (not from the pipeline): per archive key, the
 * mailboxes of the conversation's current members and the sender, those with a mailbox.
 */
export function expectedPairs(world: RealWorld): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const stream of world.symphony.pod.streams.values()) {
    const members = [...stream.members].filter(([, m]) => !m.left).map(([id]) => id);
    for (const message of stream.messages) {
      const people = new Set([...members, message.sender]);
      const boxes = [...people]
        .map((id) => world.symphony.pod.users.get(id)!)
        .filter((u) => !u.external)
        .map((u) => world.tenant.get(u.email.toLowerCase()))
        .filter((b): b is string => !!b);
      if (boxes.length > 0) expected.set(messageArchiveKey(world.connector.id, message.id), [...new Set(boxes)].sort());
    }
  }
  return expected;
}

/** "archiveKey -> mailbox" → how many copies the Graph emulator holds (every mailbox, every state). */
export function landedPairs(world: RealWorld): Map<string, number> {
  const landed = new Map<string, number>();
  for (const { user, message } of world.graphEmulator.directory.allMessages()) {
    const key = message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value ?? '(none)';
    const pair = `${key} -> ${user.userPrincipalName}`;
    landed.set(pair, (landed.get(pair) ?? 0) + 1);
  }
  return landed;
}

/** Differences between what landed and what should have (only the mailboxes `only` keeps, when given). */
export function landingProblems(world: RealWorld, only?: (mailbox: string) => boolean): string[] {
  const landed = landedPairs(world);
  const problems: string[] = [];
  for (const [key, boxes] of expectedPairs(world)) {
    for (const box of boxes.filter((b) => !only || only(b))) {
      const n = landed.get(`${key} -> ${box}`) ?? 0;
      if (n !== 1) problems.push(`${key} -> ${box} landed ${n} times`);
      landed.delete(`${key} -> ${box}`);
    }
  }
  for (const pair of landed.keys()) if (!only || only(pair.split(' -> ')[1]!)) problems.push(`unexpected ${pair}`);
  return problems;
}
