import { runReasonCodes, type Connector, type ConnectorRunStatus, type RunStatus, type RunTrigger, type ScheduleSettings } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';
import type { Clock } from '../platform/clock';
import type { Disposable } from '../platform/disposable';
import type { Logger } from '../platform/logger';
import type { Store } from '../store/database';
import { LockRepository } from '../store/repos/locks';
import { RunRepository, toSummary, type RunRecord } from '../store/repos/runs';
import { ScheduleStateRepository } from '../store/repos/schedule-state';
import { isAlive, runLockName, type RunController, type RunOutcome } from './runner';

/** Every run counts as the connector's last run for its schedule, a running one included. */
const RUN_STATUSES: RunStatus[] = ['succeeded', 'completed-with-problems', 'failed', 'cancelled', 'interrupted', 'running', 'needs-sign-in'];
import { dueRun, nextSlot, startAt, type DueRun, type Slot, type SlotInput } from './schedule';

export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  controller: RunController;
  /** Every live connector (disabled ones are listed but never scheduled). */
  connectors(): Connector[];
  /** How often the scheduler looks at the time (default 30 s). */
  tickMs?: number;
  /** Largest per-connector start offset (default 5 minutes). */
  jitterMs?: number;
  onRunFinished?(outcome: RunOutcome): void;
}

/**
 * Starts each connector's runs on its schedule. Instead of one long timer per connector it looks
 * at the clock every tick: a tick that comes much later than expected means the machine slept,
 * and a run whose time passed meanwhile (or while the app was closed) is caught up at once.
 * Timing goes through the Clock only, so tests drive it with a ManualClock.
 */
export class Scheduler implements Disposable {
  private readonly runs: RunRepository;
  private readonly scheduleState: ScheduleStateRepository;
  private readonly locks: LockRepository;
  private readonly tickMs: number;
  private readonly jitterMs: number;
  private timer: { cancel(): void } | undefined;
  private expectedTickMs = 0;
  private started = false;
  private readonly pending = new Set<Promise<RunOutcome>>();
  private ticking = false;
  /** Connectors whose scheduled start failed (not configured): not retried before this time. */
  private readonly backoff = new Map<string, number>();

  constructor(private readonly deps: SchedulerDeps) {
    this.runs = new RunRepository(deps.store);
    this.scheduleState = new ScheduleStateRepository(deps.store);
    this.locks = new LockRepository(deps.store);
    this.tickMs = deps.tickMs ?? 30_000;
    this.jitterMs = deps.jitterMs ?? 5 * 60_000;
  }

  /** Starts ticking; the first tick (now) catches up runs missed while the app was closed. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.deps.logger.info('scheduler started');
    void this.tick(true);
  }

  stop(): void {
    this.started = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The Electron shell calls this from powerMonitor's `resume`; the tick would notice anyway. */
  onResume(): void {
    if (!this.started) return;
    this.deps.logger.info('machine resumed; checking for missed runs');
    this.timer?.cancel();
    void this.tick(true);
  }

  async runNow(connectorId: string, trigger: RunTrigger = 'manual'): Promise<{ runId: number; done: Promise<RunOutcome> }> {
    return this.launch(connectorId, trigger, null);
  }

  private async launch(connectorId: string, trigger: RunTrigger, slotMs: number | null): Promise<{ runId: number; done: Promise<RunOutcome> }> {
    const started = await this.deps.controller.start(connectorId, trigger, { slotMs });
    this.track(started.done);
    return started;
  }

  cancel(connectorId: string): boolean {
    return this.deps.controller.cancel(connectorId);
  }

  pause(connectorId: string): ConnectorRunStatus {
    this.scheduleState.setPaused(this.connector(connectorId).id, true, this.deps.clock.now());
    return this.statusOf(this.connector(connectorId));
  }

  resume(connectorId: string): ConnectorRunStatus {
    this.scheduleState.setPaused(this.connector(connectorId).id, false, this.deps.clock.now());
    return this.statusOf(this.connector(connectorId));
  }

  /** When the connector's next scheduled run starts (null: not scheduled). */
  nextRunAt(connector: Connector): number | null {
    const slot = this.slotOf(connector);
    return slot && startAt(connector.settings.schedule, slot.dueMs, this.deps.clock.now());
  }

  /** The connector's next slot: a pure function of its schedule, its last run and its jitter (schedule.ts). */
  private slotOf(connector: Connector): Slot | null {
    const input = this.slotInput(connector);
    try {
      return input && nextSlot(input);
    } catch {
      // An invalid cron expression: the connector's settings say so; nothing is scheduled.
      return null;
    }
  }

  private dueNow(connector: Connector, nowMs: number, catchUp: boolean): DueRun | null {
    const input = this.slotInput(connector);
    try {
      return input && dueRun({ ...input, nowMs, catchUp, lateAfterMs: 2 * this.tickMs });
    } catch {
      return null;
    }
  }

  private slotInput(connector: Connector): SlotInput | null {
    const schedule = connector.settings.schedule;
    if (!connector.enabled || !schedule.enabled || this.scheduleState.isPaused(connector.id)) return null;
    const last = this.runs.last(connector.id, RUN_STATUSES) ?? null;
    return { schedule, last, anchorMs: Date.parse(connector.createdAt), connectorId: connector.id, maxJitterMs: this.jitterMs };
  }

