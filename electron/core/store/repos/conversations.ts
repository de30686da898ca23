import type { Conversation, Participant, StreamType } from '../../model/captured';
import type { Store } from '../database';

/** A conversation as listed by the pod, before its members are known. */
export interface ConversationRecord {
  streamId: string;
  streamType: StreamType;
  name: string;
  external: boolean;
  crossPod: boolean;
  active: boolean;
  lastModified: number | null;
}

/**
 * A conversation as a source saw it. Fields left undefined keep what the store has (or take the
 * defaults for a new one); `onlyIfAbsent` creates it without touching a conversation the store
 * knows (an export knows less about a conversation than the pod's own listing did).
 */
export interface ConversationChange {
  streamId: string;
  streamType: StreamType;
  name?: string;
  external?: boolean;
  crossPod?: boolean;
  active?: boolean;
  lastModified?: number | null;
  onlyIfAbsent?: boolean;
}

export interface MemberRecord {
  userId: string;
  isOwner: boolean;
  joinDate: number | null;
}

/** One membership change (joined, left, promoted, demoted, or a person an export shows). */
export interface MembershipChange {
  streamId: string;
  userId: string;
  current: boolean;
  isOwner?: boolean;
  joinDate?: number | null;
  /** Only add the member when the store has no row for them (a sender standing in for a member list). */
  onlyIfAbsent?: boolean;
}

export interface Checkpoint {
  since: number;
  skip: number;
}

/** One line of the conversation list shown to the officer. */
export interface ConversationSummary {
  streamId: string;
  streamType: StreamType;
  name: string;
  external: boolean;
  members: number;
  items: number;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  attachmentsPending: number;
  attachmentsFailed: number;
  lastError: string | null;
  checkpoint: number | null;
}

interface ParticipantRow {
  user_id: string;
  email: string;
  display_name: string;
  username: string | null;
  external: number;
}

interface ConversationRow {
  connector_id: string;
  stream_id: string;
  stream_type: StreamType;
  name: string;
  external: number;
  cross_pod: number;
  last_modified: number | null;
}

/** SQL for conversations, their members, the participants (users) and the per-conversation checkpoints. */
export class ConversationRepository {
  constructor(private readonly store: Store) {}

  /**
   * Inserts or refreshes the conversations; returns the stream ids that were not known before.
   * Only the capture writer (capture-writer.ts) calls the writes of this repository, inside the
   * transaction that also moves the source's position.
   */
  upsertConversations(connectorId: string, changes: readonly ConversationChange[], now = new Date()): string[] {
    if (changes.length === 0) return [];
    const at = now.toISOString();
    const exists = this.store.prepare('SELECT 1 FROM conversations WHERE connector_id = ? AND stream_id = ?');
    const insert = `INSERT INTO conversations (connector_id, stream_id, stream_type, name, external, cross_pod, active, last_modified, first_seen_at, updated_at)
      VALUES (@connectorId, @streamId, @streamType, COALESCE(@name, ''), COALESCE(@external, 0), COALESCE(@crossPod, 0), COALESCE(@active, 1), @lastModified, @at, @at)`;
    const upsert = this.store.prepare(`${insert}
      ON CONFLICT (connector_id, stream_id) DO UPDATE SET
        name = COALESCE(@name, name), external = COALESCE(@external, external), cross_pod = COALESCE(@crossPod, cross_pod),
        active = COALESCE(@active, active), last_modified = COALESCE(@lastModified, last_modified), updated_at = @at`);
    const create = this.store.prepare(`${insert} ON CONFLICT (connector_id, stream_id) DO NOTHING`);
    return this.store.transaction(() => {
      const added: string[] = [];
      for (const c of changes) {
        if (!exists.get(connectorId, c.streamId)) added.push(c.streamId);
        (c.onlyIfAbsent ? create : upsert).run({
          connectorId,
          streamId: c.streamId,
          streamType: c.streamType,
          name: c.name ?? null,
          external: flag(c.external),
          crossPod: flag(c.crossPod),
          active: flag(c.active),
          lastModified: c.lastModified ?? null,
          at,
        });
      }
      return added;
    });
  }

  /** Which of these streams the store does not know yet (from any source). */
  unknownStreamIds(connectorId: string, streamIds: readonly string[]): string[] {
    const exists = this.store.prepare('SELECT 1 FROM conversations WHERE connector_id = ? AND stream_id = ?');
    return [...new Set(streamIds)].filter((id) => !exists.get(connectorId, id));
  }

