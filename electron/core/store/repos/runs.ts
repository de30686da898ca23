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

  create(input: { connectorId: string; trigger: RunTrigger; owner: string; nowMs: number; slotMs?: number | null }): RunRecord {
    const at = new Date(input.nowMs).toISOString();
    const result = this.store.db
      .prepare("INSERT INTO runs (connector_id, trigger, status, owner, started_at, started_ms, slot_ms) VALUES (?, ?, 'running', ?, ?, ?, ?)")
      .run(input.connectorId, input.trigger, input.owner, at, input.nowMs, input.slotMs ?? null);
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

  /**
   * Takes the items of every interrupted run of the connector that nobody took over yet into
   * `runId`'s books (an interrupted run has no reconciliation: its process died). One transaction.
   */
  takeOverInterrupted(connectorId: string, runId: number): { runIds: number[]; items: number } {
    return this.store.transaction(() => {
      const runIds = (
        this.store.db.prepare("SELECT id FROM runs WHERE connector_id = ? AND status = 'interrupted' AND taken_over_by IS NULL AND id != ? ORDER BY id").all(connectorId, runId) as { id: number }[]
      ).map((r) => r.id);
      if (runIds.length === 0) return { runIds, items: 0 };
      const ids = JSON.stringify(runIds);
      const items = this.store.db
        .prepare('INSERT OR IGNORE INTO run_items (run_id, item_id) SELECT DISTINCT ?, item_id FROM run_items WHERE run_id IN (SELECT value FROM json_each(?))')
        .run(runId, ids).changes;
      this.store.db.prepare('UPDATE runs SET taken_over_by = ? WHERE id IN (SELECT value FROM json_each(?))').run(runId, ids);
      return { runIds, items };
    });
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
    slotMs: row.slot_ms,
    takenOverBy: row.taken_over_by,
  };
}

export function toSummary(record: RunRecord): RunSummary {
  const { id, connectorId, trigger, status, stage, startedAt, finishedAt, error, reconciliation } = record;
  return { id, connectorId, trigger, status, stage, startedAt, finishedAt, error, reconciliation };
}

/** One delivery ledger row as the reconciliation reads it. */
export interface LedgerView {
  archiveKey: string;
  mailbox: string;
  state: string;
  graphId: string | null;
  error: string | null;
  blockedReason: 'access-denied' | 'no-mailbox' | 'not-licensed' | 'not-found' | null;
  foundExisting: boolean;
}

/** What the pipeline reads of a captured item (the content stays in capture's tables). */
export interface CapturedItemRow {
  id: number;
  streamId: string;
  messageId: string;
  sender: string;
  bytes: number;
  capturedAt: string;
  timestamp: number;
  /** Attachments still waiting for their download. */
  pendingAttachments: number;
}

/**
 * Read-only views over capture's `items`/`attachments` (0002) and import's `deliveries` (0003)
 * that the pipeline needs in bulk and that those repositories do not offer: light item refs
 * paged by id, range counts, and the ledger rows of a page of archive keys. Kept here so that
 * all SQL stays in repos/; the schemas they read are forward-only.
 */
export class PipelineViews {
  constructor(private readonly store: Store) {}

  private static readonly ITEM = `SELECT i.id, i.stream_id AS streamId, i.message_id AS messageId,
      COALESCE(NULLIF(p.email, ''), i.sender_id) AS sender, i.captured_at AS capturedAt, i.timestamp,
      length(i.source_json) + COALESCE((SELECT SUM(COALESCE(a.size, a.declared_size)) FROM attachments a WHERE a.item_id = i.id), 0) AS bytes,
      (SELECT COUNT(*) FROM attachments a WHERE a.item_id = i.id AND a.status = 'pending') AS pendingAttachments
    FROM items i LEFT JOIN participants p ON p.connector_id = i.connector_id AND p.user_id = i.sender_id`;

  capturedAfter(connectorId: string, afterId: number, limit: number): CapturedItemRow[] {
    return this.store.db.prepare(`${PipelineViews.ITEM} WHERE i.connector_id = ? AND i.id > ? ORDER BY i.id LIMIT ?`).all(connectorId, afterId, limit) as CapturedItemRow[];
  }

  capturedByIds(connectorId: string, ids: readonly number[]): CapturedItemRow[] {
    return this.store.db
      .prepare(`${PipelineViews.ITEM} WHERE i.connector_id = ? AND i.id IN (SELECT value FROM json_each(?)) ORDER BY i.id`)
      .all(connectorId, JSON.stringify(ids)) as CapturedItemRow[];
  }

  capturedInStreamDay(connectorId: string, streamId: string, fromMs: number, toMs: number): CapturedItemRow[] {
    return this.store.db
      .prepare(`${PipelineViews.ITEM} WHERE i.connector_id = ? AND i.stream_id = ? AND i.timestamp >= ? AND i.timestamp < ? ORDER BY i.timestamp, i.id`)
      .all(connectorId, streamId, fromMs, toMs) as CapturedItemRow[];
  }

