import type { Participant, StreamType } from '../../model/captured';
import type { Store } from '../database';
import { CaptureRepository, type NewItem } from './capture';
import type { MemberRecord } from './conversations';

/** Where a connector's Datahose feed stands. */
export interface DatahoseFeed {
  tag: string;
  /** The ackId to send with the next read (acknowledges the last stored batch); '' before the first. */
  ackId: string;
  firstReadAt: string;
  events: number;
  batches: number;
  lastEventAt: number | null;
}

/** A conversation as the events describe it; fields left undefined keep what the store has. */
export interface DatahoseConversation {
  streamId: string;
  streamType: StreamType;
  name?: string;
  external?: boolean;
  crossPod?: boolean;
  active?: boolean;
}

/** A membership change seen in an event (joined, left, promoted, demoted, IM created). */
export interface DatahoseMembership {
  streamId: string;
  userId: string;
  current: boolean;
  isOwner?: boolean;
  joinDate?: number | null;
  /** Only add the member when the store has no row for them (a sender standing in for a member list). */
  onlyIfAbsent?: boolean;
}

export interface Suppression {
  messageId: string;
  streamId: string;
  suppressedAt: number;
  suppressedBy: string | null;
}

export interface StoredSuppression extends Suppression {
  source: 'datahose';
  recordedAt: string;
}

/** Everything one batch of events changes, written in one transaction with the batch's ackId. */
export interface DatahoseBatch {
  tag: string;
  ackId: string;
  events: number;
  lastEventAt: number | null;
  /** In event order; later entries for the same stream win. */
  conversations: DatahoseConversation[];
  /** Whole membership lists read from the pod for conversations new to the store. */
  memberLists: { streamId: string; members: MemberRecord[] }[];
  /** In event order; applied after the lists. */
  memberships: DatahoseMembership[];
  /** Users named by the events or the member lists. `resolved`: from the pod's directory. */
  participants: { participant: Participant; resolved: boolean }[];
  items: { streamId: string; item: NewItem }[];
  suppressions: Suppression[];
  /** Member lists that could not be read: recorded as open gaps, the batch stored all the same. */
  gaps: { streamId: string; reason: string }[];
}

/** A conversation whose member list a run could not read, until a later run reads it. */
export interface MemberGap {
  streamId: string;
  reason: string;
  attempts: number;
  openedAt: string;
}

interface FeedRow {
  tag: string;
  ack_id: string;
  first_read_at: string;
  events: number;
  batches: number;
  last_event_at: number | null;
}

interface SuppressionRow {
  message_id: string;
  stream_id: string;
  suppressed_at: number;
  suppressed_by: string | null;
  source: 'datahose';
  recorded_at: string;
}

/**
 * SQL for the Datahose source: the feed position and suppressions, and the one transaction that
 * stores a batch (conversations, members, items, suppressions) together with its ackId.
 */
export class DatahoseRepository {
  readonly capture: CaptureRepository;

  constructor(private readonly store: Store) {
    this.capture = new CaptureRepository(store);
  }

  feed(connectorId: string): DatahoseFeed | undefined {
    const row = this.store.db.prepare('SELECT tag, ack_id, first_read_at, events, batches, last_event_at FROM datahose_feeds WHERE connector_id = ?').get(connectorId) as FeedRow | undefined;
    return row && { tag: row.tag, ackId: row.ack_id, firstReadAt: row.first_read_at, events: row.events, batches: row.batches, lastEventAt: row.last_event_at };
  }

  /** Which of these streams the store does not know yet (for any source). */
  unknownStreams(connectorId: string, streamIds: readonly string[]): string[] {
    const exists = this.store.db.prepare('SELECT 1 FROM conversations WHERE connector_id = ? AND stream_id = ?');
    return [...new Set(streamIds)].filter((id) => !exists.get(connectorId, id));
  }