  /** The conversation's current member list; members who left stay, marked not current. */
  replaceMembers(connectorId: string, streamId: string, members: readonly MemberRecord[]): void {
    this.store.transaction(() => {
      this.store.prepare('UPDATE members SET current = 0 WHERE connector_id = ? AND stream_id = ?').run(connectorId, streamId);
      const upsert = this.store.prepare(`
        INSERT INTO members (connector_id, stream_id, user_id, is_owner, join_date, current) VALUES (?, ?, ?, ?, ?, 1)
        ON CONFLICT (connector_id, stream_id, user_id) DO UPDATE SET is_owner = excluded.is_owner, join_date = excluded.join_date, current = 1`);
      for (const m of members) upsert.run(connectorId, streamId, m.userId, m.isOwner ? 1 : 0, m.joinDate);
    });
  }

  /** Membership changes in order; members are never removed, only marked not current. */
  applyMemberships(connectorId: string, changes: readonly MembershipChange[]): void {
    if (changes.length === 0) return;
    const upsert = this.store.prepare(`
      INSERT INTO members (connector_id, stream_id, user_id, is_owner, join_date, current) VALUES (?, ?, ?, COALESCE(?, 0), ?, ?)
      ON CONFLICT (connector_id, stream_id, user_id) DO UPDATE SET
        is_owner = COALESCE(?, is_owner), join_date = COALESCE(join_date, excluded.join_date), current = excluded.current`);
    const add = this.store.prepare('INSERT INTO members (connector_id, stream_id, user_id, is_owner, join_date, current) VALUES (?, ?, ?, 0, NULL, 1) ON CONFLICT DO NOTHING');
    this.store.transaction(() => {
      for (const m of changes) {
        if (m.onlyIfAbsent) {
          add.run(connectorId, m.streamId, m.userId);
          continue;
        }
        const owner = flag(m.isOwner);
        upsert.run(connectorId, m.streamId, m.userId, owner, m.joinDate ?? null, m.current ? 1 : 0, owner);
      }
    });
  }

  /**
   * Records users. `resolved` marks data from the directory (membership list or /v3/users); a
   * resolved user is never overwritten by the thinner copy a message carries.
   */
  upsertParticipants(connectorId: string, participants: readonly Participant[], resolved: boolean, now = new Date()): void {
    if (participants.length === 0) return;
    const at = now.toISOString();
    const sql = resolved
      ? `INSERT INTO participants (connector_id, user_id, email, display_name, username, external, resolved, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)
         ON CONFLICT (connector_id, user_id) DO UPDATE SET
           email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE participants.email END,
           display_name = CASE WHEN excluded.display_name <> '' THEN excluded.display_name ELSE participants.display_name END,
           username = COALESCE(excluded.username, participants.username),
           external = excluded.external, resolved = 1, updated_at = excluded.updated_at`
      : `INSERT INTO participants (connector_id, user_id, email, display_name, username, external, resolved, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)
         ON CONFLICT (connector_id, user_id) DO UPDATE SET
           email = CASE WHEN participants.email = '' THEN excluded.email ELSE participants.email END,
           display_name = CASE WHEN participants.display_name = '' THEN excluded.display_name ELSE participants.display_name END,
           username = COALESCE(participants.username, excluded.username)`;
    const stmt = this.store.prepare(sql);
    this.store.transaction(() => {
      for (const p of participants) stmt.run(connectorId, p.userId, p.email, p.displayName, p.username ?? null, p.external ? 1 : 0, at);
    });
  }

  /** Users seen (as senders or members) whose directory entry was never read. */
  unresolvedUserIds(connectorId: string): string[] {
    const rows = this.store.prepare('SELECT user_id FROM participants WHERE connector_id = ? AND resolved = 0 ORDER BY user_id').all(connectorId) as { user_id: string }[];
    return rows.map((r) => r.user_id);
  }

  participant(connectorId: string, userId: string): Participant | undefined {
    // Called once per captured message: the store's cache keeps the statement compiled.
    const row = this.store.prepare('SELECT user_id, email, display_name, username, external FROM participants WHERE connector_id = ? AND user_id = ?').get(connectorId, userId) as
      | ParticipantRow
      | undefined;
    return row && toParticipant(row);
  }

  /**
   * The user id already known for an e-mail address, so a person seen in an export is the same
   * participant the member-stream reader or the directory recorded (a real Symphony id first).
   */
  participantIdByEmail(connectorId: string, email: string): string | undefined {
    const row = this.store
      .prepare(`SELECT user_id FROM participants WHERE connector_id = ? AND email = ? COLLATE NOCASE AND email <> ''
        ORDER BY (user_id GLOB '[0-9]*') DESC, resolved DESC, user_id LIMIT 1`)
      .get(connectorId, email) as { user_id: string } | undefined;
    return row?.user_id;
  }

  checkpoint(connectorId: string, streamId: string): Checkpoint | undefined {
    return this.store.prepare('SELECT since, skip FROM checkpoints WHERE connector_id = ? AND stream_id = ?').get(connectorId, streamId) as Checkpoint | undefined;
  }

