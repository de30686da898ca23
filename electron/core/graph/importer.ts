import pLimit from 'p-limit';
import { systemClock } from '../platform/clock';
import { silentLogger } from '../platform/logger';
import type { Store } from '../store/database';
import { DeliveryRepository, type Delivery } from '../store/repos/deliveries';
import { UnknownOutcomeRepository } from '../store/repos/delivery-unknowns';
import { jsonOnlyRouter } from './json-destination';
import { FolderResolver } from './folders';
import { LedgerWriter, trackRequest } from './ledger';
import { UploadGate } from './throttle';
import { settleDue, type SettleContext } from './settle';
import { ledgerSource, listSource } from './feeder';
import { MemoryBudget } from './memory-budget';
import { DEFAULT_IMPORT_MEMORY_BYTES, type ImportDeps, type ImportSummary } from './import-types';
import { ImportTally } from './import-tally';
import { ImportEmails } from './import-emails';
import { MailboxBlocks, recheckBlocked } from './mailbox-blocks';
import { deliverOne, ImportStop, type DeliverContext } from './deliver-one';
import { DeliveryRunner } from './delivery-runner';

export { DEFAULT_IMPORT_MEMORY_BYTES, type ImportDeps, type ImportProgress, type ImportSummary } from './import-types';

/**
 * The pipeline's entry points into the Graph importer.
 *
 *   enqueueDeliveries(store, connectorId, archiveKey, mailboxes)
 *     Idempotent: one ledger row per (connector, archiveKey, mailbox); existing rows are untouched.
 *
 *   importDeliveries({ store, connector, graph, logger, clock, signal, onProgress, loadEmail })
 *     Processes every `pending` and `sending` delivery of the connector and resolves with counts.
 *     `loadEmail(archiveKey)` returns the ConvertedEmail (attachments as spool files). A `sending`
 *     row is looked up in the mailbox by its archive key before anything is created, so a crash or
 *     a lost answer never makes a second copy; an item found without all its attachments gets the
 *     missing ones. A request without an answer is recorded as an unknown outcome and settled once
 *     the service can no longer apply it (settle.ts): at the start of every import and at its end.
 *     Mailboxes that cannot be written are `blocked` with the reason (never skipped), and every
 *     import first re-checks the blocked ones and delivers their backlog once they can be written;
 *     items Graph refuses are `failed` with an officer-facing message; outages leave rows open for
 *     the next run.
 *
 * The units: `ImportEmails` (an e-mail loaded once, within the memory budget), `DeliveryAttempt`
 * (one delivery's look-up, create, attachments), `deliverOne` (its retries and the outcome
 * recorded), `MailboxBlocks` (a mailbox that cannot be written), `ImportTally` (the counts),
 * `DeliveryRunner` (the feeder), `ImportSettling` below (unknown outcomes); this file wires them.
 */
export function enqueueDeliveries(store: Store, connectorId: string, archiveKey: string, mailboxes: readonly string[]): number {
  return new DeliveryRepository(store).enqueue(connectorId, archiveKey, mailboxes);
}

export async function importDeliveries(deps: ImportDeps): Promise<ImportSummary> {
  const run = wire(deps);
  const { repo, unknowns, tally, stop, logger } = run;
  const connectorId = deps.connector.id;
  const unblocked = await recheckBlocked({ graph: deps.graph, repo, connectorId, logger, signal: deps.signal });
  // 1. Requests a dead process left in flight are unknown; everything already settleable is settled.
  const orphans = unknowns.orphanInFlight(connectorId);
  if (orphans > 0) logger.warn(`${orphans} request(s) were out when the archiver last stopped; their outcome is settled once Microsoft 365 can no longer apply them`);
  await run.settling.due(new Date(run.clock.now()));
  // 2. The work.
  tally.opened(repo.countOpen(connectorId));
  tally.report();
  await run.runner.run(ledgerSource(repo, connectorId));
  // Without a sign-in (or a writable store) nothing can be settled: the unknowns wait, recorded, for the next run.
  if (stop.stopped) throw stop.error;
  // 3. What this run left unknown, once settleable (within settleWaitMs), else carried to the next run.
  await settleLeftovers(deps, run);
  const unsettled = unknowns.count(connectorId);
  if (unsettled > 0) logger.warn(`${unsettled} unknown outcome(s) are not settleable yet; the next run settles them`);
  tally.report();
  return { ...tally.snapshot(), unwritable: run.blocks.list(), unblocked, unknowns: { ...run.settling.totals, unsettled } };
}

type ImportRun = ReturnType<typeof wire>;

