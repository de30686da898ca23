import type { Store } from '../database';
import { normaliseMailbox, toDeliveryKey, type DeliveryKey } from './deliveries';

/** A request out right now: its outcome is unknown until its answer arrives. */
export interface InFlightRequest {
  since: string;
  deadline: string;
  settleAt: string;
  what: string;
}

/**
 * A delivery with a request whose outcome is not known (migration 0016). `state` is `in-flight`
 * while only the current request is out, `unknown` once a request went unanswered.
 */
export interface UnknownOutcome extends DeliveryKey {
  state: 'in-flight' | 'unknown';
  /** When the outcome first became unknown (the request's start while only in flight). */
  since: string;
  /** The client's deadline of the latest request with an unknown outcome. */
  deadline: string;
  /** After this, none of the unanswered requests can still be applied by the service. */
  settleAt: string;
  reason: string;
  requests: number;
  inFlight: InFlightRequest | null;
}

export type SettlementOutcome = 'kept' | 'completed' | 'replaced' | 'absent';

export interface Settlement extends DeliveryKey {
  runId: number | null;
  settledAt: string;
  unknownSince: string;
  reason: string;
  keptGraphId: string | null;
  deletedGraphIds: string[];
  outcome: SettlementOutcome;
}

interface UnknownRow {
  connector_id: string;
  archive_key: string;
  mailbox: string;
  since: string | null;
  deadline: string | null;
  settle_at: string | null;
  reason: string | null;
  requests: number;
  inflight_since: string | null;
  inflight_deadline: string | null;
  inflight_settle_at: string | null;
  inflight_what: string | null;
}

interface SettlementRow {
  connector_id: string;
  archive_key: string;
  mailbox: string;
  run_id: number | null;
  settled_at: string;
  unknown_since: string;
  reason: string;
  kept_graph_id: string | null;
  deleted_graph_ids: string;
  outcome: SettlementOutcome;
}

/**
 * SQL for the unknown outcomes of the delivery ledger and the evidence of their settling.
 * Callers put these writes in the same transaction as the ledger change they belong to
 * (the importer's LedgerWriter batch), so a row never describes a state the ledger is not in.
 */
export class UnknownOutcomeRepository {
  constructor(private readonly store: Store) {}

  /** A request is about to leave: until its answer arrives its outcome is unknown. */
  beginRequest(key: DeliveryKey, at: Date, deadline: Date, settleAt: Date, what: string): void {
    this.store.prepare(
      `INSERT INTO delivery_unknowns (connector_id, archive_key, mailbox, inflight_since, inflight_deadline, inflight_settle_at, inflight_what)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connector_id, archive_key, mailbox) DO UPDATE SET
         inflight_since = excluded.inflight_since, inflight_deadline = excluded.inflight_deadline,
         inflight_settle_at = excluded.inflight_settle_at, inflight_what = excluded.inflight_what`,
    ).run(key.connectorId, key.archiveKey, normaliseMailbox(key.mailbox), at.toISOString(), deadline.toISOString(), settleAt.toISOString(), what);
  }

  /** The answer arrived (applied, or certainly refused): the row goes unless an earlier request went unanswered. */
  answered(key: DeliveryKey): void {
    const k = [key.connectorId, key.archiveKey, normaliseMailbox(key.mailbox)];
    this.store.prepare('DELETE FROM delivery_unknowns WHERE connector_id = ? AND archive_key = ? AND mailbox = ? AND settle_at IS NULL').run(...k);
    this.store.prepare(
      'UPDATE delivery_unknowns SET inflight_since = NULL, inflight_deadline = NULL, inflight_settle_at = NULL, inflight_what = NULL WHERE connector_id = ? AND archive_key = ? AND mailbox = ?',
    ).run(...k);
  }

  /** No answer (timeout, reset, lost): the request in flight may be applied until `settleAt`. */
  becameUnknown(key: DeliveryKey, at: Date, settleAt: Date, reason: string): void {
    const when = at.toISOString();
    this.store.prepare(
      `INSERT INTO delivery_unknowns (connector_id, archive_key, mailbox, since, deadline, settle_at, reason, requests)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (connector_id, archive_key, mailbox) DO UPDATE SET
         since = COALESCE(since, excluded.since), deadline = MAX(COALESCE(deadline, ''), COALESCE(inflight_deadline, excluded.deadline)),
         settle_at = MAX(COALESCE(settle_at, ''), excluded.settle_at), reason = excluded.reason, requests = requests + 1,
         inflight_since = NULL, inflight_deadline = NULL, inflight_settle_at = NULL, inflight_what = NULL`,
    ).run(key.connectorId, key.archiveKey, normaliseMailbox(key.mailbox), when, when, settleAt.toISOString(), reason);
  }

