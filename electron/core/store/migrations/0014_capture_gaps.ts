import type { Migration } from '../migrate';

/**
 * Capture gaps: a part of a conversation the capture could not read when it stored the
 * conversation's items, kept until a later run reads it.
 *
 * Datahose hands over messages of conversations whose member list the admin API then refuses
 * (a 400 for a stream of another pod, a 403 without the role) or cannot give. The items are stored
 * with what the events carry and the batch is acknowledged, so one such conversation never
 * blocks the feed; the missing member list is a row here (`open`), reported by every run until
 * one reads the list and marks it `filled` in the same transaction that stores it.
 *
 * Number 14: 11 was reserved for it, but 12 and 13 landed first, and migrate() applies only
 * versions above the file's: a database already at 13 would never get an 11.
 */
export const migration0014: Migration = {
  version: 14,
  name: 'capture-gaps',
  up(db) {
    db.exec(`
      CREATE TABLE capture_gaps (
        connector_id TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        -- What is missing: the conversation's member list.
        part TEXT NOT NULL CHECK (part IN ('members')),
        status TEXT NOT NULL CHECK (status IN ('open', 'filled')),
        -- Why the last attempt failed, as the officer reads it.
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        opened_at TEXT NOT NULL,
        tried_at TEXT NOT NULL,
        filled_at TEXT,
        PRIMARY KEY (connector_id, stream_id, part),
        FOREIGN KEY (connector_id, stream_id) REFERENCES conversations(connector_id, stream_id)
      ) STRICT;
      CREATE INDEX capture_gaps_open ON capture_gaps (connector_id, status);
    `);
  },
};
