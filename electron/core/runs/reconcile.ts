import type { BlockedMailbox, Connector, CountBytes, DeliveryReconciliation, Reconciliation } from '../../../shared/contract';
import { blockFixes, itemReasonCodes, reasonWords, skipReason, type OutcomeReason } from '../../../shared/contract';
import { problemSkips } from '../../../shared/contract/run-words';
import type { Store } from '../store/database';
import type { ItemLogRepository, OutcomeRow } from '../store/repos/item-log';
import type { RunRecord } from '../store/repos/runs';
import type { DeliveryView, Stages } from './stages';

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
  /** Per item, the participants without a mailbox it is held for (Mapping's held items). */
  heldDeliveries?: (connectorId: string, itemIds: readonly number[]) => Map<number, number>;
  nowIso: () => string;
  onProgress?: (done: number) => void;
}

type Bucket = 'delivered' | 'blocked' | 'failed' | 'held' | 'skipped' | 'unaccounted';

/**
 * Settles the final outcome of every item the run answers for (docs/runs.md) from the delivery
 * ledger, and counts twice:
 *  - per delivery: every item × mailbox it was fanned out to (plus the participants it is held
 *    for), by where the delivery stands;
 *  - per item: captured = delivered + blocked + failed + held + skipped. An item is delivered only
 *    when every one of its planned deliveries is; failed when any failed; blocked when any
 *    waits for a mailbox that cannot be written; held when it waits for a participant's mailbox.
 * An item with a delivery still pending, or with fewer ledger rows than mailboxes planned, has
 * no outcome: it is unaccounted, which unbalances the run — that is how loss shows.
 */
export async function reconcileRun(input: ReconcileInput): Promise<Reconciliation> {
  const { store, items, stages, connector, run } = input;
  const deliveries: DeliveryReconciliation = { planned: 0, delivered: 0, alreadyThere: 0, partial: 0, blocked: 0, failed: 0, held: 0, skipped: 0, open: 0 };
  const blockedMailboxes = new Map<string, BlockedMailbox>();
  const totals = emptyTotals();
  const byReason: Record<string, number> = {};
  let missingLedger = 0;
  let extraLedger = 0;
  let failedFirstTime = 0;
  let done = 0;
  for (let after = 0; ; ) {
    const page = items.pageRunItems(run.id, connector.id, after, input.pageSize);
    if (page.length === 0) break;
    after = page.at(-1)!.itemId;
    const keys = [...new Set(page.filter((o) => o.status === 'planned' && o.archiveKey).map((o) => o.archiveKey!))];
    const ledger = keys.length > 0 ? stages.import.deliveries(connector.id, keys) : new Map<string, DeliveryView[]>();
    const holds = input.heldDeliveries?.(connector.id, page.map((o) => o.itemId)) ?? new Map<number, number>();
    store.transaction(() => {
      for (const outcome of page) {
        const rows = outcome.status === 'planned' ? (ledger.get(outcome.archiveKey ?? '') ?? []) : [];
        const result = settle(outcome, rows, input.importCompleted);
        const held = holds.get(outcome.itemId) ?? 0;
        deliveries.planned += (outcome.status === 'planned' ? outcome.mailboxes : 0) + held;
        deliveries.held += held;
        for (const d of rows) countDelivery(deliveries, blockedMailboxes, d);
        if (result.missing) missingLedger++;
        if (outcome.status === 'planned' && rows.length > outcome.mailboxes) extraLedger += rows.length - outcome.mailboxes;
        const final = apply(input, outcome, result);
        const bucket = bucketOf(final.status, final.reason, held);
        add(totals[bucket], outcome.bytes);
        if (final.status === 'stopped-retrying') add(totals.stoppedRetrying, outcome.bytes);
        if (bucket === 'failed' && outcome.attempts === 0) failedFirstTime++;
        if (bucket === 'skipped') {
          const code = final.reason?.code ?? 'unknown';
          byReason[code] = (byReason[code] ?? 0) + 1;
        }
      }
    });
    done += page.length;
    input.onProgress?.(done);
    await Promise.resolve();
  }

  const buckets: Bucket[] = ['delivered', 'blocked', 'failed', 'held', 'skipped', 'unaccounted'];
  const captured = { count: done, bytes: buckets.reduce((n, b) => n + totals[b].bytes, 0) };
  const problems = balanceProblems(input, { captured: captured.count, unaccounted: totals.unaccounted.count, missingLedger, extraLedger, deliveries });
  return {
    captured,
    delivered: totals.delivered,
    blocked: totals.blocked,
    failed: totals.failed,
    stoppedRetrying: totals.stoppedRetrying,
    failedFirstTime,
    held: totals.held,
    skipped: { ...totals.skipped, byReason },
    unaccounted: totals.unaccounted,
    deliveries,
    blockedMailboxes: [...blockedMailboxes.values()].sort((a, b) => b.deliveries - a.deliveries || a.mailbox.localeCompare(b.mailbox)),
    balanced: problems.length === 0,
    problems,
    // Not a problem of balance: an unsettled unknown is a delivery whose stray copies are still to be looked for.
    unknownOutcomes: stages.import.unknownOutcomes?.(connector.id, run.id),
  };
}