  /**
   * Stores one batch and its ackId atomically. Items already stored (by any source) and
   * suppressions already recorded are left as they are. Returns what was new.
   */
  storeBatch(connectorId: string, pod: string, batch: DatahoseBatch, now = new Date()): { inserted: number; insertedByStream: Map<string, number>; suppressions: number; conversations: number } {
    const db = this.store.db;
    const at = now.toISOString();
    const conversations = this.capture.conversations;
    return this.store.transaction(() => {
      const before = (db.prepare('SELECT COUNT(*) AS n FROM conversations WHERE connector_id = ?').get(connectorId) as { n: number }).n;
      const upsertConversation = db.prepare(`
        INSERT INTO conversations (connector_id, stream_id, stream_type, name, external, cross_pod, active, last_modified, first_seen_at, updated_at)
        VALUES (@connectorId, @streamId, @streamType, COALESCE(@name, ''), COALESCE(@external, 0), COALESCE(@crossPod, 0), COALESCE(@active, 1), NULL, @at, @at)
        ON CONFLICT (connector_id, stream_id) DO UPDATE SET
          name = COALESCE(@name, name), external = COALESCE(@external, external), cross_pod = COALESCE(@crossPod, cross_pod),
          active = COALESCE(@active, active), updated_at = @at`);
      for (const c of batch.conversations) {
        upsertConversation.run({ connectorId, streamId: c.streamId, streamType: c.streamType, name: c.name ?? null, external: flag(c.external), crossPod: flag(c.crossPod), active: flag(c.active), at });
      }
      const resolved = batch.participants.filter((p) => p.resolved).map((p) => p.participant);
      const seen = batch.participants.filter((p) => !p.resolved).map((p) => p.participant);
      conversations.upsertParticipants(connectorId, resolved, true, now);
      conversations.upsertParticipants(connectorId, seen, false, now);
      for (const list of batch.memberLists) conversations.replaceMembers(connectorId, list.streamId, list.members);
      const upsertMember = db.prepare(`
        INSERT INTO members (connector_id, stream_id, user_id, is_owner, join_date, current) VALUES (?, ?, ?, COALESCE(?, 0), ?, ?)
        ON CONFLICT (connector_id, stream_id, user_id) DO UPDATE SET
          is_owner = COALESCE(?, is_owner), join_date = COALESCE(join_date, excluded.join_date), current = excluded.current`);
      const addMember = db.prepare('INSERT INTO members (connector_id, stream_id, user_id, is_owner, join_date, current) VALUES (?, ?, ?, 0, NULL, 1) ON CONFLICT DO NOTHING');
      for (const m of batch.memberships) {
        if (m.onlyIfAbsent) {
          addMember.run(connectorId, m.streamId, m.userId);
          continue;
        }
        const owner = m.isOwner === undefined ? null : m.isOwner ? 1 : 0;
        upsertMember.run(connectorId, m.streamId, m.userId, owner, m.joinDate ?? null, m.current ? 1 : 0, owner);
      }

      let inserted = 0;
      const insertedByStream = new Map<string, number>();
      const byStream = new Map<string, NewItem[]>();
      for (const { streamId, item } of batch.items) {
        const list = byStream.get(streamId) ?? [];
        list.push(item);
        byStream.set(streamId, list);
      }
      for (const [streamId, items] of byStream) {
        const n = this.capture.insertItems(connectorId, pod, streamId, items, now).inserted;
        inserted += n;
        if (n > 0) insertedByStream.set(streamId, n);
      }

      const openGap = db.prepare(`INSERT INTO capture_gaps (connector_id, stream_id, part, status, reason, attempts, opened_at, tried_at)
        VALUES (?, ?, 'members', 'open', ?, 1, ?, ?)
        ON CONFLICT (connector_id, stream_id, part) DO UPDATE SET status = 'open', reason = excluded.reason, attempts = attempts + 1, tried_at = excluded.tried_at, filled_at = NULL`);
      for (const g of batch.gaps) openGap.run(connectorId, g.streamId, g.reason, at, at);

      const insertSuppression = db.prepare(`INSERT INTO suppressions (connector_id, message_id, stream_id, suppressed_at, suppressed_by, source, recorded_at)
        VALUES (?, ?, ?, ?, ?, 'datahose', ?) ON CONFLICT (connector_id, message_id) DO NOTHING`);
      let suppressions = 0;
      for (const s of batch.suppressions) suppressions += insertSuppression.run(connectorId, s.messageId, s.streamId, s.suppressedAt, s.suppressedBy, at).changes;

      db.prepare(`INSERT INTO datahose_feeds (connector_id, tag, ack_id, first_read_at, events, batches, last_event_at, updated_at)
          VALUES (@connectorId, @tag, @ackId, @at, @events, @batches, @lastEventAt, @at)
          ON CONFLICT (connector_id) DO UPDATE SET tag = @tag, ack_id = @ackId, events = events + @events, batches = batches + @batches,
            last_event_at = COALESCE(MAX(last_event_at, @lastEventAt), last_event_at, @lastEventAt), updated_at = @at`)
        .run({ connectorId, tag: batch.tag, ackId: batch.ackId, at, events: batch.events, batches: batch.events > 0 ? 1 : 0, lastEventAt: batch.lastEventAt });
      const after = (db.prepare('SELECT COUNT(*) AS n FROM conversations WHERE connector_id = ?').get(connectorId) as { n: number }).n;
      return { inserted, insertedByStream, suppressions, conversations: after - before };
    });
  }

