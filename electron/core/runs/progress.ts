import type { RunProgress, RunStage, StageProgress } from '../../../shared/contract';
import type { Clock } from '../platform/clock';
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
    if (!this.stages.has(stage)) this.stages.set(stage, { startedMs: this.clock.now(), progress: { done: 0, total: null, bytes: 0, itemsPerSecond: 0, etaSeconds: null } });
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
    };
    if (this.clock.now() - this.lastEmitMs >= this.intervalMs) this.flush();
  }

  snapshot(): Record<string, StageProgress> {
    return Object.fromEntries([...this.stages].map(([stage, entry]) => [stage, entry.progress]));
  }

  flush(): void {
    this.lastEmitMs = this.clock.now();
    this.emit({ runId: this.runId, connectorId: this.connectorId, stage: this.current, stages: this.snapshot() });
  }
}
