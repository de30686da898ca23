import type { Migration } from '../migrate';

/**
 * Import: the delivery ledger, one row per (connector, archive key, mailbox), and the cache of
 * each mailbox's archive folder id. `sending` is committed before the create request, so a row
 * found in `sending` after a crash means "outcome unknown": the importer looks the item up by its
 * archive key before it creates anything again. `attachments_done` lists the indexes of the
 * e-mail's attachments known to be on the created item, so a resumed delivery uploads only the rest.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'import',
  up(db) {
    db.exec(`
      CREATE TABLE deliveries (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        archive_key TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'sending', 'delivered', 'failed', 'skipped', 'held')),
        attempts INTEGER NOT NULL DEFAULT 0,
        graph_id TEXT,
        attachments_done TEXT NOT NULL DEFAULT '[]',
        note TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        delivered_at TEXT,
        PRIMARY KEY (connector_id, archive_key, mailbox)
      ) STRICT;
      CREATE INDEX deliveries_work ON deliveries (connector_id, state, mailbox);

      CREATE TABLE mailbox_folders (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        mailbox TEXT NOT NULL,
        folder_name TEXT NOT NULL,
        folder_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (connector_id, mailbox, folder_name)
      ) STRICT;
    `);
  },
};
