import type { ConversationReconciliation, FailedItem, ItemLogEntry, ItemStatus, OutcomeReason } from '../../../../shared/contract';
import { isSkipReason, skipReason, storedReason } from '../../../../shared/contract';
import type { Store } from '../database';

export type ItemEvent = ItemLogEntry['event'];

export interface OutcomeRow {
  connectorId: string;
  itemId: number;
  streamId: string;
  sender: string;
  archiveKey: string | null;
  status: ItemStatus;
  /** Why it stands there; `reason.code` is the skip reason of a skipped item. */
  reason: OutcomeReason | null;
  mailboxes: number;
  bytes: number;
  attempts: number;
  updatedAt: string;
}

interface RawOutcome {
  connector_id: string;
  item_id: number;
  stream_id: string;
  sender: string;
  archive_key: string | null;
  status: string;
  reason: string | null;
  reason_json: string | null;
  mailboxes: number;
  bytes: number;
  attempts: number;
  updated_at: string;
}

export interface NewOutcome {
  connectorId: string;
  itemId: number;
  streamId: string;
  sender: string;
  archiveKey: string | null;
  status: 'planned' | 'skipped' | 'failed';
  reason: OutcomeReason | null;
  mailboxes: number;
  bytes: number;
  runId: number;
  at: string;
}

export interface NewEvent {
  connectorId: string;
  itemId: number;
  runId: number | null;
  streamId: string;
  event: ItemEvent;
  mailbox?: string | null;
  graphId?: string | null;
  detail?: string | null;
  at: string;
}

export interface LogFilter {
  connectorId: string;
  runId?: number;
  streamId?: string;
  person?: string;
  status?: ItemStatus;
  offset: number;
  limit: number;
}

export interface OutcomeTotals {
  status: ItemStatus;
  reason: string | null;
  count: number;
  bytes: number;
}

/**
 * SQL for the per-item outcome, the runs' item sets and the item log. The outcome row is the
 * "planned exactly once" record: its primary key makes a second plan of the same item fail.
 */
export class ItemLogRepository {
  constructor(private readonly store: Store) {}

  /** Of the given items, those that already have an outcome. */
  decided(connectorId: string, itemIds: readonly number[]): Set<number> {
    if (itemIds.length === 0) return new Set();
    const rows = this.store
      .prepare(`SELECT item_id FROM item_outcomes WHERE connector_id = ? AND item_id IN (SELECT value FROM json_each(?))`)
      .all(connectorId, JSON.stringify(itemIds)) as { item_id: number }[];
    return new Set(rows.map((r) => r.item_id));
  }

