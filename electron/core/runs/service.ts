import type { Connector } from '../../../shared/contract';
import type { Clock } from '../platform/clock';
import type { Disposable } from '../platform/disposable';
import type { EventBus } from '../platform/events';
import type { Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { RunRepository } from '../store/repos/runs';
import type { PipelineOptions } from './pipeline';
import { purgeExpired, type PurgeResult } from './retention';
import { RunController, type RunOutcome } from './runner';
import { Scheduler } from './scheduler';
import type { Stages } from './stages';

export interface RunServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  paths: AppPaths;
  events?: EventBus;
  connectors: ConnectorRepository;
  stagesFor(connector: Connector): Stages | Promise<Stages>;
  pipeline?: PipelineOptions;
  tickMs?: number;
  jitterMs?: number;
  onRunFinished?(outcome: RunOutcome): void;
}

const DAY = 86_400_000;

/** What the Core owns for runs: one RunController, one Scheduler (started on request) and the daily purge. */
export class RunService implements Disposable {
  readonly controller: RunController;
  readonly scheduler: Scheduler;
  readonly runs: RunRepository;
  private purgeTimer: { cancel(): void } | undefined;

  constructor(private readonly deps: RunServiceDeps) {
    const logger = deps.logger.scope('runs');
    this.runs = new RunRepository(deps.store);
    this.controller = new RunController({
      store: deps.store,
      clock: deps.clock,
      logger: deps.logger,
      events: deps.events,
      connector: (id) => deps.connectors.get(id),
      stagesFor: deps.stagesFor,
      pipeline: deps.pipeline,
    });
    this.scheduler = new Scheduler({
      store: deps.store,
      clock: deps.clock,
      logger,
      controller: this.controller,
      connectors: () => deps.connectors.list(),
      tickMs: deps.tickMs,
      jitterMs: deps.jitterMs,
      onRunFinished: deps.onRunFinished,
    });
  }

  /** Starts the schedule and a purge once a day. */
  startScheduler(): void {
    this.scheduler.start();
    const daily = () => {
      void this.purge().catch((error) => this.deps.logger.warn('retention purge failed', error));
      this.purgeTimer = this.deps.clock.setTimeout(daily, DAY);
    };
    this.purgeTimer = this.deps.clock.setTimeout(daily, 60_000);
  }

  purge(): Promise<PurgeResult> {
    return purgeExpired({
      store: this.deps.store,
      connectors: this.deps.connectors.list(),
      captureFor: async (connector) => (await this.deps.stagesFor(connector)).capture,
      retentionDays: this.runs.settings().retentionDays,
      nowMs: this.deps.clock.now(),
      logger: this.deps.logger.scope('retention'),
    });
  }

  async dispose(): Promise<void> {
    this.purgeTimer?.cancel();
    await this.scheduler.dispose();
  }
}
