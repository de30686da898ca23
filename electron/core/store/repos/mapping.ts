import { ArchiverError } from '../../../../shared/errors';
import { customMappingKey, type CustomMapping, type ParticipantRow, type ParticipantSort, type ResolutionHow, type UnmappedRow } from '../../../../shared/contract/mapping';
import type { Store } from '../database';

export interface StoredCustomMapping {
  key: string;
  mapping: CustomMapping;
}

export interface CachedDirectoryEntry {
  found: boolean;
  upn: string | null;
  mail: string | null;
  displayName: string | null;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface SeenParticipant {
  userId: string;
  email: string;
  displayName: string;
  external: boolean;
}

export interface ParticipantListQuery {
  connectorId: string;
  automatic: boolean;
  query?: string;
  sort: ParticipantSort;
  direction: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** A `mapping_custom` row as stored (also what a CSV import stages: repos/mapping-staging.ts). */
export interface CustomRow {
  key: string;
  symphony_user_id: string | null;
  symphony_email: string | null;
  target_upn: string | null;
  also_deliver_to: string;
  exclude: number;
  note: string;
}

/** A participant as `mapping_participants` stores it. */
interface SeenParticipantRow {
  user_id: string;
  email: string;
  display_name: string;
  external: number;
}

interface DirectoryRow {
  found: number;
  upn: string | null;
  mail: string | null;
  display_name: string | null;
  expires_at: number;
}

interface ListRow extends Omit<CustomRow, 'key'>, SeenParticipantRow {
  key: string;
  items_seen: number;
  last_seen: number | null;
  custom_key: string | null;
  how: ResolutionHow;
  mailbox: string | null;
  held: number;
}

const SORT_SQL: Record<ParticipantSort, string> = {
  name: "lower(CASE WHEN display_name = '' THEN email ELSE display_name END)",
  email: 'email',
  mailbox: 'mailbox',
  how: 'how',
  itemsAffected: 'items_seen',
  lastSeen: 'last_seen',
};

// Everyone the editor lists: participants seen in items, plus custom rows that match nobody seen
// yet. The custom row of a participant is found by user id first, then by e-mail.
const PEOPLE_SQL = `
  WITH people AS (
    SELECT 'user:' || p.user_id AS key, p.user_id, p.email, p.display_name, p.external, p.items_seen, p.last_seen,
      coalesce(
        (SELECT c.key FROM mapping_custom c WHERE c.connector_id = p.connector_id AND c.symphony_user_id = p.user_id),
        (SELECT c.key FROM mapping_custom c WHERE c.connector_id = p.connector_id AND c.symphony_email = p.email AND p.email <> '')
      ) AS custom_key
    FROM mapping_participants p WHERE p.connector_id = @connectorId
    UNION ALL
    SELECT c.key, coalesce(c.symphony_user_id, ''), coalesce(c.symphony_email, ''), '', 0, 0, NULL, c.key
    FROM mapping_custom c
    WHERE c.connector_id = @connectorId
      AND NOT EXISTS (SELECT 1 FROM mapping_participants p WHERE p.connector_id = c.connector_id AND p.user_id = c.symphony_user_id)
      AND NOT EXISTS (SELECT 1 FROM mapping_participants p WHERE p.connector_id = c.connector_id AND p.email = c.symphony_email)
  ),
  decided AS (
    SELECT people.*, c.symphony_user_id, c.symphony_email, c.target_upn, c.also_deliver_to, c.exclude, c.note,
      CASE
        WHEN people.external = 1 THEN 'external'
        WHEN c.exclude = 1 THEN 'excluded'
        WHEN c.target_upn IS NOT NULL THEN 'custom'
        WHEN @automatic = 1 AND d.found = 1 THEN 'automatic'
        ELSE 'unmapped'
      END AS how,
      d.upn AS directory_upn
    FROM people
    LEFT JOIN mapping_custom c ON c.connector_id = @connectorId AND c.key = people.custom_key
    LEFT JOIN mapping_directory_cache d ON d.connector_id = @connectorId AND d.email = people.email AND people.email <> ''
  ),
  held AS (
    SELECT user_id, count(*) AS held FROM mapping_held WHERE connector_id = @connectorId AND released_at IS NULL GROUP BY user_id
  ),
  listed AS (
    SELECT decided.*,
      CASE how WHEN 'custom' THEN target_upn WHEN 'automatic' THEN directory_upn END AS mailbox,
      coalesce(held.held, 0) AS held
    FROM decided LEFT JOIN held ON held.user_id = decided.user_id AND decided.user_id <> ''
  )`;

const FILTER_SQL = `(@q IS NULL OR key LIKE @q ESCAPE '\\' OR email LIKE @q ESCAPE '\\' OR display_name LIKE @q ESCAPE '\\'
  OR coalesce(mailbox, '') LIKE @q ESCAPE '\\' OR coalesce(note, '') LIKE @q ESCAPE '\\')`;

/** SQL of the mapping tables (migration 0004); nothing else touches them. */
export class MappingRepository {
  constructor(private readonly store: Store) {}

