import os from 'node:os';
import type { Reconciliation, RunSettings, RunStage, RunStatus, RunSummary, RunTrigger, StageProgress } from '../../../../shared/contract';
import { runSettingsSchema } from '../../../../shared/contract';
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
  error: string | null;
  cursor_start: number | null;
  cursor_end: number | null;
  progress_json: string;
  reconciliation_json: string | null;
}

export interface RunRecord extends RunSummary {
  owner: string;
  startedMs: number;
  cursorStart: number | null;
  cursorEnd: number | null;
  progress: Record<string, StageProgress>;
}

export interface LockHolder {
  name: string;
  owner: string;
  pid: number;
  hostname: string;
  acquiredMs: number;
  heartbeatMs: number;
}

export type LockResult = { acquired: true; tookOverFrom?: LockHolder } | { acquired: false; holder: LockHolder };

const SETTINGS_KEY = 'runs';

/** SQL for runs, the run lock, the schedule state, the map cursor and the run settings. */
export class RunRepository {
  constructor(private readonly store: Store) {}

  create(input: { connectorId: string; trigger: RunTrigger; owner: string; nowMs: number }): RunRecord {
    const at = new Date(input.nowMs).toISOString();
    const result = this.store.db
      .prepare("INSERT INTO runs (connector_id, trigger, status, owner, started_at, started_ms) VALUES (?, ?, 'running', ?, ?, ?)")
      .run(input.connectorId, input.trigger, input.owner, at, input.nowMs);
    return this.get(Number(result.lastInsertRowid))!;
  }

  get(id: number): RunRecord | undefined {
    const row = this.store.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRecord(row);
  }

