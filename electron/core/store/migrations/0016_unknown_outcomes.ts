import type { Migration } from '../migrate';

/**
 * Unknown outcomes of the delivery ledger (issue 22): a Graph request that may have changed a
 * mailbox although no answer said so (timeout, reset, lost answer, the process ended while it
 * was out). Kept in their own table, not as columns of `deliveries`, so that the ledger's own
 * steps stay independent of this one; the key is the delivery's.
 *
 * `delivery_unknowns`: one row per delivery with an outcome still to settle.
 *   - `inflight_*`: the request out right now, written in the transaction that sends it (with
 *     `sending`) and cleared when its answer arrives. Found set at the start of a run, the process
 *     that sent it is gone: the request becomes unknown, settleable at its `inflight_settle_at`.
 *   - `since` / `deadline` / `settle_at` / `reason`: at least one request of this delivery went
 *     unanswered and may still be applied by Microsoft 365. `deadline` is the client's deadline of
 *     the latest such request, `settle_at` the time after which none of them can still be applied
 *     (docs/decisions/graph-import.md, "Unknown outcomes"); NULL while nothing is unknown yet.
 *     Removed when settled: the item looked up by archive key, one copy kept, strays deleted, in
 *     the transaction that records the kept copy in `deliveries`.
 *
 * `delivery_settlements`: the evidence of each settling — which copy was kept and which stray
 * copies were deleted, by which run.
 */
export const migration0016: Migration = {
  version: 16,
  name: 'unknown-outcomes',
  up(db) {
    db.exec(`
      CREATE TABLE delivery_unknowns (
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        archive_key TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        since TEXT,
        deadline TEXT,
        settle_at TEXT,
        reason TEXT,
        requests INTEGER NOT NULL DEFAULT 0,
        inflight_since TEXT,
        inflight_deadline TEXT,
        inflight_settle_at TEXT,
        inflight_what TEXT,
        PRIMARY KEY (connector_id, archive_key, mailbox),
        CHECK (settle_at IS NOT NULL OR inflight_deadline IS NOT NULL)
      ) STRICT;
      CREATE INDEX delivery_unknowns_due ON delivery_unknowns (connector_id, settle_at);

      CREATE TABLE delivery_settlements (
        id INTEGER PRIMARY KEY,
        connector_id TEXT NOT NULL REFERENCES connectors(id),
        archive_key TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        run_id INTEGER,
        settled_at TEXT NOT NULL,
        unknown_since TEXT NOT NULL,
        reason TEXT NOT NULL,
        kept_graph_id TEXT,
        deleted_graph_ids TEXT NOT NULL DEFAULT '[]',
        outcome TEXT NOT NULL CHECK (outcome IN ('kept', 'completed', 'replaced', 'absent'))
      ) STRICT;
      CREATE INDEX delivery_settlements_run ON delivery_settlements (connector_id, run_id);
    `);
  },
};
