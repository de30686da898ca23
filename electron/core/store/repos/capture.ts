import type { CapturedAttachment, CapturedMessage, Conversation, Participant } from '../../model/captured';
import type { Store } from '../database';
import { ConversationRepository, toParticipant } from './conversations';

export type AttachmentStatus = 'pending' | 'stored' | 'failed';

/** An attachment as stored, with its download state. */
export interface StoredAttachment extends CapturedAttachment {
  position: number;
  status: AttachmentStatus;
  /** Why it is failed (or why the last download attempt failed, while pending). */
  failure: string | null;
  attempts: number;
}

export interface StoredMessage extends CapturedMessage {
  attachments: StoredAttachment[];
}

export interface NewAttachment {
  attachmentId: string;
  name: string;
  contentType: string;
  declaredSize: number;
  inline: boolean;
  /** Set when the attachment is refused up front (e.g. declared too large): stored as failed. */
  failure?: string;
  /** Set when the bytes came with the item (an export): stored as stored, nothing to download. */
  stored?: { size: number; sha256: string; spoolPath: string };
}

export interface NewItem {
  messageId: string;
  timestamp: number;
  sender: Participant;
  presentationML: string;
  entityJSON: string;
  replacesMessageId: string | null;
  sourceJson: string;
  sourceSha256: string;
  attachments: NewAttachment[];
}

/** An attachment still to download, with what the download request needs. */
export interface PendingAttachment {
  itemId: number;
  position: number;
  streamId: string;
  messageId: string;
  attachmentId: string;
  name: string;
  declaredSize: number;
  attempts: number;
}

/** Keyset cursor for reading items in (stream, timestamp, id) order. */
export interface ItemCursor {
  streamId: string;
  timestamp: number;
  id: number;
}

interface ItemRow {
  id: number;
  connector_id: string;
  pod: string;
  message_id: string;
  stream_id: string;
  timestamp: number;
  sender_id: string;
  presentation_ml: string;
  entity_json: string;
  replaces_message_id: string | null;
  source_json: string;
  source_sha256: string;
  captured_at: string;
  p_email: string | null;
  p_display_name: string | null;
  p_username: string | null;
  p_external: number | null;
}

interface AttachmentRow {
  item_id: number;
  position: number;
  attachment_id: string;
  name: string;
  content_type: string;
  declared_size: number;
  size: number | null;
  sha256: string | null;
  spool_path: string | null;
  inline: number;
  status: AttachmentStatus;
  failure: string | null;
  attempts: number;
}

/** What the pipeline knows of a captured item (runs/adapters/loaded-page.ts derives it from the stored rows). */
export interface CapturedItemRow {
  /** Capture's local row id: ascending in capture order, the pipeline pages by it. */
  id: number;
  streamId: string;
  messageId: string;
  /** Sender's e-mail (or user id when unknown), for the item log's person filter. */
  sender: string;
  /** Captured bytes: message source plus stored attachments. */
  bytes: number;
  capturedAt: string;
  timestamp: number;
  /** Attachments still waiting for their download. */
  pendingAttachments: number;
}

const ITEM_SELECT = `SELECT i.*, p.email AS p_email, p.display_name AS p_display_name, p.username AS p_username, p.external AS p_external
  FROM items i LEFT JOIN participants p ON p.connector_id = i.connector_id AND p.user_id = i.sender_id`;

/**
 * SQL for captured items and their attachments, plus the readers the converter, importer and
 * pipeline use. Items are written only through the capture writer (capture-writer.ts), inside
 * the transaction that moves the source's position.
 */
export class CaptureRepository {
  readonly conversations: ConversationRepository;

  constructor(private readonly store: Store) {
    this.conversations = new ConversationRepository(store);
  }

