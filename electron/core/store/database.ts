import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ArchiverError } from '../../../shared/errors';
import type { Disposable } from '../platform/disposable';
import { silentLogger, type Logger } from '../platform/logger';
import { migrate, type Migration } from './migrate';
import { migrations as allMigrations } from './migrations';

export type Sqlite = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement<unknown[]>;

/**
 * How many compiled statements the connection keeps. The repositories' fixed SQL is ~200 texts;
 * the bound is for texts made per call (a placeholder list per length, a CSV import's own TEMP
 * table), so they cannot grow the cache without end.
 */
const STATEMENT_CACHE_SIZE = 512;

export interface OpenStoreOptions {
  migrations?: readonly Migration[];
  logger?: Logger;
}

/**
 * The one SQLite database of the app (Signal Desktop's model): WAL, foreign keys on, numbered
 * forward-only migrations, and every multi-row change inside a transaction. better-sqlite3 is
 * synchronous, so one process has exactly one writer; other processes (the headless command
 * beside the app) wait on the busy timeout.
 */
export class Store implements Disposable {
  /** Least recently used first (a Map keeps insertion order; a hit moves to the end). */
  private readonly statements = new Map<string, Statement>();

  private constructor(
    readonly db: Sqlite,
    readonly file: string,
  ) {}

  static open(file: string, options: OpenStoreOptions = {}): Store {
    const logger = options.logger ?? silentLogger;
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    let db: Sqlite;
    try {
      db = new BetterSqlite3(file);
    } catch (error) {
      throw new ArchiverError(
        { code: 'internal', message: `The database ${file} could not be opened.`, fix: 'Check that the data folder is writable and the disk is not full.', detail: String(error) },
        { cause: error },
      );
    }
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a committed checkpoint or delivery record survives power loss, not only a crash.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 10000');
      migrate(db, options.migrations ?? allMigrations, logger.scope('store'));
    } catch (error) {
      db.close();
      throw error;
    }
    return new Store(db, file);
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * The one prepared-statement cache of the app: every repository asks here instead of calling
   * `db.prepare` (compiling costs more than running most of our statements). A statement is
   * shared by every caller of the same SQL text, so callers never change its mode (`pluck`,
   * `raw`, `expand`) and never keep an `iterate()` open across another call of the same text;
   * map rows in the repository instead.
   */
  prepare(sql: string): Statement {
    const cached = this.statements.get(sql);
    if (cached) {
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.db.prepare<unknown[]>(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
    return statement;
  }

  /** Runs `fn` in one IMMEDIATE transaction: it takes the write lock up front, so it never deadlocks on upgrade. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Runs `fn` in one DEFERRED transaction: several reads see one snapshot, and writes to this
   * connection's TEMP tables take no lock on the archive. Writes to the archive use `transaction`.
   */
  deferredTransaction<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  /** A consistent online copy of the database, safe while the app is writing. */
  async backup(destination: string): Promise<{ path: string; bytes: number }> {
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    await this.db.backup(destination);
    return { path: destination, bytes: fs.statSync(destination).size };
  }

  dispose(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}
