import type { Migration } from '../migrate';

/**
 * Mapping: the officer's custom rows, the directory look-up cache, who was seen in which items,
 * and the items held back for participants without a mailbox. Items are referenced by
 * (connector_id, item_id) = items.id of the capture tables, without a foreign key, so that this
 * step does not depend on the order in which the capture tables were created.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'mapping',
  up(db) {
    db.exec(`
      -- The officer's rows. key is 'user:<id>' when the row has a user id, else 'email:<address>';
      -- a participant is matched by user id first, then by e-mail.
      CREATE TABLE mapping_custom (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        key TEXT NOT NULL,
        symphony_user_id TEXT,
        symphony_email TEXT,
        target_upn TEXT,
        also_deliver_to TEXT NOT NULL DEFAULT '',
        exclude INTEGER NOT NULL DEFAULT 0 CHECK (exclude IN (0, 1)),
        note TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (connector_id, key)
      ) STRICT;
      CREATE UNIQUE INDEX mapping_custom_user ON mapping_custom (connector_id, symphony_user_id) WHERE symphony_user_id IS NOT NULL;
      CREATE UNIQUE INDEX mapping_custom_email ON mapping_custom (connector_id, symphony_email) WHERE symphony_email IS NOT NULL;

      -- Bumped by every change to a connector's custom rows: a CSV preview is applied only
      -- when nothing changed in between.
      CREATE TABLE mapping_state (
        connector_id TEXT PRIMARY KEY REFERENCES connectors(id),
        revision INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      -- Directory answers per connector (each connector is one tenant). Not-found answers are
      -- cached too, for less time. expires_at is milliseconds since the epoch.
      CREATE TABLE mapping_directory_cache (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        email TEXT NOT NULL,
        found INTEGER NOT NULL CHECK (found IN (0, 1)),
        upn TEXT,
        mail TEXT,
        display_name TEXT,
        checked_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (connector_id, email)
      ) STRICT;

      -- Everyone seen as a member of a captured item, for the editor and the unmapped report.
      CREATE TABLE mapping_participants (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        user_id TEXT NOT NULL,
        email TEXT NOT NULL DEFAULT '',
        display_name TEXT NOT NULL DEFAULT '',
        external INTEGER NOT NULL DEFAULT 0 CHECK (external IN (0, 1)),
        items_seen INTEGER NOT NULL DEFAULT 0,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (connector_id, user_id)
      ) STRICT;
      CREATE INDEX mapping_participants_email ON mapping_participants (connector_id, email);

      -- Items whose participants were counted, so that recording an item twice counts it once.
      CREATE TABLE mapping_recorded_items (
        connector_id TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (connector_id, item_id)
      ) STRICT, WITHOUT ROWID;

      -- One row per (item, participant without a mailbox). Released when the participant is
      -- mapped, in the same transaction as the caller's enqueue of that delivery.
      CREATE TABLE mapping_held (
        connector_id TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        held_at TEXT NOT NULL,
        released_at TEXT,
        released_to TEXT,
        -- By participant first: releasing and counting go participant by participant.
        PRIMARY KEY (connector_id, user_id, item_id)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
