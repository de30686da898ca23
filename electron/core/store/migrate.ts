import type BetterSqlite3 from 'better-sqlite3';
import { ArchiverError, errorText } from '../../../shared/errors';
import type { Logger } from '../platform/logger';

/** A forward-only schema step. `version` is its number; the schema version is the highest applied. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: BetterSqlite3.Database): void;
}

/**
 * Applies every migration above the file's `user_version`, each in its own transaction together
 * with the version bump, so a migration that throws leaves the file exactly at the version before it.
 */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[], logger: Logger): number {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1) throw new Error(`Migration ${m.name} has an invalid version ${m.version}`);
    if (i > 0 && ordered[i - 1]!.version === m.version) throw new Error(`Two migrations share version ${m.version}`);
  });
  const latest = ordered.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new ArchiverError({
      code: 'conflict',
      message: `The database is at schema version ${current}, newer than this version of Symphony Archiver understands (${latest}).`,
      fix: 'Install the newer version of Symphony Archiver that wrote this database, or restore a backup made with this version.',
    });
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  // A step numbered below the file's version that the file never applied (a development build
  // that had later steps but not this one): applying it now could run steps out of order, and
  // skipping it would leave the schema short. Refuse, naming the step.
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const skipped = current > 0 && applied.size > 0 ? ordered.filter((m) => m.version <= current && !applied.has(m.version)) : [];
  if (skipped.length > 0) {
    throw new ArchiverError({
      code: 'conflict',
      message: `The database is at schema version ${current} but never applied step ${skipped.map((m) => `${m.version} (${m.name})`).join(', ')}: it was written by a development build.`,
      fix: 'Restore a backup made by a released version, or start with a new data folder.',
    });
  }
  for (const migration of ordered) {
    if (migration.version <= current) continue;
    const apply = db.transaction(() => {
      migration.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, new Date().toISOString());
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      apply.immediate();
      logger.info(`applied migration ${migration.version} ${migration.name}`);
    } catch (error) {
      throw new ArchiverError(
        {
          code: 'internal',
          message: `Upgrading the database failed at step ${migration.version} (${migration.name}); it is unchanged at version ${db.pragma('user_version', { simple: true }) as number}.`,
          fix: 'Keep the file as it is and report this error with the log; the previous version of the app can still open it.',
          detail: errorText(error),
        },
        { cause: error },
      );
    }
  }
  return db.pragma('user_version', { simple: true }) as number;
}