/**
 * Why the run's books do not balance (empty when they do): items of the run without an outcome,
 * items left unaccounted, ledger rows missing or extra, captured items never decided, deliveries
 * without a state.
 */
function balanceProblems(
  input: ReconcileInput,
  counted: { captured: number; unaccounted: number; missingLedger: number; extraLedger: number; deliveries: DeliveryReconciliation },
): string[] {
  const { items, stages, connector, run } = input;
  const { missingLedger, extraLedger } = counted;
  const problems: string[] = [];
  const runItems = items.runItemCount(run.id);
  if (runItems !== counted.captured) problems.push(`${runItems - counted.captured} item(s) of this run have no outcome record.`);
  if (counted.unaccounted > 0) {
    const pending = counted.unaccounted - missingLedger;
    if (pending > 0) problems.push(`${pending} item(s) were not delivered because the run stopped early; the next run continues them.`);
    if (missingLedger > 0) problems.push(`${missingLedger} item(s) have fewer delivery records than mailboxes planned.`);
  }
  if (extraLedger > 0) problems.push(`${extraLedger} delivery record(s) belong to no planned mailbox.`);
  // Independent of the run's own bookkeeping: every item capture stored up to the map cursor must
  // have an outcome. A gap here is an item the pipeline never looked at.
  // The whole range, not only this run's: a gap left by any run keeps showing until it is fixed.
  if (input.mappedThrough > 0) {
    const capturedInRange = stages.capture.count(connector.id, 0, input.mappedThrough);
    const decidedInRange = items.countDecided(connector.id, 0, input.mappedThrough);
    if (capturedInRange !== decidedInRange) problems.push(`${capturedInRange - decidedInRange} captured item(s) were never planned, skipped or failed.`);
  }
  const d = counted.deliveries;
  const states = d.delivered + d.alreadyThere + d.partial + d.blocked + d.failed + d.held + d.skipped + d.open;
  if (states !== d.planned && missingLedger === 0 && extraLedger === 0) problems.push(`${d.planned - states} planned deliveries have no state.`);
  return problems;
}

/** Anything not delivered makes a balanced run *completed with problems* rather than *succeeded*. */
export function hasProblems(rec: Reconciliation): boolean {
  const d = rec.deliveries;
  const unchosenSkips = Object.values(problemSkips(rec)).reduce((sum, count) => sum + count, 0);
  return rec.blocked.count + rec.failed.count + rec.held.count + d.blocked + d.failed + d.held + d.partial + d.open + unchosenSkips > 0;
}

function emptyTotals(): Record<Bucket | 'stoppedRetrying', CountBytes> {
  const z = () => ({ count: 0, bytes: 0 });
  return { delivered: z(), blocked: z(), failed: z(), held: z(), skipped: z(), unaccounted: z(), stoppedRetrying: z() };
}

function add(total: CountBytes, bytes: number): void {
  total.count++;
  total.bytes += bytes;
}

/**
 * The item's place in the per-item reconciliation. Nobody with a mailbox (`unmapped`) is a gap
 * waiting for Mapping, not a decision: held. So is a delivered item some participant still waits for.
 */
function bucketOf(status: OutcomeRow['status'], reason: OutcomeReason | null | undefined, held: number): Bucket {
  switch (status) {
    case 'delivered':
      return held > 0 ? 'held' : 'delivered';
    case 'skipped':
      return reason?.code === 'unmapped' ? 'held' : 'skipped';
    case 'failed':
    case 'stopped-retrying':
      return 'failed';
    case 'blocked':
      return 'blocked';
    default:
      return 'unaccounted';
  }
}

function countDelivery(d: DeliveryReconciliation, blocked: Map<string, BlockedMailbox>, row: DeliveryView): void {
  switch (row.status) {
    case 'delivered':
      if (row.foundExisting) d.alreadyThere++;
      else d.delivered++;
      return;
    case 'blocked': {
      d.blocked++;
      const reason = row.blockedReason ?? 'access-denied';
      const entry = blocked.get(row.mailbox) ?? { mailbox: row.mailbox, reason, message: row.reason?.message ?? `${row.mailbox} cannot be written.`, fix: blockFixes[reason], deliveries: 0 };
      entry.deliveries++;
      blocked.set(row.mailbox, entry);
      return;
    }
    case 'skipped':
      d.skipped++;
      return;
    case 'failed':
      if (row.graphId) d.partial++;
      else d.failed++;
      return;
    default:
      if (row.graphId) d.partial++;
      else d.open++;
  }
}