  /**
   * Inserts items of one conversation with their attachments (`pending`; `failed` when refused up
   * front; `stored` when the bytes came with the item) and their senders; an item already stored
   * from any source is left as it is. Only the capture writer calls it, inside the transaction
   * that also moves the source's position, so that the two never disagree after a crash.
   */
  insertItems(connectorId: string, pod: string, streamId: string, items: readonly NewItem[], now = new Date()): { inserted: number; attachments: number } {
    const at = now.toISOString();
    const insertItem = this.store.prepare(`INSERT INTO items (connector_id, pod, message_id, stream_id, timestamp, sender_id, presentation_ml, entity_json,
        replaces_message_id, source_json, source_sha256, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (connector_id, message_id) DO NOTHING`);
    const insertAttachment = this.store.prepare(`INSERT INTO attachments (item_id, position, attachment_id, name, content_type, declared_size, size, sha256, spool_path, inline, status, failure, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    return this.store.transaction(() => {
      const senders = new Map(items.map((i) => [i.sender.userId, i.sender]));
      this.conversations.upsertParticipants(connectorId, [...senders.values()], false, now);
      let inserted = 0;
      let attachments = 0;
      for (const item of items) {
        const result = insertItem.run(connectorId, pod, item.messageId, streamId, item.timestamp, item.sender.userId, item.presentationML, item.entityJSON,
          item.replacesMessageId, item.sourceJson, item.sourceSha256, at);
        if (result.changes === 0) continue;
        inserted++;
        const itemId = Number(result.lastInsertRowid);
        item.attachments.forEach((a, position) => {
          const status: AttachmentStatus = a.failure ? 'failed' : a.stored ? 'stored' : 'pending';
          insertAttachment.run(itemId, position, a.attachmentId, a.name, a.contentType, a.declaredSize, a.stored?.size ?? null, a.stored?.sha256 ?? null, a.stored?.spoolPath ?? null,
            a.inline ? 1 : 0, status, a.failure ?? null, at);
          attachments++;
        });
      }
      return { inserted, attachments };
    });
  }

  itemByStreamExists(connectorId: string, streamId: string): boolean {
    return this.store.prepare('SELECT 1 FROM items WHERE connector_id = ? AND stream_id = ? LIMIT 1').get(connectorId, streamId) !== undefined;
  }

  pendingAttachments(connectorId: string, limit = 1000): PendingAttachment[] {
    const rows = this.store
      .prepare(`SELECT a.item_id, a.position, a.attachment_id, a.name, a.declared_size, a.attempts, i.stream_id, i.message_id
        FROM attachments a JOIN items i ON i.id = a.item_id
        WHERE a.status = 'pending' AND i.connector_id = ? ORDER BY a.item_id, a.position LIMIT ?`)
      .all(connectorId, limit) as { item_id: number; position: number; attachment_id: string; name: string; declared_size: number; attempts: number; stream_id: string; message_id: string }[];
    return rows.map((r) => ({
      itemId: r.item_id,
      position: r.position,
      streamId: r.stream_id,
      messageId: r.message_id,
      attachmentId: r.attachment_id,
      name: r.name,
      declaredSize: r.declared_size,
      attempts: r.attempts,
    }));
  }

  markAttachmentStored(itemId: number, position: number, file: { size: number; sha256: string; spoolPath: string }, now = new Date()): void {
    this.store
      .prepare(`UPDATE attachments SET status = 'stored', size = ?, sha256 = ?, spool_path = ?, failure = NULL, attempts = attempts + 1, updated_at = ? WHERE item_id = ? AND position = ?`)
      .run(file.size, file.sha256, file.spoolPath, now.toISOString(), itemId, position);
  }

  /** `final`: the attachment is failed for good; otherwise it stays pending for the next run. */
  markAttachmentFailed(itemId: number, position: number, reason: string, final: boolean, now = new Date()): void {
    this.store
      .prepare(`UPDATE attachments SET status = ?, failure = ?, attempts = attempts + 1, updated_at = ? WHERE item_id = ? AND position = ?`)
      .run(final ? 'failed' : 'pending', reason, now.toISOString(), itemId, position);
  }

  /**
   * A stored attachment whose spool file is gone (a purge by someone else, a disk cleaned): back
   * to `pending` with fresh attempts, so the next download step fetches it again from Symphony.
   */
  markAttachmentLost(itemId: number, position: number, now = new Date()): void {
    this.store
      .prepare(`UPDATE attachments SET status = 'pending', spool_path = NULL, failure = 'the spooled file disappeared; downloaded again', attempts = 0, updated_at = ? WHERE item_id = ? AND position = ? AND status = 'stored'`)
      .run(now.toISOString(), itemId, position);
  }

  /** One item with its attachments, or undefined. */
  item(id: number): StoredMessage | undefined {
    const row = this.store.prepare(`${ITEM_SELECT} WHERE i.id = ?`).get(id) as ItemRow | undefined;
    return row && this.withAttachments([row])[0];
  }

  itemByMessageId(connectorId: string, messageId: string): StoredMessage | undefined {
    const row = this.store.prepare(`${ITEM_SELECT} WHERE i.connector_id = ? AND i.message_id = ?`).get(connectorId, messageId) as ItemRow | undefined;
    return row && this.withAttachments([row])[0];
  }

  /** Items of a connector by local id, with their attachments, in id order (two statements for any number). */
  itemsByIds(connectorId: string, ids: readonly number[]): StoredMessage[] {
    if (ids.length === 0) return [];
    const rows = this.store.prepare(`${ITEM_SELECT} WHERE i.connector_id = ? AND i.id IN (SELECT value FROM json_each(?)) ORDER BY i.id`).all(connectorId, JSON.stringify(ids)) as ItemRow[];
    return this.withAttachments(rows);
  }

  /** One conversation's items with fromMs <= timestamp < toMs, in time order, with their attachments (a transcript day). */
  itemsInStreamRange(connectorId: string, streamId: string, fromMs: number, toMs: number): StoredMessage[] {
    const rows = this.store
      .prepare(`${ITEM_SELECT} WHERE i.connector_id = ? AND i.stream_id = ? AND i.timestamp >= ? AND i.timestamp < ? ORDER BY i.timestamp, i.id`)
      .all(connectorId, streamId, fromMs, toMs) as ItemRow[];
    return this.withAttachments(rows);
  }

  /** The ids of one conversation's items with fromMs <= timestamp < toMs, in time order (read from the index alone). */
  itemIdsInStreamRange(connectorId: string, streamId: string, fromMs: number, toMs: number): number[] {
    const rows = this.store
      .prepare('SELECT id FROM items WHERE connector_id = ? AND stream_id = ? AND timestamp >= ? AND timestamp < ? ORDER BY timestamp, id')
      .all(connectorId, streamId, fromMs, toMs) as { id: number }[];
    return rows.map((r) => r.id);
  }

  /** An item together with its conversation and members, as the converter needs it. */
  itemWithConversation(id: number): { item: StoredMessage; conversation: Conversation } | undefined {
    const item = this.item(id);
    if (!item) return undefined;
    const conversation = this.conversations.conversation(item.connectorId, item.streamId);
    return conversation && { item, conversation };
  }

  /** One page of a connector's items in (stream, timestamp, id) order, after the cursor. */
  itemsPage(connectorId: string, after: ItemCursor | null, limit = 500): { items: StoredMessage[]; next: ItemCursor | null } {
    const rows = (
      after
        ? this.store
            .prepare(`${ITEM_SELECT} WHERE i.connector_id = ? AND (i.stream_id, i.timestamp, i.id) > (?, ?, ?) ORDER BY i.stream_id, i.timestamp, i.id LIMIT ?`)
            .all(connectorId, after.streamId, after.timestamp, after.id, limit)
        : this.store.prepare(`${ITEM_SELECT} WHERE i.connector_id = ? ORDER BY i.stream_id, i.timestamp, i.id LIMIT ?`).all(connectorId, limit)
    ) as ItemRow[];
    const last = rows.at(-1);
    return { items: this.withAttachments(rows), next: last && rows.length === limit ? { streamId: last.stream_id, timestamp: last.timestamp, id: last.id } : null };
  }

  /** Streams every item of a connector in (stream, timestamp, id) order, one page in memory at a time. */
  *iterateItems(connectorId: string, pageSize = 500): Generator<StoredMessage> {
    let cursor: ItemCursor | null = null;
    do {
      const page = this.itemsPage(connectorId, cursor, pageSize);
      yield* page.items;
      cursor = page.next;
    } while (cursor);
  }

  /** Items with a local id above `afterId`, in id order (capture order), for incremental consumers. */
  itemsAfterId(connectorId: string, afterId: number, limit = 500): StoredMessage[] {
    const rows = this.store.prepare(`${ITEM_SELECT} WHERE i.connector_id = ? AND i.id > ? ORDER BY i.id LIMIT ?`).all(connectorId, afterId, limit) as ItemRow[];
    return this.withAttachments(rows);
  }

  counts(connectorId: string): { items: number; conversations: number; attachments: Record<AttachmentStatus, number> } {
    const items = (this.store.prepare('SELECT COUNT(*) AS n FROM items WHERE connector_id = ?').get(connectorId) as { n: number }).n;
    const conversations = (this.store.prepare('SELECT COUNT(*) AS n FROM conversations WHERE connector_id = ?').get(connectorId) as { n: number }).n;
    const attachments: Record<AttachmentStatus, number> = { pending: 0, stored: 0, failed: 0 };
    const rows = this.store
      .prepare('SELECT a.status, COUNT(*) AS n FROM attachments a JOIN items i ON i.id = a.item_id WHERE i.connector_id = ? GROUP BY a.status')
      .all(connectorId) as { status: AttachmentStatus; n: number }[];
    for (const r of rows) attachments[r.status] = r.n;
    return { items, conversations, attachments };
  }

  private withAttachments(rows: ItemRow[]): StoredMessage[] {
    if (rows.length === 0) return [];
    const byItem = new Map<number, StoredAttachment[]>();
    const ids = rows.map((r) => r.id);
    const attachmentRows = this.store
      .prepare(`SELECT * FROM attachments WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, position`)
      .all(JSON.stringify(ids)) as AttachmentRow[];
    for (const a of attachmentRows) {
      const list = byItem.get(a.item_id) ?? [];
      list.push({
        position: a.position,
        attachmentId: a.attachment_id,
        name: a.name,
        contentType: a.content_type,
        declaredSize: a.declared_size,
        size: a.size,
        sha256: a.sha256,
        spoolPath: a.spool_path,
        inline: a.inline === 1,
        status: a.status,
        failure: a.failure,
        attempts: a.attempts,
      });
      byItem.set(a.item_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      connectorId: r.connector_id,
      pod: r.pod,
      messageId: r.message_id,
      streamId: r.stream_id,
      timestamp: r.timestamp,
      sender: toParticipant({
        user_id: r.sender_id,
        email: r.p_email ?? '',
        display_name: r.p_display_name ?? '',
        username: r.p_username,
        external: r.p_external ?? 0,
      }),
      presentationML: r.presentation_ml,
      entityJSON: r.entity_json,
      attachments: byItem.get(r.id) ?? [],
      replacesMessageId: r.replaces_message_id,
      sourceJson: r.source_json,
      sourceSha256: r.source_sha256,
      capturedAt: r.captured_at,
    }));
  }

  // --- the pipeline's bulk reads (no content; a page to plan is read whole, runs/adapters/loaded-page.ts) ---

  /** Captured items with afterId < id <= throughId (the reconciliation's cross-check). */
  countCaptured(connectorId: string, afterId: number, throughId: number): number {
    return (this.store.prepare('SELECT COUNT(*) AS n FROM items WHERE connector_id = ? AND id > ? AND id <= ?').get(connectorId, afterId, throughId) as { n: number }).n;
  }

  /** The spool files of these items' attachments, for retention. */
  spoolFiles(itemIds: readonly number[]): string[] {
    const rows = this.store.prepare('SELECT spool_path FROM attachments WHERE item_id IN (SELECT value FROM json_each(?)) AND spool_path IS NOT NULL').all(JSON.stringify(itemIds)) as {
      spool_path: string;
    }[];
    return rows.map((r) => r.spool_path);
  }

  /** Stored attachments of these items whose spool file is named; the caller checks the files. */
  spooledAttachments(itemIds: readonly number[]): { itemId: number; position: number; spoolPath: string }[] {
    const rows = this.store
      .prepare("SELECT item_id, position, spool_path FROM attachments WHERE status = 'stored' AND spool_path IS NOT NULL AND item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, position")
      .all(JSON.stringify(itemIds)) as { item_id: number; position: number; spool_path: string }[];
    return rows.map((r) => ({ itemId: r.item_id, position: r.position, spoolPath: r.spool_path }));
  }

  /** The Symphony message ids of these items (local id → message id). */
  messageIds(itemIds: readonly number[]): Map<number, string> {
    const rows = this.store.prepare('SELECT id, message_id FROM items WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(itemIds)) as { id: number; message_id: string }[];
    return new Map(rows.map((r) => [r.id, r.message_id]));
  }
}
