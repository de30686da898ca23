import type BetterSqlite3 from 'better-sqlite3';
import type { Store } from '../../electron/core/store/database';
import { CaptureRepository, type StoredMessage } from '../../electron/core/store/repos/capture';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';

/**
 * The store as a test reads it back. A test asserts through the repositories where they answer
 * (items through CaptureRepository, the ledger through DeliveryRepository…), and through this one
 * module where no product code needs the read (counts over every connector, member rows, a
 * watcher's read-only connection during a kill test), so the SQL a test relies on is in one place
 * when a migration changes the tables.
 */

/** A store, or a read-only connection a test watches a child process's store through. */
export type Readable = { db: BetterSqlite3.Database };

const count = (s: Readable, sql: string, ...params: unknown[]): number => (s.db.prepare(sql).get(...params) as { n: number }).n;

/** Every item of a connector, through the capture repository (in (stream, timestamp) order). */
export function storedItems(store: Store, connectorId: string): StoredMessage[] {
  return [...new CaptureRepository(store).iterateItems(connectorId)];
}

/** Message ids stored for a connector, sorted. */
export function storedMessageIds(store: Store, connectorId: string): string[] {
  return storedItems(store, connectorId)
    .map((i) => i.messageId)
    .sort();
}

/** One line per item: what a capture must reproduce exactly (attachments by status and hash); the source hash unless `withSource` is false. */
export function itemFingerprints(store: Store, connectorId: string, options: { withSource?: boolean; withEdits?: boolean } = {}): string[] {
  const { withSource = true, withEdits = true } = options;
  return storedItems(store, connectorId)
    .map((i) =>
      JSON.stringify({
        messageId: i.messageId,
        streamId: i.streamId,
        timestamp: i.timestamp,
        senderId: i.sender.userId,
        source: withSource ? i.sourceSha256 : '',
        ...(withEdits ? { replaces: i.replacesMessageId, entityJSON: i.entityJSON } : {}),
        presentationML: i.presentationML,
        files: i.attachments.map((a) => `${a.status}:${a.sha256 ?? a.failure}`).join('|'),
      }),
    )
    .sort();
}

/** The ids of a conversation's current members as stored, sorted. */
export function currentMemberIds(store: Store, connectorId: string, streamId: string): string[] {
  return (store.db.prepare('SELECT user_id FROM members WHERE connector_id = ? AND stream_id = ? AND current = 1 ORDER BY user_id').all(connectorId, streamId) as { user_id: string }[]).map((r) => r.user_id);
}

/** Items whose sender is not among the conversation's stored members (current or past). */
export function itemsFromNonMembers(store: Store, connectorId: string): number {
  return count(store, 'SELECT COUNT(*) AS n FROM items i WHERE i.connector_id = ? AND NOT EXISTS (SELECT 1 FROM members m WHERE m.connector_id = i.connector_id AND m.stream_id = i.stream_id AND m.user_id = i.sender_id)', connectorId);
}

/** The participants stored for a connector (who they are, whether their details were looked up). */
export function storedParticipants(store: Store, connectorId: string): { userId: string; resolved: boolean }[] {
  return (store.db.prepare('SELECT user_id, resolved FROM participants WHERE connector_id = ?').all(connectorId) as { user_id: string; resolved: number }[]).map((r) => ({ userId: r.user_id, resolved: r.resolved === 1 }));
}

/** Items over every connector, and how many distinct (connector, message) pairs they are. */
export function itemTotals(s: Readable): { items: number; distinct: number } {
  const row = s.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT connector_id || message_id) AS d FROM items').get() as { n: number; d: number };
  return { items: row.n, distinct: row.d };
}

/** The highest item id so far (0 for none): a watcher's measure of capture progress. */
export function lastItemId(s: Readable): number {
  return count(s, 'SELECT COALESCE(MAX(id), 0) AS n FROM items');
}

/** Attachments whose bytes are in the spool, over every connector. */
export function storedAttachmentCount(s: Readable): number {
  return count(s, "SELECT COUNT(*) AS n FROM attachments WHERE status = 'stored'");
}

/** Member-stream checkpoints over every connector. */
export function checkpointCount(store: Store): number {
  return count(store, 'SELECT COUNT(*) AS n FROM checkpoints');
}

/** Item outcomes by status, over every connector. */
export function outcomeCounts(store: Store): Record<string, number> {
  return Object.fromEntries((store.db.prepare('SELECT status, COUNT(*) AS n FROM item_outcomes GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
}

/** The archive keys a connector's item outcomes planned. */
export function plannedArchiveKeys(store: Store, connectorId: string): string[] {
  return (store.db.prepare('SELECT DISTINCT archive_key AS key FROM item_outcomes WHERE connector_id = ? AND archive_key IS NOT NULL').all(connectorId) as { key: string }[]).map((r) => r.key);
}

/** Items that are in more than one run, not counting runs that were interrupted (each must be in exactly one). */
export function itemsInSeveralRuns(store: Store): number {
  return count(store, "SELECT COUNT(*) AS n FROM (SELECT ri.item_id FROM run_items ri JOIN runs r ON r.id = ri.run_id WHERE r.status != 'interrupted' GROUP BY ri.item_id HAVING COUNT(*) != 1)");
}

/** A connector's deliveries by state, through the delivery repository, without the states none is in. */
export function ledgerCounts(store: Store, connectorId: string): Record<string, number> {
  return Object.fromEntries(Object.entries(new DeliveryRepository(store).counts(connectorId)).filter(([, n]) => n > 0));
}

/** Rows of a mapping table for a connector (mapping_custom, mapping_directory_cache…), or in all of it. */
export function mappingRows(store: Store, table: 'mapping_custom' | 'mapping_directory_cache' | 'mapping_held', connectorId?: string): number {
  return connectorId === undefined ? count(store, `SELECT COUNT(*) AS n FROM ${table}`) : count(store, `SELECT COUNT(*) AS n FROM ${table} WHERE connector_id = ?`, connectorId);
}

/** Connector rows, deleted ones included (a deleted connector's row stays for its data until purged). */
export function connectorRows(store: Store): { id: string; deletedAt: string | null }[] {
  return (store.db.prepare('SELECT id, deleted_at FROM connectors ORDER BY created_at, id').all() as { id: string; deleted_at: string | null }[]).map((r) => ({ id: r.id, deletedAt: r.deleted_at }));
}

/** Rows the connection has changed so far (SQLite's total_changes()): a test's measure of how much a call wrote. */
export function totalChanges(store: Store): number {
  return count(store, 'SELECT total_changes() AS n');
}
