import path from 'node:path';
import { ArchiverError } from '../../../shared/errors';
import { EXCHANGE_MAX_MESSAGE_BYTES } from '../model/limits';
import { watchRetries } from '../platform/retry';
import { failureReason, storageProblem } from '../platform/storage-errors';
import { reasonWords, runReasonCodes, type Connector, type OutcomeReason, type Reconciliation, type RunProgress, type RunStage } from '../../../shared/contract';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Store } from '../store/database';
import { ItemLogRepository } from '../store/repos/item-log';
import { MapCursorRepository } from '../store/repos/map-cursor';
import { MappingRepository } from '../store/repos/mapping';
import { RunRepository, type RunRecord } from '../store/repos/runs';
import { Planner, type PlanCounters } from './plan';
import { ProgressTracker } from './progress';
import { hasProblems, reconcileRun } from './reconcile';
import type { StageContext, Stages, WaitReason } from './stages';

export interface PipelineOptions {
  pageSize?: number;
  maxBytes?: number;
  maxAttempts?: number;
}

export interface PipelineDeps {
  store: Store;
  stages: Stages;
  clock: Clock;
  logger: Logger;
  options?: PipelineOptions;
}

export interface PipelineResult {
  /** `needs-sign-in`: the interactive sign-in was lost; the Graph stage stopped and its open deliveries wait. */
  status: 'succeeded' | 'completed-with-problems' | 'failed' | 'cancelled' | 'needs-sign-in';
  reconciliation: Reconciliation;
  /** Why the run stopped short, as a reason (rendered by `reasonWords`); null when it did not. */
  error: OutcomeReason | null;
}

const DEFAULTS = { pageSize: 500, maxBytes: EXCHANGE_MAX_MESSAGE_BYTES, maxAttempts: 5 };

/**
 * One run: capture → convert → map → import → reconcile. Memory stays flat whatever the pod's
 * size: items are paged by id and only one page is held at a time. Every step resumes from the
 * store: capture from its checkpoints, convert/map from the map cursor, import from the ledger,
 * and items an earlier run left unfinished are carried into this run's reconciliation.
 */
export class Pipeline {
  private readonly runs: RunRepository;
  private readonly items: ItemLogRepository;
  private readonly cursor: MapCursorRepository;
  private readonly options: Required<PipelineOptions>;

  constructor(private readonly deps: PipelineDeps) {
    this.runs = new RunRepository(deps.store);
    this.items = new ItemLogRepository(deps.store);
    this.cursor = new MapCursorRepository(deps.store);
    this.options = { ...DEFAULTS, ...deps.options };
  }

  async run(run: RunRecord, connector: Connector, signal: AbortSignal, emit: (progress: RunProgress) => void = () => {}): Promise<PipelineResult> {
    const { clock } = this.deps;
    const logger = this.deps.logger.scope(`run ${run.id}`);
    const tracker = new ProgressTracker(run.id, connector.id, clock, (p) => {
      emit(p);
      this.runs.setProgress(run.id, p.stages);
    });
    const nowIso = () => new Date(clock.now()).toISOString();
    const ctx = (stage: RunStage): StageContext => ({ connector, runId: run.id, signal, clock, logger: logger.scope(stage), progress: (u) => tracker.update(stage, u) });
    // Every retry wait inside a stage (pod, directory, mailboxes) shows in the run's progress.
    const watched = <T>(fn: () => Promise<T>): Promise<T> => watchRetries((notice) => tracker.retried(notice), fn);
    const enter = (stage: RunStage) => {
      throwIfAborted(signal);
      this.runs.setStage(run.id, stage);
      tracker.enter(stage);
    };

    let error: OutcomeReason | null = null;
    let cancelled = false;
    let signInLost = false;
    let importCompleted = false;
    // Interrupted runs have no books: this run answers for their items (docs/runs.md).
    const takenOver = this.takeOverInterrupted(connector.id, run.id);
    if (takenOver.runIds.length > 0) logger.info(`took over ${takenOver.items} item(s) of interrupted run(s) ${takenOver.runIds.join(', ')} into this run's reconciliation`);
    const waiting: Partial<Record<WaitReason, number>> = {};
    const storedBefore = this.deps.stages.capture.count(connector.id, 0, Number.MAX_SAFE_INTEGER);
    try {
      enter('capture');
      await watched(() => this.deps.stages.capture.capture(ctx('capture')));

      enter('convert');
      this.carryOver(connector, run.id, nowIso);
      await watched(() => this.retryFailed(connector, run.id, signal, nowIso));
      await watched(() => this.releaseHeld(connector, run.id, nowIso));
      await watched(() => this.planNew(connector, run, signal, tracker, nowIso, waiting));

      enter('import');
      await watched(() => this.deps.stages.import.run(ctx('import')));
      importCompleted = !signal.aborted;
    } catch (e) {
      if (!signal.aborted) ({ error, signInLost } = this.stopReason(e, logger));
    }
    // Also when capture stopped half-way: what it stored is what it read.
    const read = this.deps.stages.capture.count(connector.id, 0, Number.MAX_SAFE_INTEGER) - storedBefore;
    if (signal.aborted) {
      // A stage may return early on abort instead of throwing; either way the run is cancelled.
      cancelled = true;
      error = { code: runReasonCodes.cancelled, message: `Cancelled: ${signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'by request')}.` };
    }

    // Reconcile even after a failure: the officer sees exactly where every item stands.
    this.runs.setStage(run.id, 'reconcile');
    tracker.enter('reconcile');
    const total = this.items.runItemCount(run.id);
    const settled = await reconcileRun({
      store: this.deps.store,
      items: this.items,
      stages: this.deps.stages,
      connector,
      run: this.runs.get(run.id)!,
      mappedThrough: this.cursor.mappedThrough(connector.id),
      maxAttempts: this.options.maxAttempts,
      pageSize: this.options.pageSize,
      importCompleted,
      heldDeliveries: (connectorId, itemIds) => new MappingRepository(this.deps.store).waitingCounts(connectorId, itemIds),
      nowIso,
      onProgress: (done) => tracker.update('reconcile', { done, total }),
    });
    const reconciliation: Reconciliation = {
      ...settled,
      read,
      ...(takenOver.runIds.length > 0 ? { takenOver } : {}),
      ...(Object.keys(waiting).length > 0 ? { waiting } : {}),
    };
    tracker.flush();
    return resultOf(reconciliation, { cancelled, signInLost, error });
  }

