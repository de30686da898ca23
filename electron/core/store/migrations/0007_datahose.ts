import type { Migration } from '../migrate';

/**
 * Datahose: where a connector's feed stands, and the suppressions it reported.
 *
 * `datahose_feeds.ack_id` is the ackId of the last batch whose items are stored; it is written in
 * the same transaction as those items and sent with the next read, which acknowledges the batch.
 * A crash before that transaction leaves the previous ackId, so Symphony re-delivers the batch
 * and `INSERT … ON CONFLICT DO NOTHING` on items stores nothing twice.
 *
 * `suppressions` records that a message was suppressed in Symphony (MESSAGESUPPRESSED). The
 * archived item is never deleted or changed: the suppression is kept beside it, keyed like
 * items by (connector, message id), and may arrive before, after or without the item.
 */
export const migration0007: Migration = {
  version: 7,
  name: 'datahose',
  up(db) {
    db.exec(`
      CREATE TABLE datahose_feeds (
        connector_id TEXT PRIMARY KEY REFERENCES connectors(id),
        tag TEXT NOT NULL,
        ack_id TEXT NOT NULL DEFAULT '',
        -- The first read: the feed holds events from about then on, not before.
        first_read_at TEXT NOT NULL,
        events INTEGER NOT NULL DEFAULT 0,
        batches INTEGER NOT NULL DEFAULT 0,
        -- Timestamp (ms) of the newest event read.
        last_event_at INTEGER,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE suppressions (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        message_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        -- When Symphony suppressed it (event timestamp, ms) and who did (user id, if sent).
        suppressed_at INTEGER NOT NULL,
        suppressed_by TEXT,
        source TEXT NOT NULL CHECK (source IN ('datahose')),
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (connector_id, message_id)
      ) STRICT;
    `);
  },
};
