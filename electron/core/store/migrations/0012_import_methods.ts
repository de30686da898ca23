import type { Migration } from '../migrate';

/**
 * Import methods (issue 17). `deliveries.route` records which destination wrote (or is writing)
 * each item — `graph-json`, `graph-mime` — so that a delivery with an unknown outcome is looked
 * up where it was sent, and the ledger says which path every item took. NULL for rows written
 * before this step: they went by JSON create, the only path there was.
 *
 * `import_verifications` keeps the last "Check import" of each connector: the mailbox probed,
 * the method it verified (NULL when no method held) and the per-method evidence as JSON.
 */
export const migration0012: Migration = {
  version: 12,
  name: 'import_methods',
  up(db) {
    db.exec(`
      ALTER TABLE deliveries ADD COLUMN route TEXT CHECK (route IS NULL OR route IN ('graph-json', 'graph-mime', 'eml-folder'));

      CREATE TABLE import_verifications (
        connector_id TEXT PRIMARY KEY REFERENCES connectors(id),
        mailbox TEXT NOT NULL,
        verified_method TEXT,
        evidence TEXT NOT NULL,
        verified_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
