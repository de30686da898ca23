import type { RunProgress, RunStage, StageProgress } from '../../../shared/contract';
import type { Clock } from '../platform/clock';
import type { RetryNotice } from '../platform/retry';
import type { StageProgressUpdate } from './stages';

interface StageClock {
  startedMs: number;
  progress: StageProgress;
}

/**
 * Per-stage counters of one run, with rate and ETA from the Clock. Emission is throttled so a
 * 500,000-item run does not flood the UI; stage changes and the final state always go out.
 */
export class ProgressTracker {
  private readonly stages = new Map<RunStage, StageClock>();
  private current: RunStage = 'capture';
  private lastEmitMs = -Infinity;

  constructor(
    private readonly runId: number,
    private readonly connectorId: string,
    private readonly clock: Clock,
    private readonly emit: (progress: RunProgress) => void,
    private readonly intervalMs = 500,
  ) {}

  enter(stage: RunStage): void {
    this.current = stage;
    if (!this.stages.has(stage)) this.stages.set(stage, { startedMs: this.clock.now(), progress: { done: 0, total: null, bytes: 0, itemsPerSecond: 0, etaSeconds: null, retries: 0, retrying: null } });
    this.flush();
  }

  update(stage: RunStage, update: StageProgressUpdate): void {
    if (!this.stages.has(stage)) this.enter(stage);
    const entry = this.stages.get(stage)!;
    const seconds = Math.max(0.001, (this.clock.now() - entry.startedMs) / 1000);
    const total = update.total === undefined ? entry.progress.total : update.total;
    const rate = update.done / seconds;
    entry.progress = {
      done: update.done,
      total,
      bytes: update.bytes ?? entry.progress.bytes,
      itemsPerSecond: Math.round(rate * 10) / 10,
      etaSeconds: total !== null && rate > 0 ? Math.max(0, Math.round((total - update.done) / rate)) : null,
      retries: entry.progress.retries,
      retrying: this.stillWaiting(entry.progress.retrying),
    };
    if (this.clock.now() - this.lastEmitMs >= this.intervalMs) this.flush();
  }

  /**
   * A retry wait of the current stage (stages run one after another, so the wait is its): counted,
   * and shown at once with its reason and the time of the next try, so a run held up by a throttled
   * tenant or an unreachable pod says so instead of looking stuck.
   */
  retried(notice: RetryNotice): void {
    if (!this.stages.has(this.current)) this.enter(this.current);
    const entry = this.stages.get(this.current)!;
    const until = new Date(notice.at + notice.waitMs).toISOString();
    const waiting = this.stillWaiting(entry.progress.retrying);
    const latest = waiting && waiting.until > until ? waiting : { reason: notice.reason, until };
    entry.progress = { ...entry.progress, retries: entry.progress.retries + 1, retrying: latest };
    // The first wait shows at once; further ones (a throttled import retries many requests) at the usual pace.
    if (!waiting || this.clock.now() - this.lastEmitMs >= this.intervalMs) this.flush();
  }

  private stillWaiting(retrying: StageProgress['retrying']): StageProgress['retrying'] {
    return retrying && Date.parse(retrying.until) > this.clock.now() ? retrying : null;
  }

  snapshot(): Record<string, StageProgress> {
    return Object.fromEntries([...this.stages].map(([stage, entry]) => [stage, entry.progress]));
  }

  flush(): void {
    this.lastEmitMs = this.clock.now();
    this.emit({ runId: this.runId, connectorId: this.connectorId, stage: this.current, stages: this.snapshot() });
  }
}
