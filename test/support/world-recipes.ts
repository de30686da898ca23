import path from 'node:path';
import type { Connector, ConnectorSettings } from '../../shared/contract';
import type { SymphonySource } from '../../shared/contract/capture';
import type { GraphClient } from '../../electron/core/graph/client';
import { graphRetryPolicy } from '../../electron/core/graph/errors';
import { MailboxThrottle, outlookLimits, type ThrottleLimits } from '../../electron/core/graph/throttle';
import { GraphDirectory, graphClientRequester } from '../../electron/core/mapping/graph-directory';
import { MappingService } from '../../electron/core/mapping/resolver';
import { systemClock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths, type AppPaths } from '../../electron/core/platform/paths';
import type { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { createRealStages } from '../../electron/core/runs/adapters/real';
import type { PipelineOptions } from '../../electron/core/runs/pipeline';
import type { Stages } from '../../electron/core/runs/stages';
import { RunController } from '../../electron/core/runs/runner';
import { captureBySource, type CaptureOptions, type SourceSummary } from '../../electron/core/symphony/sources';
import type { GraphEmulator, GraphEmulatorOptions } from '../../electron/sandbox/emulators/graph/server';
import type { SymphonyEmulator, SymphonyEmulatorOptions } from '../../electron/sandbox/emulators/symphony';
import { addPodMailboxes, type TestPod, type TestTenant, type TestWorld } from './world';

/**
 * Recipes: the pieces of a TestWorld (test/support/world.ts) put together the way a family of
 * tests needs them. A recipe adds no resource of its own that the world would not dispose.
 */

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

/** A pod, a tenant with a mailbox per internal person, the app's folders, one connector and a RunController over the real stages. */
export interface RealWorld {
  pod: TestPod;
  symphony: SymphonyEmulator;
  graphEmulator: GraphEmulator;
  store: Store;
  connector: Connector;
  controller: RunController;
  /** Lowercased e-mail → UPN of the pod's people who have a mailbox. */
  tenant: Map<string, string>;
  paths: AppPaths;
}

/**
 * The world of the real-stage pipeline tests, in the world's folder as the app's data folder. The
 * Graph emulator's per-mailbox request budget is lifted: the importer's behaviour under Outlook's
 * limits is the import tests' subject, and the budget would make these tests last many minutes.
 */
export async function startRealWorld(world: TestWorld, options: RealWorldOptions): Promise<RealWorld> {
  const pod = await world.pod(options.symphony);
  const tenant = await world.tenant({ ...options.graph?.emulator, limits: { requestsPerWindow: 10_000_000, ...options.graph?.emulator?.limits } });
  const mailboxes = addPodMailboxes(tenant.emulator, pod.emulator, { has: options.hasMailbox });
  const paths = ensureAppPaths(appPaths(world.dir));
  const store = world.store(paths.database);
  const connectors = new ConnectorRepository(store);
  const created = world.connector(store, { pod, tenant });
  const connector = options.settings ? connectors.update(created.id, { settings: options.settings(created.settings) }) : created;
  const getToken = options.graph?.getToken?.(tenant.emulator);
  const graph = await world.graphClient(tenant, {
    ...(getToken ? { getToken } : {}),
    limits: { requestsPerWindow: 10_000_000 },
    requestTimeoutMs: options.graph?.requestTimeoutMs ?? 30_000,
    settleMarginMs: options.graph?.settleMarginMs,
    retry: options.graph?.retry,
  });
  // As the app wires it (runs/wire.ts): directory look-ups retried with deliveries' policy.
  const mapping = new MappingService({ store, connectors, directoryFor: () => new GraphDirectory(graphClientRequester(() => graph, (client) => graphRetryPolicy(client.retry))), ...options.mapping });
  const real = createRealStages({ store, paths, logger: silentLogger, clock: systemClock, mapping, graphFor: () => graph }, connector);
  const stages = options.wrapStages ? options.wrapStages(real) : real;
  const controller = new RunController({ store, clock: systemClock, logger: silentLogger, connector: (id) => connectors.get(id), stagesFor: () => stages, pipeline: options.pipeline });
  world.defer(() => controller.dispose());
  return { pod, symphony: pod.emulator, graphEmulator: tenant.emulator, store, connector, controller, tenant: mailboxes, paths };
}

export interface ImportWorldOptions {
  /** How many numbered mailboxes (`user000@corp.example`…) the tenant has. */
  mailboxes: number;
  emulator?: GraphEmulatorOptions;
  limits?: Partial<ThrottleLimits>;
  requestTimeoutMs?: number;
  /** The client's settle margin (how long after an abandoned request Graph may still apply it). */
  settleMarginMs?: number;
  markAsRead?: boolean;
  /** The store's file, relative to the world's folder unless absolute (several stores in one world). */
  storeFile?: string;
}

/** The importer's world: a tenant, a store with one connector (`test`) writing to it, and a Graph client. */
export interface ImportWorld {
  tenant: TestTenant;
  store: Store;
  connector: Connector;
  emulator: GraphEmulator;
  graph: GraphClient;
  throttle: MailboxThrottle;
  mailboxes: string[];
}

export async function startImportWorld(world: TestWorld, options: ImportWorldOptions): Promise<ImportWorld> {
  const tenant = await world.tenant({ ...options.emulator, mailboxes: options.mailboxes });
  const store = world.store(options.storeFile);
  const connector = world.connector(store, { name: 'test', reuse: true, tenant, microsoft: { authMode: 'certificate', markAsRead: options.markAsRead ?? true } });
  const throttle = new MailboxThrottle({ ...outlookLimits, ...options.limits });
  const graph = await world.graphClient(tenant, { throttle, requestTimeoutMs: options.requestTimeoutMs ?? 30_000, settleMarginMs: options.settleMarginMs ?? 300 });
  return { tenant, store, connector, emulator: tenant.emulator, graph, throttle, mailboxes: tenant.mailboxes };
}

/** A capture's own archive in a sub-folder of the world: a store, a connector reading the pod, a spool folder. */
export interface CaptureArchive {
  store: Store;
  connector: Connector;
  spool: string;
}

/** Several archives of one pod side by side (a clean capture beside a faulty one, one per source…). */
export function openCaptureArchive(world: TestWorld, name: string, pod: Pick<TestPod, 'url' | 'keyPath'>, source?: SymphonySource): CaptureArchive {
  const store = world.store(path.join(name, 'archiver.db'));
  return { store, connector: world.connector(store, { pod, source }), spool: world.path(name, 'spool') };
}

/** One capture into the archive through the connector's current source (its settings read afresh). */
export function captureInto(archive: CaptureArchive, tuning?: CaptureOptions['tuning']): Promise<SourceSummary> {
  const connector = new ConnectorRepository(archive.store).get(archive.connector.id);
  return captureBySource({ store: archive.store, connector, paths: { spool: archive.spool }, logger: silentLogger, tuning });
}
