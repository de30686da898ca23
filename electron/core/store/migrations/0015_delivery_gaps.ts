import type { Migration } from '../migrate';
import { widenCheck } from './widen-check';

/**
 * Nothing silently missing (docs/runs.md):
 *  - a delivery to a mailbox that cannot be written is `blocked`, with the reason's code in
 *    `blocked_reason` (access-denied, no-mailbox, not-licensed, not-found) and its words in
 *    `last_error`; it is re-checked by every run and never counted as skipped;
 *  - `found_existing` marks a delivery whose item was already in the mailbox (found by its
 *    archive key before anything was created): "already there" in the per-delivery reconciliation;
 *  - an item whose only open deliveries are blocked is `blocked` itself;
 *  - a run with anything failed, blocked or held ends `completed-with-problems`.
 * After 0013, which rebuilt the runs table with its own status list (this one reads it back).
 */
export const migration0015: Migration = {
  version: 15,
  name: 'delivery-gaps',
  up(db) {
    widenCheck(db, 'deliveries', 'state', ['blocked']);
    widenCheck(db, 'item_outcomes', 'status', ['blocked']);
    widenCheck(db, 'runs', 'status', ['completed-with-problems']);
    db.exec(`
      ALTER TABLE deliveries ADD COLUMN blocked_reason TEXT;
      ALTER TABLE deliveries ADD COLUMN found_existing INTEGER NOT NULL DEFAULT 0 CHECK (found_existing IN (0, 1));
      CREATE INDEX deliveries_blocked ON deliveries (connector_id, mailbox) WHERE state = 'blocked';
    `);
  },
};
