import { blockFixes, storedReason, type BlockedMailbox, type BlockReason, type OutcomeReason } from '../../../../shared/contract';
import type { Store } from '../database';
import type { RouteName } from '../../model/destination';

/** Where a delivery (archive key × mailbox) stands in the ledger; docs/GLOSSARY.md. */
export type DeliveryState = 'pending' | 'sending' | 'delivered' | 'failed' | 'skipped' | 'blocked';

// Why a mailbox cannot be written (graph/permissions.ts decides) and the mailbox with its waiting
// deliveries are the contract's types (`BlockReason`, `BlockedMailbox`), not copies of them.
export type { BlockReason } from '../../../../shared/contract';

/** A blocked mailbox as the contract has it, and since when its oldest waiting delivery is blocked. */
export type BlockedMailboxSince = BlockedMailbox & { since: string };

export interface Delivery {
  connectorId: string;
  archiveKey: string;
  mailbox: string;
  state: DeliveryState;
  attempts: number;
  graphId: string | null;
  attachmentsDone: number[];
  note: string | null;
  /** The words of the last failure (or block); `reason` has them as a value. */
  lastError: string | null;
  /** Why the delivery is not delivered, as a value (`{code, message, fix, detail}`); null when it is. */
  reason: OutcomeReason | null;
  blockedReason: BlockReason | null;
  /** The item was found in the mailbox by its archive key: delivered without a new copy. */
  foundExisting: boolean;
  /** The destination that wrote (or is writing) the item: `graph-json`, `graph-mime`; null before migration 0012. */
  route: RouteName | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

interface DeliveryRow {
  connector_id: string;
  archive_key: string;
  mailbox: string;
  state: DeliveryState;
  attempts: number;
  graph_id: string | null;
  attachments_done: string;
  note: string | null;
  last_error: string | null;
  reason_json: string | null;
  blocked_reason: BlockReason | null;
  found_existing: number;
  route: RouteName | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface DeliveryKey {
  connectorId: string;
  archiveKey: string;
  mailbox: string;
}

/** Where a page of one mailbox's open deliveries ended (DeliveryRepository.openPage). */
export interface OpenCursor {
  state: 'sending' | 'pending';
  /** The rowid of the last row returned in that state. */
  seq: number;
}

/** Mailbox addresses are compared case-insensitively everywhere; the ledger stores them lower-cased. */
export function normaliseMailbox(mailbox: string): string {
  return mailbox.trim().toLowerCase();
}

/** Back to the queue: a row that was ever sent (or may have been) is looked up in the mailbox first. */
const BACK_TO_QUEUE = "CASE WHEN graph_id IS NULL AND attempts = 0 THEN 'pending' ELSE 'sending' END";

/** SQL for the delivery ledger and the mailbox folder cache; nothing else touches these tables. */
export class DeliveryRepository {
  constructor(private readonly store: Store) {}

  /** Runs several ledger writes as one transaction (one fsync): the importer's group commit. */
  batch(fn: () => void): void {
    this.store.transaction(fn);
  }

  /** Adds a pending row per mailbox; rows that exist (in any state) are left as they are. */
  enqueue(connectorId: string, archiveKey: string, mailboxes: readonly string[], now = new Date()): number {
    const at = now.toISOString();
    const insert = this.store.prepare(
      `INSERT INTO deliveries (connector_id, archive_key, mailbox, state, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING`,
    );
    return this.store.transaction(() => {
      let added = 0;
      for (const mailbox of new Set(mailboxes.map(normaliseMailbox))) {
        if (mailbox) added += insert.run(connectorId, archiveKey, mailbox, at, at).changes;
      }
      return added;
    });
  }

  get(key: DeliveryKey): Delivery | undefined {
    const row = this.store.prepare('SELECT * FROM deliveries WHERE connector_id = ? AND archive_key = ? AND mailbox = ?').get(key.connectorId, key.archiveKey, normaliseMailbox(key.mailbox)) as
      | DeliveryRow
      | undefined;
    return row && toDelivery(row);
  }

