import path from 'node:path';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { ArchiverError, errorText } from '../../../shared/errors';
import { reasonWords, type Connector, type OutcomeReason, type RunStatus, type RunTrigger } from '../../../shared/contract';
import type { Clock } from '../platform/clock';
import type { Disposable } from '../platform/disposable';
import type { EventBus } from '../platform/events';
import type { Logger } from '../platform/logger';
import { failureReason, storageProblem } from '../platform/storage-errors';
import type { Store } from '../store/database';
import { LockRepository, type LockHolder } from '../store/repos/locks';
import { RunRepository } from '../store/repos/runs';
import { SettingsRepository } from '../store/repos/settings';
import { RUN_SETTINGS } from './settings';
import { Pipeline, type PipelineOptions, type PipelineResult } from './pipeline';
import type { Stages } from './stages';

export interface RunnerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  events?: EventBus;
  connector(id: string): Connector;
  stagesFor(connector: Connector): Stages | Promise<Stages>;
  pipeline?: PipelineOptions;
  /** A lock whose heartbeat is older than this is taken over (default 2 minutes). */
  lockStaleMs?: number;
  heartbeatMs?: number;
  /** Identifies this process's runner in the lock table; unique per instance. */
  owner?: string;
}

export interface RunOutcome {
  runId: number;
  connectorId: string;
  status: Exclude<RunStatus, 'running'>;
  result: PipelineResult | null;
  /** Why the run stopped short (rendered by `reasonWords`); null when it did not. */
  error: OutcomeReason | null;
}

interface Active {
  runId: number;
  abort: AbortController;
  done: Promise<RunOutcome>;
}

export const runLockName = (connectorId: string) => `run:${connectorId}`;

/**
 * Starts runs: one per connector at a time across processes (a lock row with pid and heartbeat),
 * records the run row from start to finish, and cancels through an AbortSignal.
 */
export class RunController implements Disposable {
  readonly owner: string;
  private readonly runs: RunRepository;
  private readonly locks: LockRepository;
  private readonly active = new Map<string, Active>();
  /** A lock whose heartbeat is older than this is taken over. */
  readonly staleMs: number;
  private readonly heartbeatMs: number;

  constructor(private readonly deps: RunnerDeps) {
    this.owner = deps.owner ?? `${os.hostname()}:${process.pid}:${randomUUID()}`;
    this.runs = new RunRepository(deps.store);
    this.locks = new LockRepository(deps.store);
    this.staleMs = deps.lockStaleMs ?? 120_000;
    this.heartbeatMs = deps.heartbeatMs ?? Math.min(30_000, Math.floor(this.staleMs / 4));
  }

  isRunning(connectorId: string): boolean {
    return this.active.has(connectorId);
  }

  current(connectorId: string): number | undefined {
    return this.active.get(connectorId)?.runId;
  }