  /** Inside the map transaction; throws on a second plan of the same item (the caller's bug). */
  insertOutcome(o: NewOutcome): void {
    this.store
      .prepare(
        `INSERT INTO item_outcomes (connector_id, item_id, stream_id, sender, archive_key, status, reason, reason_json, mailboxes, bytes, attempts, first_run_id, last_run_id, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(o.connectorId, o.itemId, o.streamId, o.sender, o.archiveKey, o.status, o.reason?.code ?? null, reasonJson(o.reason), o.mailboxes, o.bytes, 0, o.runId, o.runId, o.at);
    this.addRunItem(o.runId, o.itemId);
  }

  addRunItem(runId: number, itemId: number): void {
    this.store.prepare('INSERT OR IGNORE INTO run_items (run_id, item_id) VALUES (?, ?)').run(runId, itemId);
  }

  /**
   * Takes the items of the given (interrupted) runs into `toRunId`'s set; returns how many were
   * new to it. The caller marks those runs taken over in the same transaction.
   */
  copyRunItems(fromRunIds: readonly number[], toRunId: number): number {
    return this.store
      .prepare('INSERT OR IGNORE INTO run_items (run_id, item_id) SELECT DISTINCT ?, item_id FROM run_items WHERE run_id IN (SELECT value FROM json_each(?))')
      .run(toRunId, JSON.stringify(fromRunIds)).changes;
  }

  /** Item ids planned under an archive key (one for a message, several for a transcript). */
  itemsOfKey(connectorId: string, archiveKey: string): number[] {
    return this.itemsOfKeys(connectorId, [archiveKey]);
  }

  itemsOfKeys(connectorId: string, archiveKeys: readonly string[]): number[] {
    const rows = this.store
      .prepare('SELECT item_id FROM item_outcomes WHERE connector_id = ? AND archive_key IN (SELECT value FROM json_each(?)) ORDER BY item_id')
      .all(connectorId, JSON.stringify(archiveKeys)) as { item_id: number }[];
    return rows.map((r) => r.item_id);
  }

  get(connectorId: string, itemId: number): OutcomeRow | undefined {
    const row = this.store.prepare('SELECT * FROM item_outcomes WHERE connector_id = ? AND item_id = ?').get(connectorId, itemId) as RawOutcome | undefined;
    return row && toOutcome(row);
  }

  /** Sets an item's outcome; `failedOnce` counts one more failed run. */
  setStatus(connectorId: string, itemId: number, status: ItemStatus, input: { reason?: OutcomeReason | null; runId?: number | null; at: string; failedOnce?: boolean; resetAttempts?: boolean }): void {
    this.store
      .prepare(
        `UPDATE item_outcomes SET status = ?, reason = ?, reason_json = ?, last_run_id = COALESCE(?, last_run_id), updated_at = ?,
           attempts = CASE WHEN ? THEN 0 ELSE attempts + ? END
         WHERE connector_id = ? AND item_id = ?`,
      )
      .run(status, input.reason?.code ?? null, reasonJson(input.reason), input.runId ?? null, input.at, input.resetAttempts ? 1 : 0, input.failedOnce ? 1 : 0, connectorId, itemId);
  }

  setPlan(connectorId: string, itemId: number, archiveKey: string, mailboxes: number): void {
    this.store.prepare('UPDATE item_outcomes SET archive_key = ?, mailboxes = ? WHERE connector_id = ? AND item_id = ?').run(archiveKey, mailboxes, connectorId, itemId);
  }

  addEvent(e: NewEvent): void {
    this.store
      .prepare(
        `INSERT INTO item_events (connector_id, item_id, run_id, stream_id, event, mailbox, graph_id, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run(e.connectorId, e.itemId, e.runId, e.streamId, e.event, e.mailbox ?? null, e.graphId ?? null, e.detail ?? null, e.at);
  }

  /** Items whose status is `status`, ascending by id after `afterId` (paging without offsets). */
  pageByStatus(connectorId: string, status: ItemStatus, afterId: number, limit: number): OutcomeRow[] {
    const rows = this.store
      .prepare('SELECT * FROM item_outcomes WHERE connector_id = ? AND status = ? AND item_id > ? ORDER BY item_id LIMIT ?')
      .all(connectorId, status, afterId, limit) as RawOutcome[];
    return rows.map(toOutcome);
  }

  /** The run's items with their outcomes, ascending by id after `afterId`. */
  pageRunItems(runId: number, connectorId: string, afterId: number, limit: number): OutcomeRow[] {
    const rows = this.store
      .prepare(
        `SELECT o.* FROM run_items r JOIN item_outcomes o ON o.connector_id = ? AND o.item_id = r.item_id
         WHERE r.run_id = ? AND r.item_id > ? ORDER BY r.item_id LIMIT ?`,
      )
      .all(connectorId, runId, afterId, limit) as RawOutcome[];
    return rows.map(toOutcome);
  }

  /** Run items that have no outcome row at all: loss between the map step and the ledger. */
  runItemsWithoutOutcome(runId: number, connectorId: string): number {
    return (
      this.store
        .prepare('SELECT COUNT(*) AS n FROM run_items r LEFT JOIN item_outcomes o ON o.connector_id = ? AND o.item_id = r.item_id WHERE r.run_id = ? AND o.item_id IS NULL')
        .get(connectorId, runId) as { n: number }
    ).n;
  }

  /** Items with afterId < id <= throughId that have an outcome (for the capture cross-check). */
  countDecided(connectorId: string, afterId: number, throughId: number): number {
    return (this.store.prepare('SELECT COUNT(*) AS n FROM item_outcomes WHERE connector_id = ? AND item_id > ? AND item_id <= ?').get(connectorId, afterId, throughId) as { n: number }).n;
  }

  runItemCount(runId: number): number {
    return (this.store.prepare('SELECT COUNT(*) AS n FROM run_items WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /** Items first planned by this run (taken in by its map step), for the capture cross-check. */
  newItemsOfRun(runId: number, connectorId: string): number {
    return (this.store.prepare('SELECT COUNT(*) AS n FROM item_outcomes WHERE connector_id = ? AND first_run_id = ?').get(connectorId, runId) as { n: number }).n;
  }

  runTotals(runId: number, connectorId: string): OutcomeTotals[] {
    return this.store
      .prepare(
        `SELECT o.status AS status, CASE WHEN o.status = 'skipped' THEN o.reason END AS reason, COUNT(*) AS count, COALESCE(SUM(o.bytes), 0) AS bytes
         FROM run_items r JOIN item_outcomes o ON o.connector_id = ? AND o.item_id = r.item_id WHERE r.run_id = ? GROUP BY 1, 2`,
      )
      .all(connectorId, runId) as OutcomeTotals[];
  }

  /**
   * The run's per-item reconciliation grouped by conversation, with the same buckets as the run's
   * (runs/reconcile.ts): items nobody has a mailbox for, or some participant still waits for
   * (`waitingItemIds`, from mapping's held items), are held.
   *
   * The waiting ids come as one JSON parameter (no limit on the number of ids: SQLite's bound
   * variables are not used up, and a string may hold a GB). They are tested with `IN (SELECT …)`,
   * which SQLite builds once into an indexed list: a LEFT JOIN on the same ids scanned them all for
   * every row of the run (20,000 items × 40,000 waiting ids: 32 s; now 45 ms; 500,000 × 1,000,000: 1.3 s).
   */
  conversationTotals(runId: number, connectorId: string, offset: number, limit: number, waitingItemIds: readonly number[]): { rows: ConversationReconciliation[]; total: number } {
    const rows = this.store
      .prepare(
        `WITH o AS (
           SELECT o.stream_id, o.status, o.reason, o.bytes, o.item_id IN (SELECT value FROM json_each(@waiting)) AS waiting
           FROM run_items r JOIN item_outcomes o ON o.connector_id = @c AND o.item_id = r.item_id WHERE r.run_id = @run)
         SELECT o.stream_id, COUNT(*) AS captured,
           SUM(o.status = 'delivered' AND NOT o.waiting) AS delivered,
           SUM(o.status = 'blocked') AS blocked,
           SUM(o.status IN ('failed', 'stopped-retrying')) AS failed,
           SUM((o.status = 'skipped' AND o.reason = 'unmapped') OR (o.status = 'delivered' AND o.waiting)) AS held,
           SUM(o.status = 'skipped' AND COALESCE(o.reason, '') <> 'unmapped') AS skipped,
           COALESCE(SUM(o.bytes), 0) AS bytes
         FROM o GROUP BY o.stream_id ORDER BY o.stream_id LIMIT @limit OFFSET @offset`,
      )
      .all({ c: connectorId, run: runId, limit, offset, waiting: JSON.stringify(waitingItemIds) }) as ConversationTotalsRow[];
    const total = (
      this.store
        .prepare('SELECT COUNT(DISTINCT o.stream_id) AS n FROM run_items r JOIN item_outcomes o ON o.connector_id = ? AND o.item_id = r.item_id WHERE r.run_id = ?')
        .get(connectorId, runId) as { n: number }
    ).n;
    return { rows: rows.map(toConversationTotals), total };
  }

  failed(connectorId: string, offset: number, limit: number): { items: FailedItem[]; total: number } {
    const rows = this.store
      .prepare("SELECT * FROM item_outcomes WHERE connector_id = ? AND status IN ('failed', 'stopped-retrying', 'blocked') ORDER BY item_id LIMIT ? OFFSET ?")
      .all(connectorId, limit, offset) as RawOutcome[];
    const total = (this.store.prepare("SELECT COUNT(*) AS n FROM item_outcomes WHERE connector_id = ? AND status IN ('failed', 'stopped-retrying', 'blocked')").get(connectorId) as { n: number }).n;
    return { items: rows.map(toFailedItem), total };
  }

  log(filter: LogFilter): { entries: ItemLogEntry[]; total: number } {
    const where: string[] = ['e.connector_id = @connectorId'];
    if (filter.runId !== undefined) where.push('e.item_id IN (SELECT item_id FROM run_items WHERE run_id = @runId)');
    if (filter.streamId) where.push('e.stream_id = @streamId');
    if (filter.status) where.push('o.status = @status');
    if (filter.person) {
      where.push(
        '(o.sender = @person COLLATE NOCASE OR EXISTS (SELECT 1 FROM item_events p WHERE p.connector_id = e.connector_id AND p.item_id = e.item_id AND p.mailbox = @person COLLATE NOCASE))',
      );
    }
    const params = { connectorId: filter.connectorId, runId: filter.runId ?? null, streamId: filter.streamId ?? null, status: filter.status ?? null, person: filter.person ?? null };
    const from = `FROM item_events e LEFT JOIN item_outcomes o ON o.connector_id = e.connector_id AND o.item_id = e.item_id WHERE ${where.join(' AND ')}`;
    const rows = this.store
      .prepare(`SELECT e.id, e.item_id, e.run_id, e.stream_id, e.event, e.mailbox, e.graph_id, e.detail, e.at ${from} ORDER BY e.item_id, e.id LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: filter.limit, offset: filter.offset }) as RawEvent[];
    const total = (this.store.prepare(`SELECT COUNT(*) AS n ${from}`).get(params) as { n: number }).n;
    return { entries: rows.map(toEntry), total };
  }

  /**
   * One batch of the run's own log lines (written by this run) in (item, line) order after the
   * given position. Paged rather than iterated: an open iterator would keep the connection busy
   * while the caller awaits, and a run writing meanwhile would fail.
   */
  pageRunLog(
    runId: number,
    connectorId: string,
    after: { itemId: number; id: number },
    limit: number,
  ): Array<ItemLogEntry & { sender: string; status: string; archiveKey: string | null; reason: OutcomeReason | null }> {
    const rows = this.store
      .prepare(
        `SELECT e.id, e.item_id, e.run_id, e.stream_id, e.event, e.mailbox, e.graph_id, e.detail, e.at, o.sender, o.status, o.archive_key, o.reason, o.reason_json
         FROM run_items r JOIN item_events e ON e.connector_id = ? AND e.item_id = r.item_id AND e.run_id = r.run_id
         LEFT JOIN item_outcomes o ON o.connector_id = e.connector_id AND o.item_id = e.item_id
         WHERE r.run_id = ? AND (r.item_id > ? OR (r.item_id = ? AND e.id > ?)) ORDER BY r.item_id, e.id LIMIT ?`,
      )
      .all(connectorId, runId, after.itemId, after.itemId, after.id, limit) as Array<RawEvent & Pick<RawOutcome, 'reason' | 'reason_json'> & { sender: string; status: string; archive_key: string | null }>;
    return rows.map((row) => ({ ...toEntry(row), sender: row.sender, status: row.status, archiveKey: row.archive_key, reason: outcomeReasonOf(row) }));
  }

  /** Final items (delivered or skipped) last changed before `beforeIso` and not purged yet. */
  purgeCandidates(connectorId: string, beforeIso: string, afterId: number, limit: number): OutcomeRow[] {
    const rows = this.store
      .prepare(
        "SELECT * FROM item_outcomes WHERE connector_id = ? AND status IN ('delivered', 'skipped') AND purged_at IS NULL AND updated_at < ? AND item_id > ? ORDER BY item_id LIMIT ?",
      )
      .all(connectorId, beforeIso, afterId, limit) as RawOutcome[];
    return rows.map(toOutcome);
  }

  /** Drops the log lines of purged items except the final ones that prove the delivery. */
  markPurged(connectorId: string, itemIds: readonly number[], at: string): number {
    const ids = JSON.stringify(itemIds);
    this.store.prepare('UPDATE item_outcomes SET purged_at = ? WHERE connector_id = ? AND item_id IN (SELECT value FROM json_each(?))').run(at, connectorId, ids);
    return this.store
      .prepare("DELETE FROM item_events WHERE connector_id = ? AND item_id IN (SELECT value FROM json_each(?)) AND event NOT IN ('delivered', 'skipped')")
      .run(connectorId, ids).changes;
  }
}

interface RawEvent {
  id: number;
  item_id: number;
  run_id: number | null;
  stream_id: string;
  event: string;
  mailbox: string | null;
  graph_id: string | null;
  detail: string | null;
  at: string;
}

function toEntry(r: RawEvent): ItemLogEntry {
  return { id: r.id, itemId: r.item_id, runId: r.run_id, streamId: r.stream_id, event: r.event as ItemEvent, mailbox: r.mailbox, graphId: r.graph_id, detail: r.detail, at: r.at };
}

interface ConversationTotalsRow {
  stream_id: string;
  captured: number;
  delivered: number;
  blocked: number;
  failed: number;
  held: number;
  skipped: number;
  bytes: number;
}

function toConversationTotals(r: ConversationTotalsRow): ConversationReconciliation {
  const { captured, delivered, blocked, failed, held, skipped, bytes } = r;
  return { streamId: r.stream_id, captured, delivered, blocked, failed, held, skipped, bytes, balanced: captured === delivered + blocked + failed + held + skipped };
}

function toFailedItem(r: RawOutcome): FailedItem {
  const { mailboxes: _mailboxes, ...outcome } = toOutcome(r);
  return { ...outcome, status: outcome.status as FailedItem['status'] };
}

function toOutcome(r: RawOutcome): OutcomeRow {
  return {
    connectorId: r.connector_id,
    itemId: r.item_id,
    streamId: r.stream_id,
    sender: r.sender,
    archiveKey: r.archive_key,
    status: r.status as ItemStatus,
    reason: outcomeReasonOf(r),
    mailboxes: r.mailboxes,
    bytes: r.bytes,
    attempts: r.attempts,
    updatedAt: r.updated_at,
  };
}

/** `reason` keeps the code (the SQL groups skips by it), `reason_json` the whole value. */
function reasonJson(reason: OutcomeReason | null | undefined): string | null {
  return reason ? JSON.stringify(reason) : null;
}

/** Rows written before migration 0017 kept a skip code or a text in `reason`: both read as values. */
function outcomeReasonOf(r: Pick<RawOutcome, 'reason' | 'reason_json'>): OutcomeReason | null {
  if (!r.reason_json && r.reason && isSkipReason(r.reason)) return skipReason(r.reason);
  return storedReason(r.reason_json, r.reason);
}
