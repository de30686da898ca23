import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/database';
import type { Migration } from '../../electron/core/store/migrate';
import { migrations } from '../../electron/core/store/migrations';
import { ArchiverError } from '../../shared/errors';
import { itemReasonCodes, runReasonCodes } from '../../shared/contract';
import { RunRepository } from '../../electron/core/store/repos/runs';
import { makeTempDir } from '../support/tmp';

const v1: Migration = { version: 1, name: 'notes', up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)') };
const v2: Migration = {
  version: 2,
  name: 'notes-author',
  up: (db) => {
    db.exec("ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'unknown'");
    db.exec("UPDATE notes SET author = 'migrated'");
  },
};
const v3Broken: Migration = {
  version: 3,
  name: 'half-done',
  up: (db) => {
    db.exec('CREATE TABLE side_effect (x INTEGER)');
    db.exec('ALTER TABLE notes ADD COLUMN broken TEXT');
    throw new Error('disk on fire');
  },
};

describe('store migrations', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('migrates a database at an old schema version forward without losing data', () => {
    const file = path.join(temp.dir, 'old.db');
    Store.open(file, { migrations: [v1] }).dispose();
    const raw = new BetterSqlite3(file);
    raw.prepare('INSERT INTO notes (body) VALUES (?), (?)').run('first', 'second ✓');
    raw.close();

    const store = Store.open(file, { migrations: [v1, v2] });
    expect(store.schemaVersion).toBe(2);
    expect(store.db.prepare('SELECT body, author FROM notes ORDER BY id').all()).toEqual([
      { body: 'first', author: 'migrated' },
      { body: 'second ✓', author: 'migrated' },
    ]);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    store.dispose();
  });

  it('leaves the file at its previous version when a migration throws', () => {
    const file = path.join(temp.dir, 'broken.db');
    Store.open(file, { migrations: [v1, v2] }).dispose();
    let caught: unknown;
    try {
      Store.open(file, { migrations: [v1, v2, v3Broken] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ArchiverError);
    expect((caught as ArchiverError).message).toMatch(/step 3 \(half-done\).*unchanged at version 2/);
    const raw = new BetterSqlite3(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'side_effect'").get()).toBeUndefined();
    expect(raw.prepare('SELECT name FROM pragma_table_info(?)').all('notes').map((r) => (r as { name: string }).name)).not.toContain('broken');
    raw.close();
  });

  it('refuses a database written by a newer version', () => {
    const file = path.join(temp.dir, 'newer.db');
    Store.open(file, { migrations: [v1, v2] }).dispose();
    expect(() => Store.open(file, { migrations: [v1] })).toThrow(/newer than this version/);
  });

  it('refuses a database that is past a step it never applied (a development build had later steps first)', () => {
    const file = path.join(temp.dir, 'gap.db');
    const v5: Migration = { version: 5, name: 'later', up: (db) => db.exec('CREATE TABLE later (x INTEGER)') };
    Store.open(file, { migrations: [v1, v5] }).dispose();
    // The build that made the file did not have step 2 yet; a later build has it below 5.
    expect(() => Store.open(file, { migrations: [v1, v2, v5] })).toThrow(/never applied step 2 \(notes-author\)/);
    // The same file still opens with the steps it was made with.
    Store.open(file, { migrations: [v1, v5] }).dispose();
  });

  it('applies the real migrations to an empty file and records each', () => {
    const store = Store.open(path.join(temp.dir, 'real.db'));
    const latest = Math.max(...migrations.map((m) => m.version));
    expect(store.schemaVersion).toBe(latest);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: migrations.length });
    store.dispose();
  });

  it('0017 renames the stopped-retrying items, drops the ledger state nothing wrote, and keeps old reasons readable', () => {
    const file = path.join(temp.dir, 'v16.db');
    Store.open(file, { migrations: migrations.filter((m) => m.version <= 16) }).dispose();
    const raw = new BetterSqlite3(file);
    const at = '2026-11-30T10:00:00.000Z';
    raw.prepare('INSERT INTO connectors (id, name, enabled, settings_json, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)').run('c1', 'Desk', '{}', at, at);
    const outcome = raw.prepare('INSERT INTO item_outcomes (connector_id, item_id, stream_id, sender, archive_key, status, reason, mailboxes, bytes, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 10, ?, ?)');
    outcome.run('c1', 1, 's1', 'ann@acme.example', 'c1:m:a', 'held', 'delivery failed: refused', 5, at);
    outcome.run('c1', 2, 's1', 'ann@acme.example', 'c1:m:b', 'skipped', 'too-large', 0, at);
    raw.prepare('INSERT INTO item_events (connector_id, item_id, run_id, stream_id, event, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run('c1', 1, 1, 's1', 'held', 'failed in 5 runs', at);
    raw.prepare('INSERT INTO deliveries (connector_id, archive_key, mailbox, state, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run('c1', 'c1:m:a', 'ann@tenant.example', 'held', 'refused', at, at);
    raw.close();

    const store = Store.open(file);
    expect(store.schemaVersion).toBeGreaterThanOrEqual(17);
    expect(store.db.prepare('SELECT item_id, status, reason, reason_json FROM item_outcomes ORDER BY item_id').all()).toEqual([
      { item_id: 1, status: 'stopped-retrying', reason: 'delivery failed: refused', reason_json: null },
      { item_id: 2, status: 'skipped', reason: 'too-large', reason_json: null },
    ]);
    expect(store.db.prepare('SELECT event FROM item_events').all()).toEqual([{ event: 'stopped-retrying' }]);
    expect(store.db.prepare('SELECT state, last_error FROM deliveries').all()).toEqual([{ state: 'failed', last_error: 'refused' }]);
    // The names are gone from the schema, not only from the rows.
    expect(() => store.db.prepare("UPDATE item_outcomes SET status = 'held' WHERE item_id = 2").run()).toThrow(/CHECK/);
    expect(() => store.db.prepare("UPDATE deliveries SET state = 'held'").run()).toThrow(/CHECK/);
    expect(() => store.db.prepare("UPDATE deliveries SET reason_json = 'not json'").run()).toThrow(/CHECK/);
    // Indexes survive the rebuild.
    const indexes = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('item_outcomes', 'deliveries') AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['deliveries_blocked', 'deliveries_work', 'item_outcomes_key', 'item_outcomes_sender', 'item_outcomes_status']));
    store.dispose();
  });

  it('0018 keeps each finished run\'s error text as the message of a generic reason, and stores reasons as values from then on', () => {
    const file = path.join(temp.dir, 'v17.db');
    Store.open(file, { migrations: migrations.filter((m) => m.version <= 17) }).dispose();
    const raw = new BetterSqlite3(file);
    const at = '2026-11-30T10:00:00.000Z';
    raw.prepare('INSERT INTO connectors (id, name, enabled, settings_json, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)').run('c1', 'Desk', '{}', at, at);
    const run = raw.prepare("INSERT INTO runs (connector_id, trigger, status, owner, started_at, started_ms, finished_at, error, progress_json) VALUES ('c1', 'manual', ?, 'o', ?, 0, ?, ?, '{}')");
    run.run('failed', at, at, 'The disk holding the archiver\'s data folder is full. Free space on that disk.');
    run.run('succeeded', at, at, null);
    // Text that is JSON-like or quoted must come through as the same text, not be parsed.
    run.run('cancelled', at, at, '{"code":"x"} "quoted" \\ back');
    raw.close();

    const store = Store.open(file);
    expect(store.schemaVersion).toBeGreaterThanOrEqual(18);
    const runs = new RunRepository(store);
    expect([1, 2, 3].map((id) => runs.get(id)!.error)).toEqual([
      { code: itemReasonCodes.earlierText, message: 'The disk holding the archiver\'s data folder is full. Free space on that disk.' },
      null,
      { code: runReasonCodes.earlierText, message: '{"code":"x"} "quoted" \\ back' },
    ]);
    // One column holds the run's error now: the text column is gone, and the new one takes only JSON.
    const columns = (store.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).toContain('error_json');
    expect(columns).not.toContain('error');
    expect(() => store.db.prepare("UPDATE runs SET error_json = 'not json' WHERE id = 2").run()).toThrow(/CHECK/);
    // A run finished now keeps its reason whole (fix and detail too); an interrupted one says why.
    const reason = { code: 'permission-denied', message: 'The mailbox refused the item.', fix: 'Grant the app access.', detail: 'HTTP 403 ErrorAccessDenied' };
    runs.finish(2, { status: 'failed', nowMs: Date.parse(at), error: reason });
    expect(runs.get(2)!.error).toEqual(reason);
    const open = runs.create({ connectorId: 'c1', trigger: 'manual', owner: 'gone', nowMs: Date.parse(at) });
    expect(runs.markInterrupted('c1', 'me', Date.parse(at))).toBe(1);
    expect(runs.get(open.id)).toMatchObject({ status: 'interrupted', error: { code: runReasonCodes.interrupted, message: expect.stringMatching(/stopped before it finished/), fix: expect.any(String) } });
    // An error already recorded for the row is kept, not overwritten by the generic one.
    const cancelled = runs.create({ connectorId: 'c1', trigger: 'manual', owner: 'gone', nowMs: Date.parse(at) });
    store.db.prepare("UPDATE runs SET error_json = json_object('code', 'cancelled', 'message', 'Cancelled.') WHERE id = ?").run(cancelled.id);
    runs.markInterrupted('c1', 'me', Date.parse(at));
    expect(runs.get(cancelled.id)!.error).toEqual({ code: 'cancelled', message: 'Cancelled.' });
    store.dispose();
  });

  it('backs up a live database to a consistent copy', async () => {
    const store = Store.open(path.join(temp.dir, 'live.db'), { migrations: [v1] });
    store.transaction(() => {
      const insert = store.db.prepare('INSERT INTO notes (body) VALUES (?)');
      for (let i = 0; i < 500; i++) insert.run(`note ${i}`);
    });
    const copy = await store.backup(path.join(temp.dir, 'backup', 'copy.db'));
    store.dispose();
    const raw = new BetterSqlite3(copy.path, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) AS n FROM notes').get()).toEqual({ n: 500 });
    raw.close();
  });
});
