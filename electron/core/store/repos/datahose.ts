import type { Store } from '../database';

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

/**
 * How far one batch moved the feed, with what it holds beyond the capture tables: written as the
 * capture writer's `advance`, in the transaction that stores the batch's conversations and items.
 */
export interface FeedAdvance {
  tag: string;
  ackId: string;
  events: number;
  lastEventAt: number | null;
  suppressions: readonly Suppression[];
  /** Member lists that could not be read: recorded as open gaps, the batch stored all the same. */
  gaps: readonly { streamId: string; reason: string }[];
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
 * SQL for the Datahose source's own tables: the feed position (`datahose_feeds`), suppressions and
 * the member-list gaps (`capture_gaps`). Conversations, members and items go through the capture
 * writer, which calls `advanceFeed` in the same transaction.
 */
export class DatahoseRepository {
  constructor(private readonly store: Store) {}

  feed(connectorId: string): DatahoseFeed | undefined {
    const row = this.store.prepare('SELECT tag, ack_id, first_read_at, events, batches, last_event_at FROM datahose_feeds WHERE connector_id = ?').get(connectorId) as FeedRow | undefined;
    return row && { tag: row.tag, ackId: row.ack_id, firstReadAt: row.first_read_at, events: row.events, batches: row.batches, lastEventAt: row.last_event_at };
  }

  /**
   * Records a stored batch: its ackId (sent with the next read, which acknowledges the batch), its
   * suppressions (once each) and the gaps it opened. Only called as the capture writer's
   * `advance`. Returns how many suppressions were new.
   */
  advanceFeed(connectorId: string, feed: FeedAdvance, now = new Date()): { suppressions: number } {
    const at = now.toISOString();
    return this.store.transaction(() => {
      const openGap = this.store.prepare(`INSERT INTO capture_gaps (connector_id, stream_id, part, status, reason, attempts, opened_at, tried_at)
        VALUES (?, ?, 'members', 'open', ?, 1, ?, ?)
        ON CONFLICT (connector_id, stream_id, part) DO UPDATE SET status = 'open', reason = excluded.reason, attempts = attempts + 1, tried_at = excluded.tried_at, filled_at = NULL`);
      for (const g of feed.gaps) openGap.run(connectorId, g.streamId, g.reason, at, at);

      const insertSuppression = this.store.prepare(`INSERT INTO suppressions (connector_id, message_id, stream_id, suppressed_at, suppressed_by, source, recorded_at)
        VALUES (?, ?, ?, ?, ?, 'datahose', ?) ON CONFLICT (connector_id, message_id) DO NOTHING`);
      let suppressions = 0;
      for (const s of feed.suppressions) suppressions += insertSuppression.run(connectorId, s.messageId, s.streamId, s.suppressedAt, s.suppressedBy, at).changes;

      this.store.prepare(`INSERT INTO datahose_feeds (connector_id, tag, ack_id, first_read_at, events, batches, last_event_at, updated_at)
          VALUES (@connectorId, @tag, @ackId, @at, @events, @batches, @lastEventAt, @at)
          ON CONFLICT (connector_id) DO UPDATE SET tag = @tag, ack_id = @ackId, events = events + @events, batches = batches + @batches,
            last_event_at = COALESCE(MAX(last_event_at, @lastEventAt), last_event_at, @lastEventAt), updated_at = @at`)
        .run({ connectorId, tag: feed.tag, ackId: feed.ackId, at, events: feed.events, batches: feed.events > 0 ? 1 : 0, lastEventAt: feed.lastEventAt });
      return { suppressions };
    });
  }

  /** Conversations whose member list is still missing, oldest first. */
  openGaps(connectorId: string): MemberGap[] {
    const rows = this.store
      .prepare("SELECT stream_id, reason, attempts, opened_at FROM capture_gaps WHERE connector_id = ? AND part = 'members' AND status = 'open' ORDER BY opened_at, stream_id")
      .all(connectorId) as { stream_id: string; reason: string; attempts: number; opened_at: string }[];
    return rows.map((r) => ({ streamId: r.stream_id, reason: r.reason, attempts: r.attempts, openedAt: r.opened_at }));
  }

  /** A gap's member list was read at last: called as the capture writer's `advance` of the write that stores the list. */
  closeMemberGap(connectorId: string, streamId: string, now = new Date()): void {
    const at = now.toISOString();
    this.store.prepare("UPDATE capture_gaps SET status = 'filled', filled_at = ?, tried_at = ? WHERE connector_id = ? AND stream_id = ? AND part = 'members'").run(at, at, connectorId, streamId);
  }

  /** Another attempt at a gap failed: the reason and the count, the gap stays open. */
  memberGapStillOpen(connectorId: string, streamId: string, reason: string, now = new Date()): void {
    this.store
      .prepare("UPDATE capture_gaps SET reason = ?, attempts = attempts + 1, tried_at = ? WHERE connector_id = ? AND stream_id = ? AND part = 'members'")
      .run(reason, now.toISOString(), connectorId, streamId);
  }

  /** The suppression of a message, if Symphony reported one. */
  suppression(connectorId: string, messageId: string): StoredSuppression | undefined {
    const row = this.store.prepare('SELECT * FROM suppressions WHERE connector_id = ? AND message_id = ?').get(connectorId, messageId) as SuppressionRow | undefined;
    return row && toSuppression(row);
  }

  /** Suppressions of these messages, by message id (for a page of items). */
  suppressionsOf(connectorId: string, messageIds: readonly string[]): Map<string, StoredSuppression> {
    const rows = this.store
      .prepare('SELECT * FROM suppressions WHERE connector_id = ? AND message_id IN (SELECT value FROM json_each(?))')
      .all(connectorId, JSON.stringify(messageIds)) as SuppressionRow[];
    return new Map(rows.map((r) => [r.message_id, toSuppression(r)]));
  }

  suppressionCount(connectorId: string): number {
    return (this.store.prepare('SELECT COUNT(*) AS n FROM suppressions WHERE connector_id = ?').get(connectorId) as { n: number }).n;
  }
}

function toSuppression(r: SuppressionRow): StoredSuppression {
  return { messageId: r.message_id, streamId: r.stream_id, suppressedAt: r.suppressed_at, suppressedBy: r.suppressed_by, source: r.source, recordedAt: r.recorded_at };
}
