import type { Connector, CountBytes, Reconciliation } from '../../../shared/contract';
import type { Store } from '../store/database';
import type { ItemLogRepository, OutcomeRow } from '../store/repos/item-log';
import type { RunRecord } from '../store/repos/runs';
import type { DeliveryState, Stages } from './stages';

export interface ReconcileInput {
  store: Store;
  items: ItemLogRepository;
  stages: Stages;
  connector: Connector;
  run: RunRecord;
  /** The map cursor at the end of the run. */
  mappedThrough: number;
  maxAttempts: number;
  pageSize: number;
  /** False when the import stage did not run to its end (cancelled, failed): open deliveries then stay open. */
  importCompleted: boolean;
  nowIso: () => string;
  onProgress?: (done: number) => void;
}

/**
 * Settles the final outcome of every item the run answers for (docs/runs.md), from the delivery
 * ledger, then counts: captured = delivered + failed + skipped. An item is delivered when all its
 * deliveries are delivered (or skipped by the importer with at least one delivered), failed when
 * any failed, skipped when it had no deliverable mailbox. An item with a delivery still pending,
 * or with fewer ledger rows than mailboxes planned, has no outcome: it is unaccounted, which
 * unbalances the run — that is how loss shows.
 */
export async function reconcileRun(input: ReconcileInput): Promise<Reconciliation> {
  const { store, items, stages, connector, run } = input;
  const problems: string[] = [];
  const deliveries = { delivered: 0, failed: 0, skipped: 0, pending: 0 };
  let missingLedger = 0;
  let done = 0;
  for (let after = 0; ; ) {
    const page = items.pageRunItems(run.id, connector.id, after, input.pageSize);
    if (page.length === 0) break;
    after = page.at(-1)!.itemId;
    const keys = [...new Set(page.filter((o) => o.status === 'planned' && o.archiveKey).map((o) => o.archiveKey!))];
    const ledger = keys.length > 0 ? stages.import.deliveries(connector.id, keys) : new Map<string, DeliveryState[]>();
    store.transaction(() => {
      for (const outcome of page) {
        const result = settle(outcome, ledger.get(outcome.archiveKey ?? '') ?? [], input.importCompleted);
        for (const [state, n] of Object.entries(result.deliveries)) deliveries[state as keyof typeof deliveries] += n;
        if (result.missing) missingLedger++;
        apply(input, outcome, result);
      }
    });
    done += page.length;
    input.onProgress?.(done);
    await Promise.resolve();
  }

  const totals = items.runTotals(run.id, connector.id);
  const sum = (pred: (status: string) => boolean): CountBytes =>
    totals.filter((t) => pred(t.status)).reduce((acc, t) => ({ count: acc.count + t.count, bytes: acc.bytes + t.bytes }), { count: 0, bytes: 0 });
  const captured = sum(() => true);
  const delivered = sum((s) => s === 'delivered');
  const failed = sum((s) => s === 'failed' || s === 'held');
  const held = sum((s) => s === 'held');
  const skippedTotals = sum((s) => s === 'skipped');
  const byReason: Record<string, number> = {};
  for (const t of totals.filter((t) => t.status === 'skipped')) byReason[t.reason ?? 'unknown'] = (byReason[t.reason ?? 'unknown'] ?? 0) + t.count;
  const unaccounted = { count: captured.count - delivered.count - failed.count - skippedTotals.count, bytes: captured.bytes - delivered.bytes - failed.bytes - skippedTotals.bytes };

  const runItems = items.runItemCount(run.id);
  if (runItems !== captured.count) problems.push(`${runItems - captured.count} item(s) of this run have no outcome record.`);
  if (unaccounted.count > 0) {
    const pending = unaccounted.count - missingLedger;
    if (pending > 0) problems.push(`${pending} item(s) were not delivered because the run stopped early; the next run continues them.`);
    if (missingLedger > 0) problems.push(`${missingLedger} item(s) have fewer delivery records than mailboxes planned.`);
  }
  // Independent of the run's own bookkeeping: every item capture stored up to the map cursor must
  // have an outcome. A gap here is an item the pipeline never looked at.
  // The whole range, not only this run's: a gap left by any run keeps showing until it is fixed.
  if (input.mappedThrough > 0) {
    const capturedInRange = stages.capture.count(connector.id, 0, input.mappedThrough);
    const decidedInRange = items.countDecided(connector.id, 0, input.mappedThrough);
    if (capturedInRange !== decidedInRange) problems.push(`${capturedInRange - decidedInRange} captured item(s) were never planned, skipped or failed.`);
  }
  return {
    captured,
    delivered,
    failed,
    held,
    skipped: { ...skippedTotals, byReason },
    unaccounted,
    deliveries,
    balanced: problems.length === 0,
    problems,
  };
}