  list(filter: { connectorId?: string; offset: number; limit: number }): { runs: RunRecord[]; total: number } {
    const where = filter.connectorId ? 'WHERE connector_id = ?' : '';
    const args = filter.connectorId ? [filter.connectorId] : [];
    const rows = this.store.db.prepare(`SELECT * FROM runs ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, filter.limit, filter.offset) as RunRow[];
    const total = (this.store.db.prepare(`SELECT COUNT(*) AS n FROM runs ${where}`).get(...args) as { n: number }).n;
    return { runs: rows.map(toRecord), total };
  }

  /** The connector's run still marked running (by this or another process), if any. */
  running(connectorId: string): RunRecord | undefined {
    const row = this.store.db.prepare("SELECT * FROM runs WHERE connector_id = ? AND status = 'running' ORDER BY id DESC LIMIT 1").get(connectorId) as RunRow | undefined;
    return row && toRecord(row);
  }

  last(connectorId: string, statuses?: RunStatus[]): RunRecord | undefined {
    const filter = statuses ? `AND status IN (${statuses.map(() => '?').join(',')})` : "AND status != 'running'";
    const row = this.store.db
      .prepare(`SELECT * FROM runs WHERE connector_id = ? ${filter} ORDER BY id DESC LIMIT 1`)
      .get(connectorId, ...(statuses ?? [])) as RunRow | undefined;
    return row && toRecord(row);
  }

  setStage(id: number, stage: RunStage): void {
    this.store.db.prepare('UPDATE runs SET stage = ? WHERE id = ?').run(stage, id);
  }

  setProgress(id: number, progress: Record<string, StageProgress>): void {
    this.store.db.prepare('UPDATE runs SET progress_json = ? WHERE id = ?').run(JSON.stringify(progress), id);
  }

  setCursor(id: number, field: 'start' | 'end', value: number): void {
    this.store.db.prepare(`UPDATE runs SET cursor_${field} = ? WHERE id = ?`).run(value, id);
  }

  finish(id: number, input: { status: Exclude<RunStatus, 'running'>; nowMs: number; error?: string | null; reconciliation?: Reconciliation | null }): void {
    this.store.db
      .prepare('UPDATE runs SET status = ?, finished_at = ?, error = ?, reconciliation_json = COALESCE(?, reconciliation_json) WHERE id = ?')
      .run(input.status, new Date(input.nowMs).toISOString(), input.error ?? null, input.reconciliation ? JSON.stringify(input.reconciliation) : null, id);
  }

  /** Runs left `running` by an owner that no longer holds the connector's lock. */
  markInterrupted(connectorId: string, exceptOwner: string, nowMs: number): number {
    return this.store.db
      .prepare("UPDATE runs SET status = 'interrupted', finished_at = ?, error = COALESCE(error, 'The process running it stopped before it finished; the next run resumes its work.') WHERE connector_id = ? AND status = 'running' AND owner != ?")
      .run(new Date(nowMs).toISOString(), connectorId, exceptOwner).changes;
  }

  // --- map cursor ---------------------------------------------------------------------------

  mappedThrough(connectorId: string): number {
    const row = this.store.db.prepare('SELECT mapped_through FROM pipeline_cursors WHERE connector_id = ?').get(connectorId) as { mapped_through: number } | undefined;
    return row?.mapped_through ?? 0;
  }

  /** Only moves forward; called inside the transaction that records the items it covers. */
  advanceCursor(connectorId: string, through: number): void {
    this.store.db
      .prepare('INSERT INTO pipeline_cursors (connector_id, mapped_through) VALUES (?, ?) ON CONFLICT (connector_id) DO UPDATE SET mapped_through = MAX(mapped_through, excluded.mapped_through)')
      .run(connectorId, through);
  }

  // --- schedule state -----------------------------------------------------------------------

  isPaused(connectorId: string): boolean {
    const row = this.store.db.prepare('SELECT paused FROM schedule_state WHERE connector_id = ?').get(connectorId) as { paused: number } | undefined;
    return row?.paused === 1;
  }

  setPaused(connectorId: string, paused: boolean, nowMs: number): void {
    this.store.db
      .prepare('INSERT INTO schedule_state (connector_id, paused, updated_at) VALUES (?, ?, ?) ON CONFLICT (connector_id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at')
      .run(connectorId, paused ? 1 : 0, new Date(nowMs).toISOString());
  }

  // --- locks --------------------------------------------------------------------------------

  /**
   * Takes the named lock, or takes it over when its holder is gone: a process on this machine
   * that no longer exists, or a heartbeat older than `staleMs` (a holder on another machine, or
   * a hung one). Check and write happen in one IMMEDIATE transaction, so two processes never both win.
   */
  acquireLock(name: string, owner: string, nowMs: number, staleMs: number, isAlive: (holder: LockHolder) => boolean): LockResult {
    return this.store.transaction(() => {
      const holder = this.lockHolder(name);
      if (holder && holder.owner !== owner && nowMs - holder.heartbeatMs < staleMs && isAlive(holder)) return { acquired: false, holder };
      this.store.db
        .prepare('INSERT INTO locks (name, owner, pid, hostname, acquired_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, hostname = excluded.hostname, acquired_ms = excluded.acquired_ms, heartbeat_ms = excluded.heartbeat_ms')
        .run(name, owner, process.pid, os.hostname(), nowMs, nowMs);
      return holder && holder.owner !== owner ? { acquired: true, tookOverFrom: holder } : { acquired: true };
    });
  }

  /** False when the lock was taken over meanwhile: the caller must stop. */
  heartbeat(name: string, owner: string, nowMs: number): boolean {
    return this.store.db.prepare('UPDATE locks SET heartbeat_ms = ? WHERE name = ? AND owner = ?').run(nowMs, name, owner).changes === 1;
  }

  releaseLock(name: string, owner: string): void {
    this.store.db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
  }

  lockHolder(name: string): LockHolder | undefined {
    const row = this.store.db.prepare('SELECT * FROM locks WHERE name = ?').get(name) as
      | { name: string; owner: string; pid: number; hostname: string; acquired_ms: number; heartbeat_ms: number }
      | undefined;
    return row && { name: row.name, owner: row.owner, pid: row.pid, hostname: row.hostname, acquiredMs: row.acquired_ms, heartbeatMs: row.heartbeat_ms };
  }

  // --- settings -----------------------------------------------------------------------------

  settings(): RunSettings {
    const row = this.store.db.prepare('SELECT value_json FROM app_settings WHERE key = ?').get(SETTINGS_KEY) as { value_json: string } | undefined;
    return runSettingsSchema.parse(row ? JSON.parse(row.value_json) : {});
  }

  updateSettings(patch: Partial<RunSettings>, nowMs: number): RunSettings {
    return this.store.transaction(() => {
      const next = runSettingsSchema.parse({ ...this.settings(), ...patch });
      this.store.db
        .prepare('INSERT INTO app_settings (key, value_json, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at')
        .run(SETTINGS_KEY, JSON.stringify(next), new Date(nowMs).toISOString());
      return next;
    });
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
    error: row.error,
    reconciliation: row.reconciliation_json ? (JSON.parse(row.reconciliation_json) as Reconciliation) : null,
    owner: row.owner,
    startedMs: row.started_ms,
    cursorStart: row.cursor_start,
    cursorEnd: row.cursor_end,
    progress: JSON.parse(row.progress_json) as Record<string, StageProgress>,
  };
}

export function toSummary(record: RunRecord): RunSummary {
  const { id, connectorId, trigger, status, stage, startedAt, finishedAt, error, reconciliation } = record;
  return { id, connectorId, trigger, status, stage, startedAt, finishedAt, error, reconciliation };
}