  /** Work still to do: `sending` first (their outcome is unknown), then `pending`, oldest first. */
  listOpen(connectorId: string, limit = 1_000_000): Delivery[] {
    const rows = this.store
      .prepare(
        `SELECT * FROM deliveries WHERE connector_id = ? AND state IN ('sending', 'pending')
         ORDER BY CASE state WHEN 'sending' THEN 0 ELSE 1 END, created_at, archive_key, mailbox LIMIT ?`,
      )
      .all(connectorId, limit) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  /**
   * One mailbox's open deliveries after `after`, at most `limit`: its `sending` rows first (their
   * outcome is unknown), then its `pending` ones, each in the order they were enqueued. Keyset
   * paging on the row's position (SQLite's rowid, which the `deliveries_work` index carries, so
   * a page costs its own rows, not the mailbox's backlog): the importer reads a million open
   * deliveries a page at a time instead of at once. Rowids are stable while the file is open
   * (this app never VACUUMs), which is all a cursor held within one import needs.
   */
  openPage(connectorId: string, mailbox: string, after: OpenCursor | undefined, limit: number): { rows: Delivery[]; next: OpenCursor } {
    let cursor: OpenCursor = after ?? { state: 'sending', seq: 0 };
    const rows: Delivery[] = [];
    for (;;) {
      const page = this.store.prepare('SELECT rowid AS seq, * FROM deliveries WHERE connector_id = ? AND state = ? AND mailbox = ? AND rowid > ? ORDER BY rowid LIMIT ?').all(
        connectorId,
        cursor.state,
        normaliseMailbox(mailbox),
        cursor.seq,
        limit - rows.length,
      ) as Array<DeliveryRow & { seq: number }>;
      for (const row of page) rows.push(toDelivery(row));
      if (page.length) cursor = { state: cursor.state, seq: page.at(-1)!.seq };
      if (rows.length >= limit || cursor.state === 'pending') return { rows, next: cursor };
      cursor = { state: 'pending', seq: 0 };
    }
  }

  /** Mailboxes with open (`sending` or `pending`) deliveries, in address order. */
  openMailboxes(connectorId: string): string[] {
    const rows = this.store.prepare("SELECT DISTINCT mailbox FROM deliveries WHERE connector_id = ? AND state IN ('sending', 'pending') ORDER BY mailbox").all(connectorId) as { mailbox: string }[];
    return rows.map((r) => r.mailbox);
  }

  /** How many deliveries are open (`sending` or `pending`). */
  countOpen(connectorId: string): number {
    return (this.store.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE connector_id = ? AND state IN ('sending', 'pending')").get(connectorId) as { n: number }).n;
  }

  list(connectorId: string, state?: DeliveryState): Delivery[] {
    const rows = (
      state
        ? this.store.prepare('SELECT * FROM deliveries WHERE connector_id = ? AND state = ? ORDER BY archive_key, mailbox').all(connectorId, state)
        : this.store.prepare('SELECT * FROM deliveries WHERE connector_id = ? ORDER BY archive_key, mailbox').all(connectorId)
    ) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  /** Every mailbox the connector delivers to (or tried to). */
  mailboxes(connectorId: string): string[] {
    return (this.store.prepare('SELECT DISTINCT mailbox FROM deliveries WHERE connector_id = ? ORDER BY mailbox').all(connectorId) as { mailbox: string }[]).map((r) => r.mailbox);
  }

  counts(connectorId: string): Record<DeliveryState, number> {
    const counts: Record<DeliveryState, number> = { pending: 0, sending: 0, delivered: 0, failed: 0, skipped: 0, blocked: 0 };
    const rows = this.store.prepare('SELECT state, COUNT(*) AS n FROM deliveries WHERE connector_id = ? GROUP BY state').all(connectorId) as {
      state: DeliveryState;
      n: number;
    }[];
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /**
   * Committed before the create request goes out: from here on the outcome is unknown until
   * recorded. `route` (the destination the create goes by) is recorded in the same statement, so a
   * later look-up after an unknown outcome asks the same destination.
   */
  markSending(key: DeliveryKey, now = new Date(), route?: RouteName): void {
    this.update(key, "state = 'sending', attempts = attempts + 1, route = COALESCE(?, route), updated_at = ?", [route ?? null, now.toISOString()]);
  }

  /** The item exists in the mailbox (created now or found again); attachments may still be missing. */
  recordItem(key: DeliveryKey, graphId: string, attachmentsDone: readonly number[], note: string | null = null, now = new Date()): void {
    this.update(key, 'graph_id = ?, attachments_done = ?, note = COALESCE(?, note), updated_at = ?', [
      graphId,
      JSON.stringify([...new Set(attachmentsDone)].sort((a, b) => a - b)),
      note,
      now.toISOString(),
    ]);
  }

  /** The item no longer exists (deleted to be re-created); forget its id and progress. */
  forgetItem(key: DeliveryKey, now = new Date()): void {
    this.update(key, "graph_id = NULL, attachments_done = '[]', updated_at = ?", [now.toISOString()]);
  }

  /** The route of an item a destination wrote without a request (`markSending` records it for the others). */
  recordRoute(key: DeliveryKey, route: RouteName, now = new Date()): void {
    this.update(key, 'route = ?, updated_at = ?', [route, now.toISOString()]);
  }

  /** `foundExisting`: the item was already in the mailbox (looked up by its archive key), nothing new was created. */
  markDelivered(key: DeliveryKey, graphId: string, now = new Date(), foundExisting = false): void {
    const at = now.toISOString();
    this.update(key, "state = 'delivered', graph_id = ?, last_error = NULL, reason_json = NULL, blocked_reason = NULL, found_existing = ?, delivered_at = ?, updated_at = ?", [graphId, foundExisting ? 1 : 0, at, at]);
  }

  /**
   * A failure worth retrying on the next run. The row stays `sending` when a create may have
   * reached the mailbox (the next run then looks before it creates), else goes back to `pending`.
   */
  markRetryLater(key: DeliveryKey, reason: OutcomeReason, outcomeUnknown: boolean, now = new Date()): void {
    this.update(key, "state = CASE WHEN ? = 1 OR graph_id IS NOT NULL THEN 'sending' ELSE 'pending' END, last_error = ?, reason_json = ?, updated_at = ?", [
      outcomeUnknown ? 1 : 0,
      reason.message,
      JSON.stringify(reason),
      now.toISOString(),
    ]);
  }

  /**
   * Settling found the delivery's item incomplete, replaced or gone: back to `sending` (the
   * importer looks in the mailbox before it creates), whatever state it had reached.
   */
  reopen(key: DeliveryKey, reason: string, now = new Date()): void {
    this.update(key, "state = 'sending', delivered_at = NULL, last_error = ?, reason_json = NULL, updated_at = ?", [reason, now.toISOString()]);
  }

  markFailed(key: DeliveryKey, reason: OutcomeReason, now = new Date()): void {
    this.update(key, "state = 'failed', last_error = ?, reason_json = ?, updated_at = ?", [reason.message, JSON.stringify(reason), now.toISOString()]);
  }

  markSkipped(key: DeliveryKey, reason: string, now = new Date()): void {
    this.update(key, "state = 'skipped', last_error = ?, updated_at = ?", [reason, now.toISOString()]);
  }

  /**
   * Every open delivery of a mailbox that cannot be written becomes `blocked` with the reason: a
   * gap the officer must see, never a skip. Rows that may already be in the mailbox keep their
   * Graph id and attempts, so that when unblocked they are looked up before anything is created.
   */
  blockMailbox(connectorId: string, mailbox: string, reason: BlockReason, message: string, now = new Date()): number {
    return this.store
      .prepare("UPDATE deliveries SET state = 'blocked', blocked_reason = ?, last_error = ?, updated_at = ? WHERE connector_id = ? AND mailbox = ? AND state IN ('pending', 'sending')")
      .run(reason, message, now.toISOString(), connectorId, normaliseMailbox(mailbox)).changes;
  }

  /** One delivery of a blocked mailbox (found unwritable while delivering it). */
  markBlocked(key: DeliveryKey, reason: BlockReason, message: string, now = new Date()): void {
    this.update(key, "state = 'blocked', blocked_reason = ?, last_error = ?, updated_at = ?", [reason, message, now.toISOString()]);
  }

  /** The mailbox can be written again: its blocked deliveries go back to the queue (ever sent: looked up first). */
  unblockMailbox(connectorId: string, mailbox: string, now = new Date()): number {
    return this.store
      .prepare(
        `UPDATE deliveries SET state = ${BACK_TO_QUEUE}, updated_at = ?
         WHERE connector_id = ? AND mailbox = ? AND state = 'blocked'`,
      )
      .run(now.toISOString(), connectorId, normaliseMailbox(mailbox)).changes;
  }

  /** Still blocked, with the latest reason: the re-check found the same problem (or another one). */
  reblockMailbox(connectorId: string, mailbox: string, reason: BlockReason, message: string, now = new Date()): void {
    this.store
      .prepare("UPDATE deliveries SET blocked_reason = ?, last_error = ?, updated_at = ? WHERE connector_id = ? AND mailbox = ? AND state = 'blocked'")
      .run(reason, message, now.toISOString(), connectorId, normaliseMailbox(mailbox));
  }

  /** Mailboxes with blocked deliveries, the most waiting first. */
  blockedMailboxes(connectorId: string): BlockedMailboxSince[] {
    const rows = this.store
      .prepare(
        `SELECT mailbox, COUNT(*) AS deliveries, MIN(updated_at) AS since,
           (SELECT b.blocked_reason FROM deliveries b WHERE b.connector_id = d.connector_id AND b.mailbox = d.mailbox AND b.state = 'blocked' ORDER BY b.updated_at DESC LIMIT 1) AS reason,
           (SELECT b.last_error FROM deliveries b WHERE b.connector_id = d.connector_id AND b.mailbox = d.mailbox AND b.state = 'blocked' ORDER BY b.updated_at DESC LIMIT 1) AS message
         FROM deliveries d WHERE connector_id = ? AND state = 'blocked' GROUP BY mailbox ORDER BY deliveries DESC, mailbox`,
      )
      .all(connectorId) as BlockedMailboxRow[];
    return rows.map(toBlockedMailbox);
  }

  /** Puts failed rows back in the queue (the officer fixed the cause); rows ever sent are re-checked first. */
  requeue(connectorId: string, states: readonly DeliveryState[] = ['failed'], now = new Date()): number {
    const placeholders = states.map(() => '?').join(', ');
    return this.store
      .prepare(`UPDATE deliveries SET state = ${BACK_TO_QUEUE}, updated_at = ? WHERE connector_id = ? AND state IN (${placeholders})`)
      .run(now.toISOString(), connectorId, ...states).changes;
  }

  /** The ledger rows of these archive keys (the reconciliation reads a page of keys at a time). */
  ofKeys(connectorId: string, archiveKeys: readonly string[]): Delivery[] {
    const rows = this.store.prepare('SELECT * FROM deliveries WHERE connector_id = ? AND archive_key IN (SELECT value FROM json_each(?))').all(connectorId, JSON.stringify(archiveKeys)) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  /** Archive keys with a delivery still to send (`pending` or `sending`), ascending after `afterKey`. */
  openKeys(connectorId: string, afterKey: string, limit: number): string[] {
    const rows = this.store
      .prepare("SELECT DISTINCT archive_key FROM deliveries WHERE connector_id = ? AND state IN ('pending', 'sending') AND archive_key > ? ORDER BY archive_key LIMIT ?")
      .all(connectorId, afterKey, limit) as { archive_key: string }[];
    return rows.map((r) => r.archive_key);
  }

  /** The officer skipped the item: its deliveries not delivered are skipped too, so no run sends them later. */
  skipOpen(connectorId: string, archiveKey: string, now = new Date()): number {
    return this.store
      .prepare(
        `UPDATE deliveries SET state = 'skipped', last_error = 'skipped by the officer', updated_at = ?
         WHERE connector_id = ? AND archive_key = ? AND state IN ('pending', 'sending', 'failed', 'blocked')`,
      )
      .run(now.toISOString(), connectorId, archiveKey).changes;
  }

  /** The failed and blocked deliveries of one archive key back to the queue, as `requeue` does for a connector. */
  requeueKey(connectorId: string, archiveKey: string, now = new Date()): number {
    return this.store
      .prepare(`UPDATE deliveries SET state = ${BACK_TO_QUEUE}, updated_at = ? WHERE connector_id = ? AND archive_key = ? AND state IN ('failed', 'blocked')`)
      .run(now.toISOString(), connectorId, archiveKey).changes;
  }

  folderId(connectorId: string, mailbox: string, folderName: string): string | undefined {
    const row = this.store.prepare('SELECT folder_id FROM mailbox_folders WHERE connector_id = ? AND mailbox = ? AND folder_name = ?').get(connectorId, normaliseMailbox(mailbox), folderName) as
      | { folder_id: string }
      | undefined;
    return row?.folder_id;
  }

  saveFolderId(connectorId: string, mailbox: string, folderName: string, folderId: string, now = new Date()): void {
    this.store
      .prepare(
        `INSERT INTO mailbox_folders (connector_id, mailbox, folder_name, folder_id, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (connector_id, mailbox, folder_name) DO UPDATE SET folder_id = excluded.folder_id, updated_at = excluded.updated_at`,
      )
      .run(connectorId, normaliseMailbox(mailbox), folderName, folderId, now.toISOString());
  }

  forgetFolder(connectorId: string, mailbox: string, folderName: string): void {
    this.store.prepare('DELETE FROM mailbox_folders WHERE connector_id = ? AND mailbox = ? AND folder_name = ?').run(connectorId, normaliseMailbox(mailbox), folderName);
  }

  private update(key: DeliveryKey, set: string, values: unknown[]): void {
    this.store.prepare(`UPDATE deliveries SET ${set} WHERE connector_id = ? AND archive_key = ? AND mailbox = ?`).run(...values, key.connectorId, key.archiveKey, normaliseMailbox(key.mailbox));
  }
}

interface BlockedMailboxRow {
  mailbox: string;
  deliveries: number;
  since: string;
  reason: BlockReason | null;
  message: string | null;
}

function toBlockedMailbox(r: BlockedMailboxRow): BlockedMailboxSince {
  const reason = r.reason ?? 'access-denied';
  return { mailbox: r.mailbox, deliveries: r.deliveries, since: r.since, reason, message: r.message ?? `${r.mailbox} cannot be written.`, fix: blockFixes[reason] };
}

/** The key columns every table of the ledger carries (deliveries, unknown outcomes, settlements). */
export function toDeliveryKey(row: { connector_id: string; archive_key: string; mailbox: string }): DeliveryKey {
  return { connectorId: row.connector_id, archiveKey: row.archive_key, mailbox: row.mailbox };
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    ...toDeliveryKey(row),
    state: row.state,
    attempts: row.attempts,
    graphId: row.graph_id,
    attachmentsDone: JSON.parse(row.attachments_done) as number[],
    note: row.note,
    lastError: row.last_error,
    reason: deliveryReason(row.state, row.reason_json, row.last_error, row.blocked_reason),
    blockedReason: row.blocked_reason,
    foundExisting: row.found_existing === 1,
    route: row.route,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
  };
}

/**
 * A delivery's reason: the stored value, else (a blocked row, or one written before migration
 * 0017) its words with the block reason's code and fix. A delivered row has none.
 */
export function deliveryReason(state: string, json: string | null, text: string | null, blocked: BlockReason | null): OutcomeReason | null {
  if (state === 'delivered') return null;
  if (state === 'blocked' && blocked && !json) return { code: blocked, message: text ?? 'The mailbox cannot be written.', fix: blockFixes[blocked] };
  return storedReason(json, text);
}