  /**
   * The next `count` start times of a schedule, by the scheduler's own arithmetic (nextSlot,
   * startAt): for a connector with its last run, creation time and jitter, so the first one is
   * its `nextRunAt` in runs.status; for a connector not created yet (the setup wizard) as if it
   * were created now. Each following slot is computed as if the one before had started on time.
   */
  preview(schedule: ScheduleSettings, connectorId: string | null, count: number): number[] {
    const connector = connectorId ? this.connector(connectorId) : undefined;
    const now = this.deps.clock.now();
    const base = {
      schedule,
      anchorMs: connector ? Date.parse(connector.createdAt) : now,
      connectorId: connector?.id ?? 'draft',
      maxJitterMs: connector ? this.jitterMs : 0,
    };
    let last: SlotInput['last'] = connector ? (this.runs.last(connector.id, RUN_STATUSES) ?? null) : null;
    const times: number[] = [];
    while (times.length < count) {
      const slot = nextSlot({ ...base, last });
      if (slot === null) break;
      const at = startAt(schedule, slot.dueMs, times.length === 0 ? now : slot.dueMs);
      times.push(at);
      last = { startedMs: at, slotMs: slot.slotMs };
    }
    return times;
  }

  status(): ConnectorRunStatus[] {
    return this.deps.connectors().map((c) => this.statusOf(c));
  }

  /** Resolves when every run this scheduler started has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async dispose(): Promise<void> {
    this.stop();
    await this.deps.controller.dispose();
    await this.idle();
  }

  private statusOf(connector: Connector): ConnectorRunStatus {
    let running = this.runs.running(connector.id);
    let last = this.runs.last(connector.id);
    const orphan = running && this.orphaned(connector.id, running);
    if (running && orphan) {
      // Its process is gone (a crash, a kill): say so now rather than "running" until another
      // run takes the lock and marks it. Nothing is written: status only reads.
      last = { ...running, status: 'interrupted', error: { code: runReasonCodes.interrupted, message: orphan, fix: 'The next run resumes its work.' } };
      running = undefined;
    }
    const next = this.nextRunAt(connector);
    return {
      connectorId: connector.id,
      name: connector.name,
      paused: this.scheduleState.isPaused(connector.id),
      scheduleEnabled: connector.enabled && connector.settings.schedule.enabled,
      current: running ? toSummary(running) : null,
      last: last ? toSummary(last) : null,
      nextRunAt: next === null ? null : new Date(next).toISOString(),
    };
  }

  /** Why a run marked running has no live owner (null: it has one). */
  private orphaned(connectorId: string, run: RunRecord): string | null {
    if (this.deps.controller.current(connectorId) === run.id) return null;
    const holder = this.locks.holder(runLockName(connectorId));
    if (!holder || holder.owner !== run.owner) return 'The process running it stopped (it no longer holds the run lock).';
    if (!isAlive(holder)) return `The process running it (pid ${holder.pid} on ${holder.hostname}) no longer exists.`;
    if (this.deps.clock.now() - holder.heartbeatMs > this.deps.controller.staleMs) return `The process running it (pid ${holder.pid} on ${holder.hostname}) has not reported for ${Math.round((this.deps.clock.now() - holder.heartbeatMs) / 60_000)} minutes.`;
    return null;
  }

  private connector(id: string): Connector {
    const connector = this.deps.connectors().find((c) => c.id === id);
    if (!connector) throw new ArchiverError({ code: 'not-found', message: `No connector with id ${id}.`, target: id });
    return connector;
  }

  private async tick(catchUp: boolean): Promise<void> {
    if (!this.started || this.ticking) return;
    this.ticking = true;
    const now = this.deps.clock.now();
    try {
      // A tick far later than planned: the process was suspended (sleep, hibernation).
      const jumped = this.expectedTickMs > 0 && now - this.expectedTickMs > Math.max(2 * this.tickMs, 60_000);
      if (jumped) this.deps.logger.info(`clock jumped ${Math.round((now - this.expectedTickMs) / 1000)} s ahead; catching up missed runs`);
      for (const connector of this.deps.connectors()) {
        if (this.deps.controller.isRunning(connector.id)) continue;
        const due = this.dueNow(connector, now, catchUp || jumped);
        if (due === null) continue;
        if ((this.backoff.get(connector.id) ?? 0) > now) continue;
        const trigger: RunTrigger = due.late ? 'catch-up' : 'schedule';
        try {
          // A late run stands for every slot it missed: the next one is after now.
          await this.launch(connector.id, trigger, due.coveredMs);
        } catch (error) {
          // Busy (another process runs it) or not configured: the next tick looks again.
          if (!(ArchiverError.is(error) && error.code === 'busy')) {
            this.deps.logger.warn(`scheduled run of ${connector.name} did not start`, error);
            this.backoff.set(connector.id, now + 15 * 60_000);
          }
        }
      }
    } finally {
      this.ticking = false;
      if (this.started) {
        this.expectedTickMs = now + this.tickMs;
        this.timer = this.deps.clock.setTimeout(() => void this.tick(false), this.tickMs);
      }
    }
  }

  private track(done: Promise<RunOutcome>): void {
    const tracked = done.then((outcome) => {
      this.pending.delete(tracked);
      this.deps.onRunFinished?.(outcome);
      return outcome;
    });
    this.pending.add(tracked);
  }
}
