import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AppInfo } from '../../../shared/contract';
import { systemClock, type Clock } from '../platform/clock';
import { DisposableStore, type Disposable } from '../platform/disposable';
import { EventBus } from '../platform/events';
import { createLogger, type Logger } from '../platform/logger';
import { appPaths, describeTightened, secureDataDir, type AppPaths } from '../platform/paths';
import { Store } from '../store/database';
import { ConnectorRepository } from '../store/repos/connectors';
import { captureHandlers } from '../symphony/handlers';
import { contentExportHandlers } from '../symphony/content-export/handlers';
import { mappingHandlers } from '../mapping/handlers';
import { UploadStore } from '../platform/uploads';
import { convertHandlers } from '../convert/handlers';
import { Dispatcher, type PartialHandlers } from './dispatcher';
import { APP_VERSION } from './version';
import { claimDataFolder } from './folder-kind';
import { tailLog } from './log-tail';
import { createRunService } from '../runs/wire';
import { runHandlers } from '../runs/handlers';
import type { RunService } from '../runs/service';
import { GraphAccess, importHandlers } from '../graph/handlers';
import type { OpenBrowser } from '../graph/auth/msal';
import type { SecretCipher } from '../platform/secrets';
import { deliverHandlers } from '../deliver/handlers';
import { boundHeapGrowth } from '../platform/heap';

export interface CoreOptions {
  /** Runs the connectors' schedules (hosts that serve as the archiver: the app, `run` without --once). */
  startScheduler?: boolean;
  dataDir: string;
  host: AppInfo['host'];
  logger?: Logger;
  clock?: Clock;
  /** Shows Microsoft's sign-in page: Electron opens the system browser, the browser host a link. */
  openBrowser?: OpenBrowser;
  /** Seals token caches; Electron passes its safeStorage cipher, other hosts use the key file. */
  secretCipher?: SecretCipher;
  /** A sandbox core (`npm run demo`): its folder is marked and never mixed with a real archive's. */
  sandbox?: boolean;
  /** Calls a host adds (the sandbox's `sandbox.*`), given the core once it is built. */
  hostHandlers?: (core: Core) => PartialHandlers;
}

/**
 * The archiver without any UI: the store, the services and the contract handlers, wired in this
 * one place. Every host (Electron, the browser host, the headless command, tests) creates one.
 */
export class Core implements Disposable {
  readonly paths: AppPaths;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Identifies this start of the core (see appInfoSchema.instanceId). */
  readonly instanceId = randomUUID();
  readonly sandbox: boolean;
  readonly events = new EventBus();
  readonly store: Store;
  readonly connectors: ConnectorRepository;
  readonly dispatcher: Dispatcher;
  readonly runs: RunService;
  /** Microsoft 365 sign-in and Graph clients per connector (import, issue 5). */
  readonly graph: GraphAccess;
  /** Files the officer hands over (CSV imports), streamed to <dataDir>/uploads by the host. */
  readonly uploads: UploadStore;
  private readonly disposables = new DisposableStore();

  constructor(options: CoreOptions) {
    // Memory flat in the size of the day: garbage is collected at 1.5× the live data (platform/heap.ts).
    boundHeapGrowth();
    this.paths = appPaths(options.dataDir);
    claimDataFolder(this.paths, options.sandbox ?? false);
    this.sandbox = options.sandbox ?? false;
    const tightened = secureDataDir(this.paths);
    this.logger = options.logger ?? createLogger({ dir: this.paths.logs, console: false });
    const widePermissions = describeTightened(tightened);
    if (widePermissions) this.logger.warn(widePermissions);
    this.clock = options.clock ?? systemClock;
    this.store = this.disposables.add(Store.open(this.paths.database, { logger: this.logger }));
    this.connectors = new ConnectorRepository(this.store);
    this.uploads = this.disposables.add(new UploadStore(this.paths.uploads));
    // import (issue 5): sign-in and Graph clients per connector; runs get theirs from this.graph.clientFor
    this.graph = new GraphAccess({ connectors: this.connectors, paths: this.paths, logger: this.logger, openBrowser: options.openBrowser, cipher: options.secretCipher });
    // runs (issue 7): the one RunController + Scheduler of this process
    this.runs = this.disposables.add(createRunService({ store: this.store, clock: this.clock, logger: this.logger, paths: this.paths, events: this.events, connectors: this.connectors, graphFor: (c) => this.graph.clientFor(c) }));
    this.dispatcher = new Dispatcher({ ...this.handlers(options.host), ...options.hostHandlers?.(this) }, this.logger.scope('contract'));
    if (options.startScheduler) this.runs.startScheduler();
    this.logger.info(`core started (${options.host}) with data in ${this.paths.dataDir}`);
  }