interface Settled {
  status: OutcomeRow['status'];
  reason?: OutcomeReason;
  missing?: boolean;
  ledger: DeliveryView[];
}

function settle(outcome: OutcomeRow, ledger: DeliveryView[], importCompleted: boolean): Settled {
  if (outcome.status !== 'planned') return { status: outcome.status, reason: outcome.reason ?? undefined, ledger: [] };
  const count = (pred: (d: DeliveryView) => boolean) => ledger.filter(pred).length;
  if (ledger.length < outcome.mailboxes) return { status: 'planned', missing: true, ledger };
  const open = count((d) => d.status === 'pending' || d.status === 'sending');
  if (open > 0) {
    // The importer left them for later (throttling, an outage): a failed attempt, retried next run.
    if (importCompleted) {
      const reason = { code: itemReasonCodes.deliveryNotFinished, message: `Delivery was not finished in this run (${open} mailbox(es) waiting).`, fix: 'Nothing to do: the next run continues it.' };
      return { status: 'failed', reason, ledger };
    }
    return { status: 'planned', ledger };
  }
  const failed = ledger.filter((d) => d.status === 'failed');
  if (failed.length > 0) return { status: 'failed', reason: failedReason(failed), ledger };
  const blocked = ledger.filter((d) => d.status === 'blocked');
  if (blocked.length > 0) {
    const who = blocked.map((d) => `${d.mailbox} (${(d.blockedReason ?? 'access-denied').replace(/-/g, ' ')})`).join(', ');
    const reason = { code: itemReasonCodes.mailboxBlocked, message: `Waiting for a mailbox that cannot be written: ${who}.`, fix: blockFixes[blocked[0]!.blockedReason ?? 'access-denied'] };
    return { status: 'blocked', reason, ledger };
  }
  // Every delivery skipped: the officer decided so for each of them.
  if (count((d) => d.status === 'delivered') === 0) return { status: 'skipped', reason: skipReason('officer'), ledger };
  return { status: 'delivered', ledger };
}

/** Writes the item's settled outcome and log lines; returns the outcome it ends the run with. */
/** The item's reason from its failed deliveries: the first one's words and fix, every distinct one in the detail. */
function failedReason(failed: readonly DeliveryView[]): OutcomeReason {
  const first = failed.find((d) => d.reason)?.reason;
  const all = [...new Set(failed.map((d) => (d.reason ? `${d.mailbox}: ${reasonWords(d.reason, { detail: true })}` : `${d.mailbox}: see the log`)))];
  const reason: OutcomeReason = { code: itemReasonCodes.deliveryFailed, message: `Delivery to ${failed.length} mailbox(es) failed: ${first?.message ?? 'see the log.'}`, detail: all.join('; ') };
  if (first?.fix) reason.fix = first.fix;
  return reason;
}

function apply(input: ReconcileInput, outcome: OutcomeRow, result: Settled): { status: OutcomeRow['status']; reason: OutcomeReason | null | undefined } {
  const { items, connector, run } = input;
  const at = input.nowIso();
  const ev = { connectorId: connector.id, itemId: outcome.itemId, runId: run.id, streamId: outcome.streamId, at };
  for (const d of result.ledger) {
    if (d.status === 'delivered') items.addEvent({ ...ev, event: 'delivered', mailbox: d.mailbox, graphId: d.graphId, detail: d.foundExisting ? 'already in the mailbox (found by its archive key); no second copy' : null });
    else if (d.status === 'failed' || d.status === 'blocked' || d.status === 'skipped') items.addEvent({ ...ev, event: d.status, mailbox: d.mailbox, detail: d.reason ? reasonWords(d.reason, { detail: true }) : null });
  }
  if (result.status === 'failed') {
    const attempts = outcome.attempts + 1;
    const status = attempts >= input.maxAttempts ? 'stopped-retrying' : 'failed';
    items.setStatus(connector.id, outcome.itemId, status, { reason: result.reason ?? outcome.reason, runId: run.id, at, failedOnce: true });
    if (status === 'stopped-retrying') items.addEvent({ ...ev, event: 'stopped-retrying', detail: `failed in ${attempts} runs; waiting for the officer to retry or skip it` });
    return { status, reason: result.reason ?? outcome.reason };
  }
  if (result.status !== outcome.status) {
    items.setStatus(connector.id, outcome.itemId, result.status, { reason: result.reason ?? null, runId: run.id, at });
  }
  return { status: result.status, reason: result.reason ?? outcome.reason };
}