  /** Capture's last error for the conversation (null when its last read went through). */
  conversationError(connectorId: string, streamId: string): string | null {
    const row = this.store.db.prepare('SELECT last_error FROM conversations WHERE connector_id = ? AND stream_id = ?').get(connectorId, streamId) as { last_error: string | null } | undefined;
    return row ? row.last_error : 'unknown conversation';
  }

  countCaptured(connectorId: string, afterId: number, throughId: number): number {
    return (this.store.db.prepare('SELECT COUNT(*) AS n FROM items WHERE connector_id = ? AND id > ? AND id <= ?').get(connectorId, afterId, throughId) as { n: number }).n;
  }

  spoolFiles(itemIds: readonly number[]): string[] {
    const rows = this.store.db
      .prepare('SELECT spool_path FROM attachments WHERE item_id IN (SELECT value FROM json_each(?)) AND spool_path IS NOT NULL')
      .all(JSON.stringify(itemIds)) as { spool_path: string }[];
    return rows.map((r) => r.spool_path);
  }

  /** Item ids planned under an archive key (one for a message, several for a transcript). */
  itemsOfKey(connectorId: string, archiveKey: string): number[] {
    return (this.store.db.prepare('SELECT item_id FROM item_outcomes WHERE connector_id = ? AND archive_key = ? ORDER BY item_id').all(connectorId, archiveKey) as { item_id: number }[]).map(
      (r) => r.item_id,
    );
  }

  deliveries(connectorId: string, archiveKeys: readonly string[]): LedgerView[] {
    const rows = this.store.db
      .prepare(
        `SELECT archive_key AS archiveKey, mailbox, state, graph_id AS graphId, last_error AS error, blocked_reason AS blockedReason, found_existing AS foundExisting FROM deliveries
         WHERE connector_id = ? AND archive_key IN (SELECT value FROM json_each(?))`,
      )
      .all(connectorId, JSON.stringify(archiveKeys)) as Array<Omit<LedgerView, 'foundExisting'> & { foundExisting: number }>;
    return rows.map((r) => ({ ...r, foundExisting: r.foundExisting === 1 }));
  }

  /**
   * Mapping's held items (0004 `mapping_held`): per item, how many participants without a mailbox
   * it still waits for. These are deliveries planned to nobody yet: *held* in both reconciliations.
   */
  heldDeliveries(connectorId: string, itemIds: readonly number[]): Map<number, number> {
    if (itemIds.length === 0) return new Map();
    const rows = this.store.db
      .prepare(
        `SELECT item_id AS itemId, COUNT(*) AS n FROM mapping_held
         WHERE connector_id = ? AND released_at IS NULL AND item_id IN (SELECT value FROM json_each(?)) GROUP BY item_id`,
      )
      .all(connectorId, JSON.stringify(itemIds)) as { itemId: number; n: number }[];
    return new Map(rows.map((r) => [r.itemId, r.n]));
  }

  /** The officer skipped the item: its deliveries not delivered are skipped too, so no run sends them later. */
  skipOpenDeliveries(connectorId: string, archiveKey: string, nowIso: string): number {
    return this.store.db
      .prepare(
        `UPDATE deliveries SET state = 'skipped', last_error = 'skipped by the officer', updated_at = ?
         WHERE connector_id = ? AND archive_key = ? AND state IN ('pending', 'sending', 'failed', 'blocked')`,
      )
      .run(nowIso, connectorId, archiveKey).changes;
  }

  /** Stored attachments of the items with open deliveries whose spool file is named; the caller checks the files. */
  spooledAttachmentsOfOpenDeliveries(connectorId: string): { itemId: number; position: number; spoolPath: string }[] {
    return this.store.db
      .prepare(
        `SELECT a.item_id AS itemId, a.position, a.spool_path AS spoolPath FROM attachments a
         WHERE a.status = 'stored' AND a.spool_path IS NOT NULL AND a.item_id IN (
           SELECT o.item_id FROM item_outcomes o WHERE o.connector_id = ? AND o.archive_key IN (
             SELECT d.archive_key FROM deliveries d WHERE d.connector_id = ? AND d.state IN ('pending', 'sending')))`,
      )
      .all(connectorId, connectorId) as { itemId: number; position: number; spoolPath: string }[];
  }

  /**
   * The failed/blocked deliveries of one archive key back to the queue, the way import's own
   * `requeue` does it for a whole connector: a row that was ever sent is re-checked first.
   */
  requeueKey(connectorId: string, archiveKey: string, nowIso: string): number {
    return this.store.db
      .prepare(
        `UPDATE deliveries SET state = CASE WHEN graph_id IS NULL AND attempts = 0 THEN 'pending' ELSE 'sending' END, updated_at = ?
         WHERE connector_id = ? AND archive_key = ? AND state IN ('failed', 'blocked')`,
      )
      .run(nowIso, connectorId, archiveKey).changes;
  }
}
