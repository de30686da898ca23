import type { Migration } from '../migrate';

/**
 * Runs, the per-item outcome and log, the cross-process run lock and the scheduler's state.
 * Captured items (0002) and deliveries (0003) are other domains' tables: these rows refer to
 * them by `(connector_id, item_id)` and by archive key, without foreign keys, so each domain's
 * schema can move on its own.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'runs',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        connector_id TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
        stage TEXT,
        owner TEXT NOT NULL,
        started_at TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        finished_at TEXT,
        error TEXT,
        -- Items with id in (cursor_start, cursor_end] were taken in by this run's map step.
        cursor_start INTEGER,
        cursor_end INTEGER,
        progress_json TEXT NOT NULL DEFAULT '{}',
        reconciliation_json TEXT
      ) STRICT;
      CREATE INDEX runs_connector ON runs (connector_id, id);
      CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

      -- Which items a run answers for in its reconciliation (new ones and retried ones).
      CREATE TABLE run_items (
        run_id INTEGER NOT NULL,
        item_id INTEGER NOT NULL,
        PRIMARY KEY (run_id, item_id)
      ) STRICT, WITHOUT ROWID;

      -- One row per captured item once the map step decided it: planned exactly once.
      CREATE TABLE item_outcomes (
        connector_id TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        stream_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        archive_key TEXT,
        status TEXT NOT NULL CHECK (status IN ('planned', 'delivered', 'failed', 'held', 'skipped')),
        reason TEXT,
        mailboxes INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        first_run_id INTEGER,
        last_run_id INTEGER,
        updated_at TEXT NOT NULL,
        -- Set when retention removed the item's spool files and log lines.
        purged_at TEXT,
        PRIMARY KEY (connector_id, item_id)
      ) STRICT;
      CREATE INDEX item_outcomes_status ON item_outcomes (connector_id, status);
      CREATE INDEX item_outcomes_key ON item_outcomes (connector_id, archive_key);
      CREATE INDEX item_outcomes_sender ON item_outcomes (connector_id, sender);

      CREATE TABLE item_events (
        id INTEGER PRIMARY KEY,
        connector_id TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        run_id INTEGER,
        stream_id TEXT NOT NULL,
        event TEXT NOT NULL,
        mailbox TEXT,
        graph_id TEXT,
        detail TEXT,
        at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX item_events_item ON item_events (connector_id, item_id);
      CREATE INDEX item_events_run ON item_events (run_id, id);
      CREATE INDEX item_events_stream ON item_events (connector_id, stream_id);
      CREATE INDEX item_events_mailbox ON item_events (connector_id, mailbox) WHERE mailbox IS NOT NULL;
      -- A delivery is logged once however often reconciliation looks at it.
      CREATE UNIQUE INDEX item_events_final ON item_events (connector_id, item_id, event, mailbox) WHERE event = 'delivered';

      -- Everything at or below mapped_through has an item_outcomes row (or was never captured).
      CREATE TABLE pipeline_cursors (
        connector_id TEXT PRIMARY KEY,
        mapped_through INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE schedule_state (
        connector_id TEXT PRIMARY KEY,
        paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
        updated_at TEXT NOT NULL
      ) STRICT;

      -- One row per held lock (e.g. run:<connector>); see docs/runs.md for takeover rules.
      CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        pid INTEGER NOT NULL,
        hostname TEXT NOT NULL,
        acquired_ms INTEGER NOT NULL,
        heartbeat_ms INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
