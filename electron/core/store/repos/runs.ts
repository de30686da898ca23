import { runReasonCodes, storedReason, type OutcomeReason, type Reconciliation, type RunStage, type RunStatus, type RunSummary, type RunTrigger, type StageProgress } from '../../../../shared/contract';
import type { Store } from '../database';

interface RunRow {
  id: number;
  connector_id: string;
  trigger: string;
  status: string;
  stage: string | null;
  owner: string;
  started_at: string;
  started_ms: number;
  finished_at: string | null;
  error_json: string | null;
  cursor_start: number | null;
  cursor_end: number | null;
  progress_json: string;
  reconciliation_json: string | null;
  slot_ms: number | null;
  taken_over_by: number | null;
}

export interface RunRecord extends RunSummary {
  owner: string;
  startedMs: number;
  cursorStart: number | null;
  cursorEnd: number | null;
  progress: Record<string, StageProgress>;
  /** The schedule slot a scheduled run stands for (null: started by hand). */
  slotMs: number | null;
  /** The run that took this interrupted run's items into its reconciliation. */
  takenOverBy: number | null;
}

/** Why a run left `running` by a process that is gone stands interrupted. */
const INTERRUPTED: OutcomeReason = {
  code: runReasonCodes.interrupted,
  message: 'The process running it stopped before it finished.',
  fix: 'The next run resumes its work.',
};

/** SQL for the `runs` table (0005, 0013, 0018): one row per run with its stage, progress and books. */
export class RunRepository {
  constructor(private readonly store: Store) {}

  create(input: { connectorId: string; trigger: RunTrigger; owner: string; nowMs: number; slotMs?: number | null }): RunRecord {
    const at = new Date(input.nowMs).toISOString();
    const result = this.store
      .prepare("INSERT INTO runs (connector_id, trigger, status, owner, started_at, started_ms, slot_ms) VALUES (?, ?, 'running', ?, ?, ?, ?)")
      .run(input.connectorId, input.trigger, input.owner, at, input.nowMs, input.slotMs ?? null);
    return this.get(Number(result.lastInsertRowid))!;
  }

  get(id: number): RunRecord | undefined {
    const row = this.store.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRecord(row);
  }

  list(filter: { connectorId?: string; offset: number; limit: number }): { runs: RunRecord[]; total: number } {
    const where = filter.connectorId ? 'WHERE connector_id = ?' : '';
    const args = filter.connectorId ? [filter.connectorId] : [];
    const rows = this.store.prepare(`SELECT * FROM runs ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, filter.limit, filter.offset) as RunRow[];
    const total = (this.store.prepare(`SELECT COUNT(*) AS n FROM runs ${where}`).get(...args) as { n: number }).n;
    return { runs: rows.map(toRecord), total };
  }

  /** The connector's run still marked running (by this or another process), if any. */
  running(connectorId: string): RunRecord | undefined {
    const row = this.store.prepare("SELECT * FROM runs WHERE connector_id = ? AND status = 'running' ORDER BY id DESC LIMIT 1").get(connectorId) as RunRow | undefined;
    return row && toRecord(row);
  }

  last(connectorId: string, statuses?: RunStatus[]): RunRecord | undefined {
    const filter = statuses ? `AND status IN (${statuses.map(() => '?').join(',')})` : "AND status != 'running'";
    const row = this.store
      .prepare(`SELECT * FROM runs WHERE connector_id = ? ${filter} ORDER BY id DESC LIMIT 1`)
      .get(connectorId, ...(statuses ?? [])) as RunRow | undefined;
    return row && toRecord(row);
  }

  setStage(id: number, stage: RunStage): void {
    this.store.prepare('UPDATE runs SET stage = ? WHERE id = ?').run(stage, id);
  }

  setProgress(id: number, progress: Record<string, StageProgress>): void {
    this.store.prepare('UPDATE runs SET progress_json = ? WHERE id = ?').run(JSON.stringify(progress), id);
  }

  setCursor(id: number, field: 'start' | 'end', value: number): void {
    this.store.prepare(`UPDATE runs SET cursor_${field} = ? WHERE id = ?`).run(value, id);
  }

  finish(id: number, input: { status: Exclude<RunStatus, 'running'>; nowMs: number; error?: OutcomeReason | null; reconciliation?: Reconciliation | null }): void {
    this.store
      .prepare('UPDATE runs SET status = ?, finished_at = ?, error_json = ?, reconciliation_json = COALESCE(?, reconciliation_json) WHERE id = ?')
      .run(input.status, new Date(input.nowMs).toISOString(), input.error ? JSON.stringify(input.error) : null, input.reconciliation ? JSON.stringify(input.reconciliation) : null, id);
  }

  /** Runs left `running` by an owner that no longer holds the connector's lock. */
  markInterrupted(connectorId: string, exceptOwner: string, nowMs: number): number {
    return this.store
      .prepare("UPDATE runs SET status = 'interrupted', finished_at = ?, error_json = COALESCE(error_json, ?) WHERE connector_id = ? AND status = 'running' AND owner != ?")
      .run(new Date(nowMs).toISOString(), JSON.stringify(INTERRUPTED), connectorId, exceptOwner).changes;
  }

  /** Interrupted runs of the connector whose items no later run took into its books yet. */
  interruptedNotTakenOver(connectorId: string, exceptRunId: number): number[] {
    const rows = this.store
      .prepare("SELECT id FROM runs WHERE connector_id = ? AND status = 'interrupted' AND taken_over_by IS NULL AND id != ? ORDER BY id")
      .all(connectorId, exceptRunId) as { id: number }[];
    return rows.map((r) => r.id);
  }

  markTakenOver(runIds: readonly number[], byRunId: number): void {
    this.store.prepare('UPDATE runs SET taken_over_by = ? WHERE id IN (SELECT value FROM json_each(?))').run(byRunId, JSON.stringify(runIds));
  }
}

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    connectorId: row.connector_id,
    trigger: row.trigger as RunTrigger,
    status: row.status as RunStatus,
    stage: row.stage as RunStage | null,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: storedReason(row.error_json, null),
    reconciliation: row.reconciliation_json ? (JSON.parse(row.reconciliation_json) as Reconciliation) : null,
    owner: row.owner,
    startedMs: row.started_ms,
    cursorStart: row.cursor_start,
    cursorEnd: row.cursor_end,
    progress: JSON.parse(row.progress_json) as Record<string, StageProgress>,
    slotMs: row.slot_ms,
    takenOverBy: row.taken_over_by,
  };
}

export function toSummary(record: RunRecord): RunSummary {
  const { id, connectorId, trigger, status, stage, startedAt, finishedAt, error, reconciliation } = record;
  return { id, connectorId, trigger, status, stage, startedAt, finishedAt, error, reconciliation };
}