  /** The member-stream reader's position: only called as the capture writer's `advance`, with the page it covers. */
  setCheckpoint(connectorId: string, streamId: string, checkpoint: Checkpoint, now = new Date()): void {
    this.store
      .prepare(`INSERT INTO checkpoints (connector_id, stream_id, since, skip, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (connector_id, stream_id) DO UPDATE SET since = excluded.since, skip = excluded.skip, updated_at = excluded.updated_at`)
      .run(connectorId, streamId, checkpoint.since, checkpoint.skip, now.toISOString());
  }

  /** Capture's last error for the conversation: null when its last read went through. */
  lastError(connectorId: string, streamId: string): string | null {
    const row = this.store.prepare('SELECT last_error FROM conversations WHERE connector_id = ? AND stream_id = ?').get(connectorId, streamId) as { last_error: string | null } | undefined;
    return row ? row.last_error : 'unknown conversation';
  }

  /** The last capture error of a conversation (null clears it). */
  setError(connectorId: string, streamId: string, message: string | null, now = new Date()): void {
    this.store
      .prepare('UPDATE conversations SET last_error = ?, last_error_at = ? WHERE connector_id = ? AND stream_id = ?')
      .run(message, message === null ? null : now.toISOString(), connectorId, streamId);
  }

  streamIds(connectorId: string): string[] {
    const rows = this.store.prepare('SELECT stream_id FROM conversations WHERE connector_id = ? ORDER BY stream_id').all(connectorId) as { stream_id: string }[];
    return rows.map((r) => r.stream_id);
  }

  /** A conversation with its members (current and former), or undefined. */
  conversation(connectorId: string, streamId: string): Conversation | undefined {
    const row = this.store.prepare('SELECT * FROM conversations WHERE connector_id = ? AND stream_id = ?').get(connectorId, streamId) as ConversationRow | undefined;
    if (!row) return undefined;
    const members = this.store
      .prepare(`SELECT p.user_id, p.email, p.display_name, p.username, p.external FROM members m
        JOIN participants p ON p.connector_id = m.connector_id AND p.user_id = m.user_id
        WHERE m.connector_id = ? AND m.stream_id = ? ORDER BY m.current DESC, m.join_date, m.user_id`)
      .all(connectorId, streamId) as ParticipantRow[];
    return {
      connectorId: row.connector_id,
      streamId: row.stream_id,
      streamType: row.stream_type,
      name: row.name,
      external: row.external === 1,
      crossPod: row.cross_pod === 1,
      members: members.map(toParticipant),
    };
  }

  /** Every captured conversation of a connector with its counts, for the UI. */
  summaries(connectorId: string): ConversationSummary[] {
    const rows = this.store
      .prepare(`SELECT c.stream_id, c.stream_type, c.name, c.external, c.last_error,
          (SELECT COUNT(*) FROM members m WHERE m.connector_id = c.connector_id AND m.stream_id = c.stream_id AND m.current = 1) AS members,
          (SELECT COUNT(*) FROM items i WHERE i.connector_id = c.connector_id AND i.stream_id = c.stream_id) AS items,
          (SELECT MIN(timestamp) FROM items i WHERE i.connector_id = c.connector_id AND i.stream_id = c.stream_id) AS first_ts,
          (SELECT MAX(timestamp) FROM items i WHERE i.connector_id = c.connector_id AND i.stream_id = c.stream_id) AS last_ts,
          (SELECT COUNT(*) FROM attachments a JOIN items i ON i.id = a.item_id WHERE i.connector_id = c.connector_id AND i.stream_id = c.stream_id AND a.status = 'pending') AS pending,
          (SELECT COUNT(*) FROM attachments a JOIN items i ON i.id = a.item_id WHERE i.connector_id = c.connector_id AND i.stream_id = c.stream_id AND a.status = 'failed') AS failed,
          (SELECT since FROM checkpoints k WHERE k.connector_id = c.connector_id AND k.stream_id = c.stream_id) AS since
        FROM conversations c WHERE c.connector_id = ? ORDER BY c.stream_type, c.name, c.stream_id`)
      .all(connectorId) as {
      stream_id: string;
      stream_type: StreamType;
      name: string;
      external: number;
      last_error: string | null;
      members: number;
      items: number;
      first_ts: number | null;
      last_ts: number | null;
      pending: number;
      failed: number;
      since: number | null;
    }[];
    return rows.map((r) => ({
      streamId: r.stream_id,
      streamType: r.stream_type,
      name: r.name,
      external: r.external === 1,
      members: r.members,
      items: r.items,
      firstTimestamp: r.first_ts,
      lastTimestamp: r.last_ts,
      attachmentsPending: r.pending,
      attachmentsFailed: r.failed,
      lastError: r.last_error,
      checkpoint: r.since,
    }));
  }
}

export function toParticipant(row: ParticipantRow): Participant {
  const p: Participant = { userId: row.user_id, email: row.email, displayName: row.display_name, external: row.external === 1 };
  if (row.username) p.username = row.username;
  return p;
}

function flag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}