  /** Starts a run and returns at once; `done` settles when it finishes (it never rejects). */
  async start(connectorId: string, trigger: RunTrigger, options: { slotMs?: number | null } = {}): Promise<{ runId: number; done: Promise<RunOutcome> }> {
    const existing = this.active.get(connectorId);
    if (existing) throw busy(`A run of this connector (run ${existing.runId}) is already going on.`);
    const connector = this.deps.connector(connectorId);
    const lockName = runLockName(connectorId);
    const lock = this.locks.acquire(lockName, this.owner, this.deps.clock.now(), this.staleMs, isAlive);
    if (!lock.acquired) throw busy(`A run of this connector is already going on in another process (pid ${lock.holder.pid} on ${lock.holder.hostname}).`);
    const logger = this.deps.logger.scope('runs');
    if (lock.tookOverFrom) logger.warn(`took over the run lock of ${connector.name} from ${lock.tookOverFrom.owner}`);
    let stages: Stages;
    try {
      stages = await this.deps.stagesFor(connector);
    } catch (error) {
      this.locks.release(lockName, this.owner);
      throw error;
    }
    const interrupted = this.runs.markInterrupted(connectorId, this.owner, this.deps.clock.now());
    if (interrupted > 0) logger.warn(`${interrupted} earlier run(s) of ${connector.name} were interrupted; this run resumes their work`);
    const run = this.runs.create({ connectorId, trigger, owner: this.owner, nowMs: this.deps.clock.now(), slotMs: options.slotMs ?? null });
    const abort = new AbortController();
    this.deps.events?.emit('runs.changed', { runId: run.id, connectorId, status: 'running' });
    logger.info(`run ${run.id} of ${connector.name} started (${trigger})`);

    const heartbeat = this.startHeartbeat(lockName, abort);
    const pipeline = new Pipeline({ store: this.deps.store, stages, clock: this.deps.clock, logger: this.deps.logger, options: this.pipelineOptions() });
    const done = (async (): Promise<RunOutcome> => {
      let outcome: RunOutcome;
      try {
        const result = await pipeline.run(run, connector, abort.signal, (p) => this.deps.events?.emit('runs.progress', p));
        outcome = { runId: run.id, connectorId, status: result.status, result, error: result.error };
      } catch (error) {
        const storage = storageProblem(error, path.dirname(this.deps.store.file));
        if (storage) logger.error(`run ${run.id} failed: ${storage.message} ${storage.fix}`);
        else logger.error(`run ${run.id} failed outside its stages`, error);
        outcome = { runId: run.id, connectorId, status: 'failed', result: null, error: failureReason(error, path.dirname(this.deps.store.file)) };
      }
      // `done` never rejects: when even the run's last writes fail (the disk is full), the run row
      // stays `running` and the next run marks it interrupted and takes its items over.
      try {
        this.runs.finish(run.id, { status: outcome.status, nowMs: this.deps.clock.now(), error: outcome.error, reconciliation: outcome.result?.reconciliation ?? null });
      } catch (error) {
        const storage = storageProblem(error, path.dirname(this.deps.store.file));
        logger.error(`run ${run.id}: its outcome could not be recorded: ${storage ? storage.message : errorText(error)}`);
        if (outcome.status === 'succeeded') outcome = { ...outcome, status: 'failed', error: failureReason(error, path.dirname(this.deps.store.file)) };
      } finally {
        heartbeat.cancel();
        try {
          this.locks.release(lockName, this.owner);
        } catch {
          // Left behind, the lock names this process; once it is gone the next run takes it over.
        }
        this.active.delete(connectorId);
      }
      logger.info(`run ${run.id} of ${connector.name} ${outcome.status}${outcome.error ? `: ${reasonWords(outcome.error, { detail: true })}` : ''}`);
      this.deps.events?.emit('runs.changed', { runId: run.id, connectorId, status: outcome.status });
      return outcome;
    })();
    this.active.set(connectorId, { runId: run.id, abort, done });
    return { runId: run.id, done };
  }

  cancel(connectorId: string): boolean {
    const active = this.active.get(connectorId);
    if (!active) return false;
    active.abort.abort(new Error('cancelled by the officer'));
    return true;
  }

  async dispose(): Promise<void> {
    const running = [...this.active.values()];
    for (const active of running) active.abort.abort(new Error('the app is closing'));
    await Promise.all(running.map((a) => a.done));
  }

  private pipelineOptions(): PipelineOptions {
    return { maxAttempts: new SettingsRepository(this.deps.store).get(RUN_SETTINGS).maxAttempts, ...this.deps.pipeline };
  }

  /** Keeps the lock fresh; when another process took it over, this run stops at once. */
  private startHeartbeat(lockName: string, abort: AbortController): { cancel(): void } {
    let timer: { cancel(): void } | undefined;
    let stopped = false;
    const beat = () => {
      if (stopped) return;
      if (!this.locks.heartbeat(lockName, this.owner, this.deps.clock.now())) {
        this.deps.logger.scope('runs').error(`lost the run lock ${lockName}; stopping this run`);
        abort.abort(new Error('lost the run lock'));
        return;
      }
      timer = this.deps.clock.setTimeout(beat, this.heartbeatMs);
    };
    timer = this.deps.clock.setTimeout(beat, this.heartbeatMs);
    return {
      cancel: () => {
        stopped = true;
        timer?.cancel();
      },
    };
  }
}

/** A holder on this machine is alive while its process exists; elsewhere only the heartbeat tells. */
export function isAlive(holder: LockHolder): boolean {
  if (holder.hostname !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function busy(message: string): ArchiverError {
  return new ArchiverError({ code: 'busy', message, fix: 'Wait for it to finish, or cancel it first.' });
}
