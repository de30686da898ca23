import type { Migration } from '../migrate';

/**
 * Runs learn three things (docs/runs.md):
 * - `needs-sign-in`, its own final status: the interactive Microsoft 365 sign-in was lost, the run
 *   stopped its Graph stage and left the open deliveries open;
 * - `slot_ms`, the schedule slot a scheduled run stands for, so the next slot follows from it
 *   (and not from the start, which carries the jitter and the tick's delay);
 * - `taken_over_by`, the run that took an interrupted run's items into its own reconciliation, so
 *   every item's final outcome is in exactly one run's books.
 * SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same ids
 * (AUTOINCREMENT's counter moves with the rename).
 */
export const migration0013: Migration = {
  version: 13,
  name: 'run-slots',
  up(db) {
    db.exec(`
      CREATE TABLE runs_next (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        connector_id TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'needs-sign-in')),
        stage TEXT,
        owner TEXT NOT NULL,
        started_at TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        finished_at TEXT,
        error TEXT,
        cursor_start INTEGER,
        cursor_end INTEGER,
        progress_json TEXT NOT NULL DEFAULT '{}',
        reconciliation_json TEXT,
        slot_ms INTEGER,
        taken_over_by INTEGER
      ) STRICT;
      INSERT INTO runs_next (id, connector_id, trigger, status, stage, owner, started_at, started_ms, finished_at, error, cursor_start, cursor_end, progress_json, reconciliation_json)
        SELECT id, connector_id, trigger, status, stage, owner, started_at, started_ms, finished_at, error, cursor_start, cursor_end, progress_json, reconciliation_json FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_next RENAME TO runs;
      CREATE INDEX runs_connector ON runs (connector_id, id);
      CREATE INDEX runs_running ON runs (status) WHERE status = 'running';
      CREATE INDEX runs_orphaned ON runs (connector_id) WHERE status = 'interrupted' AND taken_over_by IS NULL;
    `);
  },
};
