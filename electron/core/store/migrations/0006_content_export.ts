import type { Migration } from '../migrate';

/**
 * Content Export: the files read from Symphony's export location. A file is ingested once,
 * keyed by (connector, name, SHA-256); its items and its `ingested` row are written in one
 * transaction, so a crash leaves either both or neither. Failed attempts are kept for the report
 * and retried on the next poll.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'content-export',
  up(db) {
    db.exec(`
      CREATE TABLE content_export_files (
        id INTEGER PRIMARY KEY,
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ingested', 'failed')),
        format TEXT,
        conversations INTEGER NOT NULL DEFAULT 0,
        items INTEGER NOT NULL DEFAULT 0,
        -- Items that were new to the store (the rest were already captured, by any source).
        inserted INTEGER NOT NULL DEFAULT 0,
        failure TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        first_seen_at TEXT NOT NULL,
        ingested_at TEXT,
        updated_at TEXT NOT NULL,
        deleted_from_source_at TEXT,
        UNIQUE (connector_id, name, sha256)
      ) STRICT;
      CREATE INDEX content_export_files_name ON content_export_files (connector_id, name);
    `);
  },
};