interface Settled {
  status: OutcomeRow['status'];
  reason?: string;
  missing?: boolean;
  deliveries: Record<'delivered' | 'failed' | 'skipped' | 'pending', number>;
  ledger: DeliveryState[];
}

function settle(outcome: OutcomeRow, ledger: DeliveryState[], importCompleted: boolean): Settled {
  const deliveries = { delivered: 0, failed: 0, skipped: 0, pending: 0 };
  if (outcome.status !== 'planned') return { status: outcome.status, deliveries, ledger: [] };
  for (const d of ledger) {
    if (d.status === 'delivered') deliveries.delivered++;
    else if (d.status === 'failed' || d.status === 'held') deliveries.failed++;
    else if (d.status === 'skipped') deliveries.skipped++;
    else deliveries.pending++;
  }
  if (ledger.length < outcome.mailboxes) return { status: 'planned', missing: true, deliveries, ledger };
  if (deliveries.pending > 0) {
    // The importer left them for later (throttling, an outage): a failed attempt, retried next run.
    if (importCompleted) return { status: 'failed', reason: `delivery not finished in this run (${deliveries.pending} mailbox(es) waiting); retried next run`, deliveries, ledger };
    return { status: 'planned', deliveries, ledger };
  }
  if (deliveries.failed > 0) {
    const errors = [...new Set(ledger.filter((d) => d.error && (d.status === 'failed' || d.status === 'held')).map((d) => d.error))];
    return { status: 'failed', reason: `delivery failed: ${errors.join('; ') || 'see the log'}`, deliveries, ledger };
  }
  if (deliveries.delivered === 0) return { status: 'skipped', reason: 'mailbox-unavailable', deliveries, ledger };
  return { status: 'delivered', deliveries, ledger };
}

function apply(input: ReconcileInput, outcome: OutcomeRow, result: Settled): void {
  const { items, connector, run } = input;
  const at = input.nowIso();
  const ev = { connectorId: connector.id, itemId: outcome.itemId, runId: run.id, streamId: outcome.streamId, at };
  for (const d of result.ledger) {
    if (d.status === 'delivered') items.addEvent({ ...ev, event: 'delivered', mailbox: d.mailbox, graphId: d.graphId });
    else if (d.status === 'failed' || d.status === 'held') items.addEvent({ ...ev, event: 'failed', mailbox: d.mailbox, detail: d.error });
    else if (d.status === 'skipped') items.addEvent({ ...ev, event: 'skipped', mailbox: d.mailbox, detail: d.error });
  }
  if (result.status === 'failed') {
    const attempts = outcome.attempts + 1;
    const status = attempts >= input.maxAttempts ? 'held' : 'failed';
    items.setStatus(connector.id, outcome.itemId, status, { reason: result.reason ?? outcome.reason, runId: run.id, at, failedOnce: true });
    if (status === 'held') items.addEvent({ ...ev, event: 'held', detail: `failed in ${attempts} runs; waiting for the officer to retry or skip it` });
  } else if (result.status !== outcome.status) {
    items.setStatus(connector.id, outcome.itemId, result.status, { reason: result.reason ?? null, runId: run.id, at });
  }
}
