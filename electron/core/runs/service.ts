import type { BlockedMailbox, Connector, MailboxCheck } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';
import { DeliveryRepository } from '../store/repos/deliveries';
import type { Clock } from '../platform/clock';
import type { Disposable } from '../platform/disposable';
import type { EventBus } from '../platform/events';
import type { Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import type { ConnectorRepository } from '../store/repos/connectors';
import { RunRepository } from '../store/repos/runs';
import { SettingsRepository } from '../store/repos/settings';
import { RUN_SETTINGS } from './settings';
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
  /** Asks Microsoft 365 whether a mailbox can be written now (graph/permissions.ts over the connector's client). */
  checkMailbox?(connector: Connector, mailbox: string): Promise<MailboxCheck>;
}

export interface ResendResult {
  checks: Array<{ mailbox: string; ok: boolean; message?: string }>;
  released: number;
  runId: number | null;
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
      retentionDays: new SettingsRepository(this.deps.store).get(RUN_SETTINGS).retentionDays,
      nowMs: this.deps.clock.now(),
      logger: this.deps.logger.scope('retention'),
    });
  }

  /** Mailboxes that cannot be written, with their waiting deliveries, the reason and the fix. */
  blocked(connectorId: string): BlockedMailbox[] {
    return new DeliveryRepository(this.deps.store).blockedMailboxes(connectorId).map(({ since: _since, ...b }) => b);
  }

  /**
   * The officer's *Re-check and resend*: asks Microsoft 365 about each blocked mailbox (all, or
   * the given ones) now. Those that can be written get their blocked deliveries back in the queue
   * and a run starts to deliver them (the run's import would also re-check on its own); the others
   * stay blocked with the latest reason. A run already going on delivers the released backlog too.
   */
  async resendBlocked(connectorId: string, mailboxes?: readonly string[]): Promise<ResendResult> {
    return (await this.recheckAndResend(connectorId, mailboxes)).result;
  }

  /** `resendBlocked`, also handing back the started run's completion (the CLI waits for it). */
  async recheckAndResend(connectorId: string, mailboxes?: readonly string[]): Promise<{ result: ResendResult; done: Promise<RunOutcome> | null }> {
    const connector = this.deps.connectors.get(connectorId);
    const repo = new DeliveryRepository(this.deps.store);
    const wanted = mailboxes ? new Set(mailboxes.map((m) => m.trim().toLowerCase())) : undefined;
    const blocked = repo.blockedMailboxes(connectorId).filter((b) => !wanted || wanted.has(b.mailbox));
    if (wanted && blocked.length === 0) {
      throw new ArchiverError({ code: 'not-found', message: `None of ${[...wanted].join(', ')} has blocked deliveries.`, fix: 'Refresh the list of blocked mailboxes.', target: 'mailboxes' });
    }
    const check = this.deps.checkMailbox;
    if (!check) throw new ArchiverError({ code: 'internal', message: 'This host cannot reach Microsoft 365 to re-check mailboxes.', fix: 'Sign in to Microsoft 365 in the connector settings first.' });
    const checks: ResendResult['checks'] = [];
    let released = 0;
    for (const b of blocked) {
      const result = await check(connector, b.mailbox);
      checks.push({ mailbox: b.mailbox, ok: result.ok, ...(result.message ? { message: result.message } : {}) });
      if (result.ok) released += repo.unblockMailbox(connectorId, b.mailbox, new Date(this.deps.clock.now()));
      else if (result.reason && result.reason !== 'unreachable') repo.reblockMailbox(connectorId, b.mailbox, result.reason, result.message ?? b.message, new Date(this.deps.clock.now()));
    }
    let runId: number | null = null;
    let done: Promise<RunOutcome> | null = null;
    if (released > 0) {
      // A run already going on picks the released deliveries up in its import (or the next one does).
      runId = this.controller.current(connectorId) ?? null;
      if (runId === null) ({ runId, done } = await this.scheduler.runNow(connectorId, 'manual'));
    }
    this.deps.logger.scope('runs').info(`re-check of ${blocked.length} blocked mailbox(es) of ${connector.name}: ${released} deliveries released${runId ? `, run ${runId} delivers them` : ''}`);
    return { result: { checks, released, runId }, done };
  }

  async dispose(): Promise<void> {
    this.purgeTimer?.cancel();
    await this.scheduler.dispose();
  }
}
