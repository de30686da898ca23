import type { Migration } from '../migrate';
import { rewriteCheck } from './widen-check';

/**
 * One name per concept, and reasons as values (issue 18; docs/GLOSSARY.md):
 *  - an item that failed in `maxAttempts` runs and waits for the officer was `held`, the word
 *    Mapping uses for an item waiting for a participant's mailbox: it is now `stopped-retrying`,
 *    in `item_outcomes.status` and in the item log's event of that name;
 *  - the delivery ledger's `held` state was never written by any version: it leaves the list
 *    (a row found in it, which cannot exist, would become `failed`, retried);
 *  - `reason_json` (item outcomes and deliveries) keeps why an item or delivery stands where it
 *    does as a structured value `{code, message, fix?, detail?}` (shared/contract/reasons.ts).
 *    Rows written before keep their text in `reason` / `last_error`; readers turn it into a value.
 */
export const migration0017: Migration = {
  version: 17,
  name: 'outcome-reasons',
  up(db) {
    rewriteCheck(db, 'item_outcomes', 'status', (present) => present.map((v) => (v === 'held' ? 'stopped-retrying' : v)), { held: 'stopped-retrying' });
    rewriteCheck(db, 'deliveries', 'state', (present) => present.filter((v) => v !== 'held'), { held: 'failed' });
    db.exec(`
      UPDATE item_events SET event = 'stopped-retrying' WHERE event = 'held';
      ALTER TABLE item_outcomes ADD COLUMN reason_json TEXT CHECK (reason_json IS NULL OR json_valid(reason_json));
      ALTER TABLE deliveries ADD COLUMN reason_json TEXT CHECK (reason_json IS NULL OR json_valid(reason_json));
    `);
  },
};