  // ---- custom rows

  listCustom(connectorId: string): StoredCustomMapping[] {
    const rows = this.store.prepare('SELECT * FROM mapping_custom WHERE connector_id = ? ORDER BY key').all(connectorId) as CustomRow[];
    return rows.map(toStored);
  }

  getCustom(connectorId: string, key: string): StoredCustomMapping | undefined {
    const row = this.store.prepare('SELECT * FROM mapping_custom WHERE connector_id = ? AND key = ?').get(connectorId, key) as CustomRow | undefined;
    return row && toStored(row);
  }

  /** The row that applies to a participant: by user id first, then by e-mail. */
  findCustomFor(connectorId: string, userId: string, email: string): StoredCustomMapping | undefined {
    const byUser = userId
      ? (this.store.prepare('SELECT * FROM mapping_custom WHERE connector_id = ? AND symphony_user_id = ?').get(connectorId, userId) as CustomRow | undefined)
      : undefined;
    if (byUser) return toStored(byUser);
    const byEmail = email
      ? (this.store.prepare('SELECT * FROM mapping_custom WHERE connector_id = ? AND symphony_email = ?').get(connectorId, email.toLowerCase()) as CustomRow | undefined)
      : undefined;
    return byEmail && toStored(byEmail);
  }

  /** Inserts one row; a clash with another row on user id or e-mail is a typed conflict. */
  insertCustom(connectorId: string, mapping: CustomMapping, at: string): string {
    const key = customMappingKey(mapping);
    try {
      this.store
        .prepare(
          `INSERT INTO mapping_custom (connector_id, key, symphony_user_id, symphony_email, target_upn, also_deliver_to, exclude, note, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          connectorId,
          key,
          mapping.symphonyUserId || null,
          mapping.symphonyEmail || null,
          mapping.targetUpn || null,
          mapping.alsoDeliverTo.join(';'),
          mapping.exclude ? 1 : 0,
          mapping.note,
          at,
        );
    } catch (error) {
      if (isUniqueViolation(error)) {
        const clash = this.findCustomFor(connectorId, mapping.symphonyUserId, mapping.symphonyEmail);
        throw new ArchiverError(
          {
            code: 'conflict',
            message: clash
              ? `Another row (${describeKey(clash.key)}) already maps this Symphony user id or e-mail.`
              : 'Another row already maps this Symphony user id or e-mail.',
            fix: 'Edit that row instead, or remove it first.',
            target: mapping.symphonyUserId ? 'symphonyUserId' : 'symphonyEmail',
          },
          { cause: error },
        );
      }
      throw error;
    }
    return key;
  }

  deleteCustom(connectorId: string, key: string): boolean {
    return this.store.prepare('DELETE FROM mapping_custom WHERE connector_id = ? AND key = ?').run(connectorId, key).changes === 1;
  }

  revision(connectorId: string): number {
    const row = this.store.prepare('SELECT revision FROM mapping_state WHERE connector_id = ?').get(connectorId) as { revision: number } | undefined;
    return row?.revision ?? 0;
  }

  bumpRevision(connectorId: string): number {
    const row = this.store
      .prepare(
        `INSERT INTO mapping_state (connector_id, revision) VALUES (?, 1)
         ON CONFLICT (connector_id) DO UPDATE SET revision = revision + 1 RETURNING revision`,
      )
      .get(connectorId) as { revision: number };
    return row.revision;
  }

  // ---- directory cache

  cacheGet(connectorId: string, email: string): CachedDirectoryEntry | undefined {
    const row = this.store
      .prepare('SELECT found, upn, mail, display_name, expires_at FROM mapping_directory_cache WHERE connector_id = ? AND email = ?')
      .get(connectorId, email.toLowerCase()) as DirectoryRow | undefined;
    return row && toCachedEntry(row);
  }

  cachePut(connectorId: string, email: string, entry: Omit<CachedDirectoryEntry, 'expiresAt'>, checkedAt: string, expiresAt: number): void {
    this.store
      .prepare(
        `INSERT INTO mapping_directory_cache (connector_id, email, found, upn, mail, display_name, checked_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (connector_id, email) DO UPDATE SET found = excluded.found, upn = excluded.upn, mail = excluded.mail,
           display_name = excluded.display_name, checked_at = excluded.checked_at, expires_at = excluded.expires_at`,
      )
      .run(connectorId, email.toLowerCase(), entry.found ? 1 : 0, entry.upn, entry.mail, entry.displayName, checkedAt, expiresAt);
  }

  // ---- participants seen and items held

  /**
   * Records that an item was captured with these participants and holds it for those without a
   * mailbox. Idempotent per item: recording it again counts nothing twice.
   */
  recordItem(connectorId: string, itemId: number, timestamp: number, participants: readonly SeenParticipant[], heldUserIds: readonly string[], at: string): void {
    const first = this.store.prepare('INSERT INTO mapping_recorded_items (connector_id, item_id, recorded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(connectorId, itemId, at);
    if (first.changes === 1) {
      const upsert = this.store.prepare(
        `INSERT INTO mapping_participants (connector_id, user_id, email, display_name, external, items_seen, first_seen, last_seen)
         VALUES (@connectorId, @userId, @email, @displayName, @external, 1, @ts, @ts)
         ON CONFLICT (connector_id, user_id) DO UPDATE SET
           items_seen = items_seen + 1,
           first_seen = min(first_seen, excluded.first_seen),
           last_seen = max(last_seen, excluded.last_seen),
           email = CASE WHEN excluded.last_seen >= last_seen AND excluded.email <> '' THEN excluded.email ELSE email END,
           display_name = CASE WHEN excluded.last_seen >= last_seen AND excluded.display_name <> '' THEN excluded.display_name ELSE display_name END,
           external = CASE WHEN excluded.last_seen >= last_seen THEN excluded.external ELSE external END`,
      );
      for (const p of participants) {
        upsert.run({ connectorId, userId: p.userId, email: p.email.toLowerCase(), displayName: p.displayName, external: p.external ? 1 : 0, ts: timestamp });
      }
    }
    const hold = this.store.prepare('INSERT INTO mapping_held (connector_id, item_id, user_id, held_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    for (const userId of heldUserIds) hold.run(connectorId, itemId, userId, at);
  }

  /** Participants with at least one item still held. */
  heldParticipants(connectorId: string): SeenParticipant[] {
    const rows = this.store
      .prepare(
        `SELECT p.user_id, p.email, p.display_name, p.external FROM mapping_participants p
         WHERE p.connector_id = ? AND EXISTS (SELECT 1 FROM mapping_held h WHERE h.connector_id = p.connector_id AND h.user_id = p.user_id AND h.released_at IS NULL)
         ORDER BY p.user_id`,
      )
      .all(connectorId) as SeenParticipantRow[];
    return rows.map(toSeenParticipant);
  }

  heldItems(connectorId: string, userId: string): number[] {
    const rows = this.store
      .prepare('SELECT item_id FROM mapping_held WHERE connector_id = ? AND user_id = ? AND released_at IS NULL ORDER BY item_id')
      .all(connectorId, userId) as { item_id: number }[];
    return rows.map((r) => r.item_id);
  }

  markReleased(connectorId: string, userId: string, itemIds: readonly number[], mailbox: string, at: string): void {
    const release = this.store.prepare(
      'UPDATE mapping_held SET released_at = ?, released_to = ? WHERE connector_id = ? AND item_id = ? AND user_id = ? AND released_at IS NULL',
    );
    for (const itemId of itemIds) release.run(at, mailbox, connectorId, itemId, userId);
  }

  /**
   * Per item, how many participants without a mailbox it still waits for: deliveries planned to
   * nobody yet, *held* in both reconciliations.
   */
  waitingCounts(connectorId: string, itemIds: readonly number[]): Map<number, number> {
    if (itemIds.length === 0) return new Map();
    const rows = this.store
      .prepare(
        `SELECT item_id, COUNT(*) AS n FROM mapping_held
         WHERE connector_id = ? AND released_at IS NULL AND item_id IN (SELECT value FROM json_each(?)) GROUP BY item_id`,
      )
      .all(connectorId, JSON.stringify(itemIds)) as { item_id: number; n: number }[];
    return new Map(rows.map((r) => [r.item_id, r.n]));
  }

  /** Every item that still waits for some participant's mailbox. */
  waitingItemIds(connectorId: string): number[] {
    const rows = this.store.prepare('SELECT DISTINCT item_id FROM mapping_held WHERE connector_id = ? AND released_at IS NULL ORDER BY item_id').all(connectorId) as { item_id: number }[];
    return rows.map((r) => r.item_id);
  }

  unmappedReport(connectorId: string): UnmappedRow[] {
    const rows = this.store
      .prepare(
        `SELECT p.user_id, p.email, p.display_name, p.external, p.last_seen, count(*) AS held
         FROM mapping_held h JOIN mapping_participants p ON p.connector_id = h.connector_id AND p.user_id = h.user_id
         WHERE h.connector_id = ? AND h.released_at IS NULL
         GROUP BY p.user_id ORDER BY held DESC, p.email`,
      )
      .all(connectorId) as (SeenParticipantRow & { last_seen: number; held: number })[];
    return rows.map((r) => ({
      participant: toSeenParticipant(r),
      itemsAffected: r.held,
      lastSeen: new Date(r.last_seen).toISOString(),
    }));
  }

  // ---- the editor's list

  listParticipants(q: ParticipantListQuery): { total: number; unmapped: number; rows: ParticipantRow[] } {
    const params = {
      connectorId: q.connectorId,
      automatic: q.automatic ? 1 : 0,
      q: q.query ? `%${q.query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
    };
    const counts = this.store
      .prepare(`${PEOPLE_SQL} SELECT count(*) AS total, coalesce(sum(how = 'unmapped'), 0) AS unmapped FROM listed WHERE ${FILTER_SQL}`)
      .get(params) as { total: number; unmapped: number };
    const direction = q.direction === 'desc' ? 'DESC' : 'ASC';
    const rows = this.store
      .prepare(
        `${PEOPLE_SQL}
         SELECT * FROM listed WHERE ${FILTER_SQL}
         ORDER BY (how = 'unmapped') DESC, ${SORT_SQL[q.sort]} ${direction} NULLS LAST, key
         LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit: q.limit, offset: q.offset }) as ListRow[];
    return { total: counts.total, unmapped: counts.unmapped, rows: rows.map(toParticipantRow) };
  }
}

export function toCustomMapping(row: Omit<CustomRow, 'key'>): CustomMapping {
  return {
    symphonyUserId: row.symphony_user_id ?? '',
    symphonyEmail: row.symphony_email ?? '',
    targetUpn: row.target_upn ?? '',
    alsoDeliverTo: row.also_deliver_to ? row.also_deliver_to.split(';') : [],
    exclude: row.exclude === 1,
    note: row.note,
  };
}

function toSeenParticipant(row: SeenParticipantRow): SeenParticipant {
  return { userId: row.user_id, email: row.email, displayName: row.display_name, external: row.external === 1 };
}

function toCachedEntry(row: DirectoryRow): CachedDirectoryEntry {
  return { found: row.found === 1, upn: row.upn, mail: row.mail, displayName: row.display_name, expiresAt: row.expires_at };
}

function toStored(row: CustomRow): StoredCustomMapping {
  return { key: row.key, mapping: toCustomMapping(row) };
}

function toParticipantRow(row: ListRow): ParticipantRow {
  const custom = row.custom_key ? toCustomMapping(row) : null;
  const delivers = row.how !== 'external' && row.how !== 'excluded';
  return {
    key: row.key,
    participant: toSeenParticipant(row),
    custom,
    customKey: row.custom_key,
    resolvedMailbox: row.mailbox,
    alsoDeliverTo: delivers && custom ? custom.alsoDeliverTo : [],
    how: row.how,
    itemsAffected: row.items_seen,
    heldItems: row.held,
    lastSeen: row.last_seen === null ? null : new Date(row.last_seen).toISOString(),
  };
}

function describeKey(key: string): string {
  return key.startsWith('user:') ? `Symphony user id ${key.slice(5)}` : `Symphony e-mail ${key.slice(6)}`;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
