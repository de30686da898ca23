import type { Migration } from '../migrate';

/**
 * Capture: what was read from Symphony, keyed so that a re-read stores nothing twice.
 * Items are keyed by (connector, Symphony message id); a conversation's checkpoint is updated in
 * the same transaction as the items it covers. Attachments are recorded with their items
 * (`pending`) and downloaded afterwards, so a crash never loses one: a pending row is retried.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'capture',
  up(db) {
    db.exec(`
      CREATE TABLE participants (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        user_id TEXT NOT NULL,
        email TEXT NOT NULL DEFAULT '',
        display_name TEXT NOT NULL DEFAULT '',
        username TEXT,
        company TEXT,
        external INTEGER NOT NULL DEFAULT 0 CHECK (external IN (0, 1)),
        -- 1 once /pod/v3/users or a membership list answered for this user.
        resolved INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (connector_id, user_id)
      ) STRICT;

      CREATE TABLE conversations (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        stream_id TEXT NOT NULL,
        stream_type TEXT NOT NULL CHECK (stream_type IN ('IM', 'MIM', 'ROOM', 'POST')),
        name TEXT NOT NULL DEFAULT '',
        external INTEGER NOT NULL DEFAULT 0 CHECK (external IN (0, 1)),
        cross_pod INTEGER NOT NULL DEFAULT 0 CHECK (cross_pod IN (0, 1)),
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        last_modified INTEGER,
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_error TEXT,
        last_error_at TEXT,
        PRIMARY KEY (connector_id, stream_id)
      ) STRICT;

      CREATE TABLE members (
        connector_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        is_owner INTEGER NOT NULL DEFAULT 0,
        join_date INTEGER,
        -- 0 when the user no longer appears in the membership list; kept for the record.
        current INTEGER NOT NULL DEFAULT 1 CHECK (current IN (0, 1)),
        PRIMARY KEY (connector_id, stream_id, user_id),
        FOREIGN KEY (connector_id, stream_id) REFERENCES conversations(connector_id, stream_id)
      ) STRICT;

      CREATE TABLE checkpoints (
        connector_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        -- The v4 paging rule: next read is since=<since>&skip=<skip>.
        since INTEGER NOT NULL,
        skip INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (connector_id, stream_id),
        FOREIGN KEY (connector_id, stream_id) REFERENCES conversations(connector_id, stream_id)
      ) STRICT;

      CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        connector_id TEXT NOT NULL,
        pod TEXT NOT NULL,
        message_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        sender_id TEXT NOT NULL,
        presentation_ml TEXT NOT NULL,
        entity_json TEXT NOT NULL,
        replaces_message_id TEXT,
        source_json TEXT NOT NULL,
        source_sha256 TEXT NOT NULL,
        captured_at TEXT NOT NULL,
        UNIQUE (connector_id, message_id),
        FOREIGN KEY (connector_id, stream_id) REFERENCES conversations(connector_id, stream_id)
      ) STRICT;
      CREATE INDEX items_order ON items (connector_id, stream_id, timestamp, id);

      CREATE TABLE attachments (
        item_id INTEGER NOT NULL REFERENCES items(id),
        position INTEGER NOT NULL,
        attachment_id TEXT NOT NULL,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        declared_size INTEGER NOT NULL,
        size INTEGER,
        sha256 TEXT,
        spool_path TEXT,
        inline INTEGER NOT NULL DEFAULT 0 CHECK (inline IN (0, 1)),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'stored', 'failed')),
        failure TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (item_id, position)
      ) STRICT;
      CREATE INDEX attachments_pending ON attachments (item_id) WHERE status = 'pending';
    `);
  },
};
