import { customMappingKey, type CustomMapping, type MappingChange, type MappingChanges } from '../../../../shared/contract/mapping';
import type { Store } from '../database';
import { toCustomMapping, type CustomRow } from './mapping';

/**
 * The rows of one CSV import while it is read: a TEMP table of this connection (never part of the
 * archive file, no migration), so a file of millions of rows is diffed against `mapping_custom`
 * and applied in SQL instead of in memory. One table per import, dropped when done.
 */

interface StagedRow extends CustomRow {
  line: number;
  state: 'added' | 'changed' | 'unchanged' | null;
  before_user_id: string | null;
  before_email: string | null;
  before_target: string | null;
  before_also: string | null;
  before_exclude: number | null;
  before_note: string | null;
}

let nextTable = 1;

export class MappingStaging {
  private readonly table: string;

  constructor(private readonly store: Store) {
    // A name of our own making (a counter), never from input.
    this.table = `temp.mapping_stage_${process.pid}_${nextTable++}`;
    const db = store.db;
    db.function('mapping_sorted_list', { deterministic: true }, (list: unknown) => (typeof list === 'string' ? list.split(';').sort().join(';') : list));
    db.exec(`
      CREATE TABLE ${this.table} (
        line INTEGER NOT NULL,
        key TEXT PRIMARY KEY,
        symphony_user_id TEXT UNIQUE,
        symphony_email TEXT UNIQUE,
        target_upn TEXT,
        also_deliver_to TEXT NOT NULL,
        exclude INTEGER NOT NULL,
        note TEXT NOT NULL,
        state TEXT
      )`);
  }

  /** Stages a row unless its user id or e-mail is already staged; then says on which line it is. */
  add(line: number, mapping: CustomMapping): { userIdOnLine?: number; emailOnLine?: number } {
    const userId = mapping.symphonyUserId || null;
    const email = mapping.symphonyEmail || null;
    const inserted = this.store
      .prepare(`INSERT INTO ${this.table} (line, key, symphony_user_id, symphony_email, target_upn, also_deliver_to, exclude, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(line, customMappingKey(mapping), userId, email, mapping.targetUpn || null, mapping.alsoDeliverTo.join(';'), mapping.exclude ? 1 : 0, mapping.note);
    if (inserted.changes === 1) return {};
    return {
      userIdOnLine: userId ? this.lineWhere('symphony_user_id', userId) : undefined,
      emailOnLine: email ? this.lineWhere('symphony_email', email) : undefined,
    };
  }

  private lineWhere(column: 'symphony_user_id' | 'symphony_email', value: string): number | undefined {
    return (this.store.prepare(`SELECT line FROM ${this.table} WHERE ${column} = ?`).get(value) as { line: number } | undefined)?.line;
  }

  /** Runs `fn` (the staging of one piece of the file) in one transaction of the TEMP database only: no lock on the archive. */
  batch<T>(fn: () => T): T {
    return this.store.deferredTransaction(fn);
  }

  /**
   * Marks each staged row added, changed or unchanged against the connector's custom rows, and
   * returns the counts and the first `rowsLimit` changes (added and changed by line, then removed).
   */
  plan(connectorId: string, rowsLimit: number): MappingChanges {
    this.store.prepare(
      `UPDATE ${this.table} AS s SET state = CASE
         WHEN c.key IS NULL THEN 'added'
         WHEN c.symphony_user_id IS s.symphony_user_id AND c.symphony_email IS s.symphony_email AND c.target_upn IS s.target_upn
          AND c.exclude = s.exclude AND c.note = s.note AND mapping_sorted_list(c.also_deliver_to) = mapping_sorted_list(s.also_deliver_to) THEN 'unchanged'
         ELSE 'changed' END
       FROM (SELECT s2.key AS skey, c2.* FROM ${this.table} s2 LEFT JOIN mapping_custom c2 ON c2.connector_id = @connectorId AND c2.key = s2.key) AS c
       WHERE c.skey = s.key`,
    ).run({ connectorId });
    const counts = this.store.prepare(`SELECT state, count(*) AS n FROM ${this.table} GROUP BY state`).all() as { state: string; n: number }[];
    const removed = (this.store.prepare(`SELECT count(*) AS n FROM mapping_custom WHERE connector_id = ? AND key NOT IN (SELECT key FROM ${this.table})`).get(connectorId) as { n: number }).n;
    const count = (state: string) => counts.find((c) => c.state === state)?.n ?? 0;
    const changes: MappingChanges = { added: count('added'), changed: count('changed'), removed, unchanged: count('unchanged'), rows: [], rowsTruncated: false };

    const listed = this.store
      .prepare(
        `SELECT s.*, c.symphony_user_id AS before_user_id, c.symphony_email AS before_email, c.target_upn AS before_target,
           c.also_deliver_to AS before_also, c.exclude AS before_exclude, c.note AS before_note
         FROM ${this.table} s LEFT JOIN mapping_custom c ON c.connector_id = ? AND c.key = s.key
         WHERE s.state IN ('added', 'changed') ORDER BY s.line LIMIT ?`,
      )
      .all(connectorId, rowsLimit) as StagedRow[];
    for (const r of listed) {
      const before = r.state === 'changed' ? toCustomMapping({ symphony_user_id: r.before_user_id, symphony_email: r.before_email, target_upn: r.before_target, also_deliver_to: r.before_also ?? '', exclude: r.before_exclude ?? 0, note: r.before_note ?? '' }) : null;
      changes.rows.push({ kind: r.state as 'added' | 'changed', key: r.key, line: r.line, before, after: toCustomMapping(r) } satisfies MappingChange);
    }
    if (changes.rows.length < rowsLimit) {
      const gone = this.store
        .prepare(`SELECT * FROM mapping_custom WHERE connector_id = ? AND key NOT IN (SELECT key FROM ${this.table}) ORDER BY key LIMIT ?`)
        .all(connectorId, rowsLimit - changes.rows.length) as CustomRow[];
      for (const r of gone) changes.rows.push({ kind: 'removed', key: r.key, before: toCustomMapping(r), after: null });
    }
    changes.rowsTruncated = changes.added + changes.changed + changes.removed > changes.rows.length;
    return changes;
  }

  /**
   * Replaces the connector's custom rows by the staged file, after `plan`: removed and changed
   * rows are deleted, changed and added ones inserted, in the caller's transaction.
   */
  apply(connectorId: string, at: string): void {
    this.store.prepare(
      `DELETE FROM mapping_custom WHERE connector_id = ? AND (key NOT IN (SELECT key FROM ${this.table}) OR key IN (SELECT key FROM ${this.table} WHERE state = 'changed'))`,
    ).run(connectorId);
    this.store.prepare(
      `INSERT INTO mapping_custom (connector_id, key, symphony_user_id, symphony_email, target_upn, also_deliver_to, exclude, note, updated_at)
       SELECT ?, key, symphony_user_id, symphony_email, target_upn, also_deliver_to, exclude, note, ? FROM ${this.table}
       WHERE state IN ('added', 'changed') ORDER BY line`,
    ).run(connectorId, at);
  }

  dispose(): void {
    this.store.db.exec(`DROP TABLE IF EXISTS ${this.table}`);
  }
}