  private handlers(host: AppInfo['host']): PartialHandlers {
    return {
      'app.info': () => ({
        name: 'Symphony Archiver',
        version: APP_VERSION,
        host,
        dataDir: this.paths.dataDir,
        logsDir: this.paths.logs,
        schemaVersion: this.store.schemaVersion,
        instanceId: this.instanceId,
        sandbox: this.sandbox,
      }),
      'app.logUiError': ({ where, message, stack }) => {
        this.logger.error(`UI error in ${where}: ${message}`, stack ?? '');
        return { logged: true };
      },
      'app.backup': async ({ destination }) => {
        const target = destination ?? path.join(this.paths.backups, `archiver-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}.db`);
        if (fs.existsSync(target)) fs.rmSync(target);
        return this.store.backup(target);
      },
      'app.logTail': ({ lines }) => tailLog(this.paths.logs, lines),
      'connectors.list': () => this.connectors.list(),
      'connectors.get': ({ id }) => this.connectors.get(id),
      'connectors.create': ({ name, enabled, settings }) => this.notifyConnector(this.connectors.create(name, settings ?? {}, undefined, { enabled })),
      'connectors.update': ({ id, ...patch }) => this.notifyConnector(this.connectors.update(id, patch)),
      // capture (issue 3): test connection, captured conversations
      ...captureHandlers({ store: this.store, connectors: this.connectors, logger: this.logger, clock: this.clock }),
      // Content Export source (issue 10): connection test
      ...contentExportHandlers({ store: this.store, connectors: this.connectors }),
      // mapping (issue 6): participants, custom rows, CSV import/export, unmapped report
      ...mappingHandlers({ store: this.store, connectors: this.connectors, events: this.events, clock: this.clock, uploads: this.uploads }),
      // convert (issue 4): preview of the e-mail an item becomes
      ...convertHandlers({ store: this.store, connectors: this.connectors }),
      // import (issue 5): Microsoft 365 sign-in, mailbox permission checks
      ...importHandlers({ store: this.store, connectors: this.connectors, paths: this.paths, logger: this.logger, access: this.graph }),
      // import methods (issue 17): Check import, the probe of each method on the tenant
      ...deliverHandlers({ store: this.store, connectors: this.connectors, clock: this.clock, scratchDir: path.join(this.paths.spool, '_deliver'), graphFor: (c) => this.graph.clientFor(c) }),
      // runs (issue 7): runs, schedule, reconciliation, item log, log download
      ...runHandlers({ store: this.store, clock: this.clock, paths: this.paths, connectors: this.connectors, service: this.runs }),
      'connectors.delete': ({ id }) => {
        const deleted = this.connectors.delete(id);
        if (deleted) this.events.emit('connectors.changed', { id });
        return { deleted };
      },
    };
  }

  private notifyConnector<T extends { id: string }>(connector: T): T {
    this.events.emit('connectors.changed', { id: connector.id });
    return connector;
  }

  async dispose(): Promise<void> {
    this.logger.info('core stopping');
    await this.disposables.dispose();
  }
}