  /** Why the stages stopped on an error (the signal did not abort): a lost sign-in, or a failure. */
  private stopReason(e: unknown, logger: Logger): { error: OutcomeReason; signInLost: boolean } {
    if (ArchiverError.is(e) && e.code === 'sign-in-required') {
      // Not a failure of the run's work: nothing more can be sent until the officer signs in.
      const error = failureReason(e);
      logger.warn(`stopped: ${reasonWords(error)}`);
      return { error, signInLost: true };
    }
    const error = failureReason(e, dataFolderOf(this.deps.store));
    // A full disk is no bug: one line, not a stack trace per run.
    if (storageProblem(e)) logger.error(`run failed: ${reasonWords(error)}`);
    else logger.error('run failed', e);
    return { error, signInLost: false };
  }

  /**
   * Items an earlier run planned but did not see to a final outcome (it was killed or cancelled),
   * and blocked items: every run answers for them again until their mailbox can be written, so a
   * gap keeps showing (the import re-checks blocked mailboxes first and delivers their backlog).
   */
  /**
   * Takes the items of every interrupted run of the connector that nobody took over yet into
   * `runId`'s books (an interrupted run has no reconciliation: its process died). One transaction.
   */
  private takeOverInterrupted(connectorId: string, runId: number): { runIds: number[]; items: number } {
    return this.deps.store.transaction(() => {
      const runIds = this.runs.interruptedNotTakenOver(connectorId, runId);
      if (runIds.length === 0) return { runIds, items: 0 };
      const items = this.items.copyRunItems(runIds, runId);
      this.runs.markTakenOver(runIds, runId);
      return { runIds, items };
    });
  }

  private carryOver(connector: Connector, runId: number, nowIso: () => string): void {
    for (const status of ['planned', 'blocked'] as const) {
      for (let after = 0; ; ) {
        const page = this.items.pageByStatus(connector.id, status, after, this.options.pageSize);
        if (page.length === 0) break;
        after = page.at(-1)!.itemId;
        this.deps.store.transaction(() =>
          page.forEach((o) => {
            this.items.addRunItem(runId, o.itemId);
            // Settled again from the ledger at the end of this run.
            if (status === 'blocked') this.items.setStatus(connector.id, o.itemId, 'planned', { reason: o.reason, runId, at: nowIso() });
          }),
        );
      }
    }
  }

  /** Failed items get another run: their failed deliveries go back to pending, or they are converted again. */
  private async retryFailed(connector: Connector, runId: number, signal: AbortSignal, nowIso: () => string): Promise<void> {
    const planner = this.planner();
    for (let after = 0; ; ) {
      const page = this.items.pageByStatus(connector.id, 'failed', after, this.options.pageSize);
      if (page.length === 0) return;
      after = page.at(-1)!.itemId;
      const reconvert: number[] = [];
      this.deps.store.transaction(() => {
        for (const o of page) {
          this.items.addRunItem(runId, o.itemId);
          this.items.addEvent({ connectorId: connector.id, itemId: o.itemId, runId, streamId: o.streamId, event: 'retried', detail: `attempt ${o.attempts + 1}`, at: nowIso() });
          if (o.archiveKey && o.mailboxes > 0) {
            this.deps.stages.import.retry(connector.id, o.archiveKey);
            this.items.setStatus(connector.id, o.itemId, 'planned', { reason: o.reason, runId, at: nowIso() });
          } else {
            reconvert.push(o.itemId);
          }
        }
      });
      if (reconvert.length > 0) {
        const refs = this.deps.stages.capture.byIds(connector.id, reconvert);
        const { decisions } = await planner.decide(connector, refs, signal);
        for (const decision of decisions) planner.commitRetry(connector, runId, decision, nowIso());
      }
    }
  }