/** The units of one import, each given only what it needs. */
function wire(deps: ImportDeps) {
  const clock = deps.clock ?? systemClock;
  const logger = (deps.logger ?? silentLogger).scope('graph');
  const repo = new DeliveryRepository(deps.store);
  const ledger = new LedgerWriter(repo);
  const unknowns = new UnknownOutcomeRepository(deps.store);
  const settings = deps.connector.settings.microsoft;
  const folders = new FolderResolver(deps.graph, repo, deps.connector.id, settings.folderName, clock);
  const tally = new ImportTally(deps.connector.id, deps.onProgress);
  const stop = new ImportStop();
  /**
   * Deliveries at once: twice the requests Graph's adaptive cap lets out (while some write the
   * ledger or read a spool file, the others keep the request slots busy; the throttle still never
   * lets a request too many out), asked again as each one starts so that it follows the cap.
   */
  const slots = () => deps.concurrency ?? Math.max(1, deps.graph.throttle.globalLimit * 2);
  const router = deps.router ?? jsonOnlyRouter({ graph: deps.graph, messageClass: settings.messageClass, scratchDir: deps.scratchDir });
  const emails = new ImportEmails({ loadEmail: deps.loadEmail, router, budget: new MemoryBudget(deps.memoryBytes ?? DEFAULT_IMPORT_MEMORY_BYTES), repo });
  const blocks: MailboxBlocks = new MailboxBlocks({ repo, connectorId: deps.connector.id, folders, logger, tally, signal: deps.signal, onBlocked: (mailbox, count) => runner.swept(mailbox, count) });
  const context: DeliverContext = {
    graph: deps.graph,
    repo,
    unknowns,
    ledger,
    clock,
    logger,
    signal: deps.signal,
    chunkBytes: deps.chunkBytes,
    uploads: new UploadGate(),
    markAsRead: settings.markAsRead,
    draftOnly: new Set<string>(),
    folders,
    ensureFolder: (mailbox) => blocks.ensureFolder(mailbox),
    finderOf: (key, chosen) => emails.finderOf(key, chosen),
    track: (key, what, create) => trackRequest({ ledger, repo, unknowns, clock, marginMs: deps.graph.settleMarginMs, logger }, key, what, create),
    emails,
    blocks,
    tally,
    stop,
    maxAttempts: deps.maxAttempts,
  };
  const runner: DeliveryRunner = new DeliveryRunner({
    slots,
    // Twice the mailbox's request slots, for the same reason as the global slots.
    perMailbox: deps.graph.throttle.limits.perMailboxConcurrency * 2,
    deliver: (delivery) => deliverOne(context, delivery),
    stop,
    tally,
    signal: deps.signal,
  });
  const settling = new ImportSettling({
    graph: deps.graph,
    connectorId: deps.connector.id,
    clock,
    logger,
    signal: deps.signal,
    runId: deps.runId,
    repo,
    unknowns,
    ledger,
    ensureFolder: (mailbox) => blocks.ensureFolder(mailbox),
    loadEmail: (archiveKey) => emails.email(archiveKey),
    findCopies: (mailbox, folderId, archiveKey) => emails.findCopies({ connectorId: deps.connector.id, archiveKey, mailbox }, folderId, deps.signal),
    limit: boundBy(slots),
  });
  return { clock, logger, repo, unknowns, tally, stop, blocks, runner, settling };
}

/** Settles due unknown outcomes (settle.ts) and keeps the run's totals of them. */
class ImportSettling {
  readonly totals = { settled: 0, straysDeleted: 0 };

  constructor(private readonly context: SettleContext) {}

  /** Settles what is due by `until`; returns the deliveries that need work again. */
  async due(until: Date) {
    const result = await settleDue(this.context, until);
    this.totals.settled += result.settled;
    this.totals.straysDeleted += result.straysDeleted;
    return result.reopened;
  }
}

/**
 * The end of a run: waits (within `settleWaitMs`) for this run's unknown outcomes to become
 * settleable, settles them, and delivers again what settling reopened; at most three rounds.
 */
async function settleLeftovers(deps: ImportDeps, run: ImportRun): Promise<void> {
  const { clock, repo, unknowns, tally, stop } = run;
  const waitMs = deps.settleWaitMs ?? deps.graph.settleMarginMs;
  for (let round = 0; round < 3 && !deps.signal?.aborted; round++) {
    const horizon = clock.now() + waitMs;
    const waiting = unknowns.list(deps.connector.id).filter((u) => Date.parse(u.settleAt) <= horizon);
    if (waiting.length === 0) break;
    const until = Math.max(...waiting.map((u) => Date.parse(u.settleAt)));
    if (until > clock.now()) await clock.sleep(until - clock.now(), deps.signal).catch(() => undefined);
    const reopened = await run.settling.due(new Date(clock.now()));
    if (reopened.length === 0) continue;
    const again = reopened.map((k) => repo.get(k)).filter((d): d is Delivery => d !== undefined && (d.state === 'sending' || d.state === 'pending'));
    tally.opened(again.length);
    await run.runner.run(listSource(again));
    if (stop.stopped) throw stop.error;
  }
}

/** A concurrency bound that follows `slots()` as the adaptive cap moves. */
function boundBy(slots: () => number): SettleContext['limit'] {
  const limit = pLimit(slots());
  return (fn) => {
    if (limit.concurrency !== slots()) limit.concurrency = slots();
    return limit(fn);
  };
}

