import type { Migration } from '../migrate';

/**
 * The run's own error as a structured reason, like the items' and deliveries' (0017; issue 18):
 * `runs.error_json` keeps `{code, message, fix?, detail?}` (shared/contract/reasons.ts), rendered
 * only by `reasonWords`. A run finished before keeps its text as the message of the generic code
 * `earlier-text` (nothing more is known of it), written here once so that readers have one
 * column to read; the text column `error` then goes (SQLite ≥ 3.35 drops a column in place; no
 * index, view or trigger names it).
 */
export const migration0018: Migration = {
  version: 18,
  name: 'run-reasons',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN error_json TEXT CHECK (error_json IS NULL OR json_valid(error_json));
      UPDATE runs SET error_json = json_object('code', 'earlier-text', 'message', error) WHERE error IS NOT NULL;
      ALTER TABLE runs DROP COLUMN error;
    `);
  },
};