  /** Conversations whose member list is still missing, oldest first. */
  openGaps(connectorId: string): MemberGap[] {
    const rows = this.store.db
      .prepare("SELECT stream_id, reason, attempts, opened_at FROM capture_gaps WHERE connector_id = ? AND part = 'members' AND status = 'open' ORDER BY opened_at, stream_id")
      .all(connectorId) as { stream_id: string; reason: string; attempts: number; opened_at: string }[];
    return rows.map((r) => ({ streamId: r.stream_id, reason: r.reason, attempts: r.attempts, openedAt: r.opened_at }));
  }

  /** Fills a gap: the member list read at last, its users and the gap's end, in one transaction. */
  fillMemberGap(connectorId: string, streamId: string, members: readonly MemberRecord[], participants: readonly Participant[], now = new Date()): void {
    const at = now.toISOString();
    this.store.transaction(() => {
      this.capture.conversations.upsertParticipants(connectorId, participants, true, now);
      this.capture.conversations.replaceMembers(connectorId, streamId, members);
      this.store.db.prepare("UPDATE capture_gaps SET status = 'filled', filled_at = ?, tried_at = ? WHERE connector_id = ? AND stream_id = ? AND part = 'members'").run(at, at, connectorId, streamId);
    });
  }

  /** Another attempt at a gap failed: the reason and the count, the gap stays open. */
  memberGapStillOpen(connectorId: string, streamId: string, reason: string, now = new Date()): void {
    this.store.db
      .prepare("UPDATE capture_gaps SET reason = ?, attempts = attempts + 1, tried_at = ? WHERE connector_id = ? AND stream_id = ? AND part = 'members'")
      .run(reason, now.toISOString(), connectorId, streamId);
  }

  /** The suppression of a message, if Symphony reported one. */
  suppression(connectorId: string, messageId: string): StoredSuppression | undefined {
    const row = this.store.db.prepare('SELECT * FROM suppressions WHERE connector_id = ? AND message_id = ?').get(connectorId, messageId) as SuppressionRow | undefined;
    return row && toSuppression(row);
  }

  /** Suppressions of these messages, by message id (for a page of items). */
  suppressionsOf(connectorId: string, messageIds: readonly string[]): Map<string, StoredSuppression> {
    const rows = this.store.db
      .prepare('SELECT * FROM suppressions WHERE connector_id = ? AND message_id IN (SELECT value FROM json_each(?))')
      .all(connectorId, JSON.stringify(messageIds)) as SuppressionRow[];
    return new Map(rows.map((r) => [r.message_id, toSuppression(r)]));
  }

  suppressionCount(connectorId: string): number {
    return (this.store.db.prepare('SELECT COUNT(*) AS n FROM suppressions WHERE connector_id = ?').get(connectorId) as { n: number }).n;
  }
}

function flag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

function toSuppression(r: SuppressionRow): StoredSuppression {
  return { messageId: r.message_id, streamId: r.stream_id, suppressedAt: r.suppressed_at, suppressedBy: r.suppressed_by, source: r.source, recordedAt: r.recorded_at };
}