  /** Participants mapped since their items were planned: those items get the new mailboxes now. */
  private async releaseHeld(connector: Connector, runId: number, nowIso: () => string): Promise<void> {
    const { map, import: importer } = this.deps.stages;
    if (!map.releaseHeld) return;
    await map.releaseHeld(connector, (released) => {
      for (const { itemId, mailbox } of released) {
        const outcome = this.items.get(connector.id, itemId);
        // Throwing here rolls the release back, so a held item is never released without its delivery.
        if (!outcome?.archiveKey) throw new Error(`held item ${itemId} has no planned e-mail`);
        const ledger = importer.deliveries(connector.id, [outcome.archiveKey]).get(outcome.archiveKey) ?? [];
        if (ledger.some((d) => d.mailbox.toLowerCase() === mailbox.toLowerCase())) continue;
        importer.enqueue(connector.id, outcome.archiveKey, [mailbox]);
        this.items.setPlan(connector.id, itemId, outcome.archiveKey, outcome.mailboxes + 1);
        this.items.setStatus(connector.id, itemId, 'planned', { runId, at: nowIso() });
        this.items.addRunItem(runId, itemId);
        this.items.addEvent({ connectorId: connector.id, itemId, runId, streamId: outcome.streamId, event: 'planned', mailbox, detail: 'released: the participant has a mailbox now', at: nowIso() });
      }
    });
  }

  private async planNew(connector: Connector, run: RunRecord, signal: AbortSignal, tracker: ProgressTracker, nowIso: () => string, waiting: Partial<Record<WaitReason, number>>): Promise<void> {
    const planner = this.planner();
    const start = this.cursor.mappedThrough(connector.id);
    this.runs.setCursor(run.id, 'start', start);
    const total = this.deps.stages.capture.count(connector.id, start, Number.MAX_SAFE_INTEGER);
    const counters: PlanCounters = { converted: 0, planned: 0, skipped: 0, failed: 0, deferred: 0, bytes: 0 };
    let seen = 0;
    let firstDeferred: number | null = null;
    for (let after = start; ; ) {
      throwIfAborted(signal);
      const page = this.deps.stages.capture.page(connector.id, after, this.options.pageSize);
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      const decided = this.items.decided(connector.id, page.map((i) => i.id));
      const open = page.filter((i) => !decided.has(i.id));
      const { decisions, deferred, waiting: waits, waitMessages } = open.length > 0 ? await planner.decide(connector, open, signal) : { decisions: [], deferred: [], waiting: {}, waitMessages: [] };
      counters.deferred += deferred.length;
      for (const [reason, n] of Object.entries(waits) as [WaitReason, number][]) waiting[reason] = (waiting[reason] ?? 0) + n;
      for (const message of waitMessages) this.deps.logger.warn(`items wait for the next run: ${message}`);
      if (deferred.length > 0 && firstDeferred === null) firstDeferred = Math.min(...deferred);
      tracker.update('convert', { done: seen + page.length, total, bytes: counters.bytes });
      planner.commit(connector, run.id, decisions, firstDeferred === null ? after : firstDeferred - 1, nowIso(), counters);
      seen += page.length;
      tracker.update('map', { done: seen, total, bytes: counters.bytes });
      this.runs.setCursor(run.id, 'end', after);
    }
    if (waiting['not-ready']) this.deps.logger.info(`${waiting['not-ready']} item(s) wait for their transcript day to close or an attachment to download`);
    if (waiting['lookup-failed']) this.deps.logger.warn(`${waiting['lookup-failed']} item(s) wait for the next run: the directory look-up of their participants failed`);
  }

  private planner(): Planner {
    return new Planner(this.deps.store, this.cursor, this.items, this.deps.stages, this.options);
  }
}

/** The run's status from how it stopped and its books. */
function resultOf(reconciliation: Reconciliation, stop: { cancelled: boolean; signInLost: boolean; error: OutcomeReason | null }): PipelineResult {
  const { error } = stop;
  if (stop.cancelled) return { status: 'cancelled', reconciliation, error };
  if (stop.signInLost) return { status: 'needs-sign-in', reconciliation, error };
  if (error) return { status: 'failed', reconciliation, error };
  if (!reconciliation.balanced) return { status: 'failed', reconciliation, error: { code: runReasonCodes.unbalanced, message: `The run does not balance: ${reconciliation.problems.join(' ')}` } };
  // Balanced, but a gap is a gap: anything failed, blocked or held is never shown as success.
  if (hasProblems(reconciliation)) return { status: 'completed-with-problems', reconciliation, error: null };
  return { status: 'succeeded', reconciliation, error: null };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ArchiverError({ code: 'cancelled', message: 'The run was cancelled.' });
}

/** Where the data folder is, for storage errors (the database lives in it). */
function dataFolderOf(store: Store): string | undefined {
  return store.file === ':memory:' ? undefined : path.dirname(store.file);
}