  /**
   * Requests still in flight when a run starts were sent by a process that ended without their
   * answer (one run per connector at a time, so no live process owns them): each becomes unknown,
   * settleable once its own deadline plus the margin has passed. Returns how many.
   */
  orphanInFlight(connectorId: string): number {
    return this.store.prepare(
      `UPDATE delivery_unknowns SET
         since = COALESCE(since, inflight_since), deadline = MAX(COALESCE(deadline, ''), inflight_deadline),
         settle_at = MAX(COALESCE(settle_at, ''), inflight_settle_at), requests = requests + 1,
         reason = 'the archiver stopped while the request was out (' || inflight_what || ')',
         inflight_since = NULL, inflight_deadline = NULL, inflight_settle_at = NULL, inflight_what = NULL
       WHERE connector_id = ? AND inflight_deadline IS NOT NULL`,
    ).run(connectorId).changes;
  }

  get(key: DeliveryKey): UnknownOutcome | undefined {
    const row = this.store.prepare('SELECT * FROM delivery_unknowns WHERE connector_id = ? AND archive_key = ? AND mailbox = ?').get(key.connectorId, key.archiveKey, normaliseMailbox(key.mailbox)) as
      | UnknownRow
      | undefined;
    return row && toUnknown(row);
  }

  /** Unknowns (not merely in flight) whose settle time is at or before `until` (all without it), earliest first. */
  list(connectorId: string, until?: Date, limit = 100_000): UnknownOutcome[] {
    const rows = (
      until
        ? this.store.prepare('SELECT * FROM delivery_unknowns WHERE connector_id = ? AND settle_at IS NOT NULL AND settle_at <= ? ORDER BY settle_at, archive_key, mailbox LIMIT ?').all(connectorId, until.toISOString(), limit)
        : this.store.prepare('SELECT * FROM delivery_unknowns WHERE connector_id = ? AND settle_at IS NOT NULL ORDER BY settle_at, archive_key, mailbox LIMIT ?').all(connectorId, limit)
    ) as UnknownRow[];
    return rows.map(toUnknown);
  }

  count(connectorId: string): number {
    return (this.store.prepare('SELECT COUNT(*) AS n FROM delivery_unknowns WHERE connector_id = ?').get(connectorId) as { n: number }).n;
  }

  /**
   * The unknown is settled: the row goes and the evidence stays. Only the row as it was read is
   * removed (same `settle_at`, nothing in flight), so a request sent meanwhile keeps its unknown.
   */
  settle(unknown: UnknownOutcome, settlement: Omit<Settlement, keyof DeliveryKey | 'unknownSince' | 'reason'>): boolean {
    const removed = this.store.prepare('DELETE FROM delivery_unknowns WHERE connector_id = ? AND archive_key = ? AND mailbox = ? AND settle_at = ? AND inflight_deadline IS NULL').run(
      unknown.connectorId,
      unknown.archiveKey,
      normaliseMailbox(unknown.mailbox),
      unknown.settleAt,
    ).changes;
    if (removed === 0) return false;
    this.store.prepare(
      `INSERT INTO delivery_settlements (connector_id, archive_key, mailbox, run_id, settled_at, unknown_since, reason, kept_graph_id, deleted_graph_ids, outcome)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      unknown.connectorId,
      unknown.archiveKey,
      normaliseMailbox(unknown.mailbox),
      settlement.runId,
      settlement.settledAt,
      unknown.since,
      unknown.reason,
      settlement.keptGraphId,
      JSON.stringify(settlement.deletedGraphIds),
      settlement.outcome,
    );
    return true;
  }

  /** What a run settled, for its reconciliation. */
  settledInRun(connectorId: string, runId: number): { settled: number; straysDeleted: number; replaced: number } {
    const row = this.store.prepare(
      `SELECT COUNT(*) AS settled, COALESCE(SUM(json_array_length(deleted_graph_ids)), 0) AS strays, COALESCE(SUM(outcome = 'replaced'), 0) AS replaced
       FROM delivery_settlements WHERE connector_id = ? AND run_id = ?`,
    ).get(connectorId, runId) as { settled: number; strays: number; replaced: number };
    return { settled: row.settled, straysDeleted: row.strays, replaced: row.replaced };
  }

  settlements(connectorId: string): Settlement[] {
    const rows = this.store.prepare('SELECT * FROM delivery_settlements WHERE connector_id = ? ORDER BY id').all(connectorId) as SettlementRow[];
    return rows.map(toSettlement);
  }
}

function toUnknown(row: UnknownRow): UnknownOutcome {
  const inFlight = row.inflight_deadline ? { since: row.inflight_since!, deadline: row.inflight_deadline, settleAt: row.inflight_settle_at!, what: row.inflight_what ?? '' } : null;
  return {
    ...toDeliveryKey(row),
    state: row.settle_at ? 'unknown' : 'in-flight',
    since: row.since ?? inFlight!.since,
    deadline: row.deadline ?? inFlight!.deadline,
    settleAt: row.settle_at ?? inFlight!.settleAt,
    reason: row.reason ?? `in flight (${inFlight?.what ?? ''})`,
    requests: row.requests,
    inFlight,
  };
}

function toSettlement(r: SettlementRow): Settlement {
  return {
    ...toDeliveryKey(r),
    runId: r.run_id,
    settledAt: r.settled_at,
    unknownSince: r.unknown_since,
    reason: r.reason,
    keptGraphId: r.kept_graph_id,
    deletedGraphIds: JSON.parse(r.deleted_graph_ids) as string[],
    outcome: r.outcome,
  };
}
