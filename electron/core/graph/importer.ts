import pLimit from 'p-limit';
import { reasonOf, type Connector } from '../../../shared/contract';
import { ArchiverError, errorText } from '../../../shared/errors';
import { withRetry } from '../platform/retry';
import { storageProblem } from '../platform/storage-errors';
import { systemClock, type Clock } from '../platform/clock';
import { silentLogger, type Logger } from '../platform/logger';
import type { Store } from '../store/database';
import { DeliveryRepository, type Delivery, type DeliveryKey } from '../store/repos/deliveries';
import { UnknownOutcomeRepository } from '../store/repos/delivery-unknowns';
import type { ConvertedEmail } from '../model/email';
import type { Destination, DestinationRouter, Routed } from '../model/destination';
import { jsonOnlyRouter } from './json-destination';
import type { GraphClient } from './client';
import { classifyGraphError, describeGraphFailure, GraphRequestError } from './errors';
import { FolderResolver } from './folders';
import { LedgerWriter, trackRequest } from './ledger';
import { UploadGate } from './throttle';
import { checkMailbox, mailboxBlock, mailboxProblem } from './permissions';
import { addAttachment, inspectAttachments, refusesNonDraft } from './attachments';
import { chooseKept, deleteItem, replacedLine, strayLine, type FoundItem } from './items';
import { settleDue, type SettleContext } from './settle';
import { DeliveryFeeder, ledgerSource, listSource, type DeliverySource } from './feeder';
import { MemoryBudget, deliveryBytes } from './memory-budget';
import { RoutedEmails } from './routed-emails';

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
 *     the service can no longer apply it (settle.ts): at the start of every import and at its end. Mailboxes that cannot be written are `blocked` with the reason (never skipped),
 *     and every import first re-checks the blocked ones and delivers their backlog once they can
 *     be written; items Graph refuses are `failed` with an officer-facing message; outages leave
 *     rows open for the next run.
 */
export interface ImportDeps {
  store: Store;
  connector: Pick<Connector, 'id' | 'settings'>;
  graph: GraphClient;
  loadEmail: (archiveKey: string) => ConvertedEmail | Promise<ConvertedEmail>;
  /** Which destination writes each e-mail (deliver/router.ts); JSON create for all when absent. */
  router?: DestinationRouter;
  /** Where the JSON destination stages a body too large for one request (only without `router`). */
  scratchDir?: string;
  logger?: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** The run this import belongs to: the evidence of settled unknown outcomes names it. */
  runId?: number;
  /** Attempts per delivery within one run before it is left for the next run. */
  maxAttempts?: number;
  /** Bytes per upload-session PUT (a multiple of 320 KiB). */
  chunkBytes?: number;
  /**
   * Deliveries worked on at once across all mailboxes. Default: twice the throttle's adaptive
   * cap on requests in flight, followed as it grows and shrinks.
   */
  concurrency?: number;
  /** Bytes of e-mails and create requests the running deliveries may hold at once (memory-budget.ts). */
  memoryBytes?: number;
  /**
   * How long the end of the run may wait for its unknown outcomes to become settleable (their
   * settle time is the request's abandonment plus `graph.settleMarginMs`). Unknowns due later
   * are carried to the next run. Default: the settle margin, i.e. everything this run left.
   */
  settleWaitMs?: number;
}

export interface ImportProgress {
  connectorId: string;
  delivered: number;
  failed: number;
  /** Deliveries blocked in this run because their mailbox cannot be written. */
  blocked: number;
  pending: number;
}

export interface ImportSummary extends ImportProgress {
  /** Mailboxes found unwritable in this run, with the reason recorded on their deliveries. */
  unwritable: Array<{ mailbox: string; reason: string }>;
  /** Mailboxes blocked by an earlier run that could be written again: their backlog was delivered in this one. */
  unblocked: Array<{ mailbox: string; deliveries: number }>;
  /** Unknown outcomes settled in this run, stray copies deleted, and those carried to the next run. */
  unknowns: { settled: number; straysDeleted: number; unsettled: number };
}

/** Default of `memoryBytes`: flat memory whatever the cap, ample for thousands of ordinary e-mails. */
export const DEFAULT_IMPORT_MEMORY_BYTES = 96 * 1024 * 1024;

export function enqueueDeliveries(store: Store, connectorId: string, archiveKey: string, mailboxes: readonly string[]): number {
  return new DeliveryRepository(store).enqueue(connectorId, archiveKey, mailboxes);
}

class MailboxUnwritable extends Error {}

export async function importDeliveries(deps: ImportDeps): Promise<ImportSummary> {
  const clock = deps.clock ?? systemClock;
  const logger = (deps.logger ?? silentLogger).scope('graph');
  const repo = new DeliveryRepository(deps.store);
  const ledger = new LedgerWriter(repo);
  const uploads = new UploadGate();
  const settings = deps.connector.settings.microsoft;
  const folders = new FolderResolver(deps.graph, repo, deps.connector.id, settings.folderName, clock);
  const unknowns = new UnknownOutcomeRepository(deps.store);
  const margin = deps.graph.settleMarginMs;
  const now = () => new Date(clock.now());
  const unblocked = await recheckBlocked(deps, repo, logger);
  const progress: ImportProgress = { connectorId: deps.connector.id, delivered: 0, failed: 0, blocked: 0, pending: 0 };
  const unwritable = new Map<string, { reason: NonNullable<ReturnType<typeof mailboxBlock>>['reason']; message: string }>();
  /** The mailbox cannot be written: this delivery and every open one of the mailbox are blocked, once. */
  const block = (key: DeliveryKey, problem: NonNullable<ReturnType<typeof mailboxBlock>>) => {
    repo.markBlocked(key, problem.reason, problem.message);
    progress.blocked++;
    if (unwritable.has(key.mailbox)) return;
    unwritable.set(key.mailbox, problem);
    const more = repo.blockMailbox(deps.connector.id, key.mailbox, problem.reason, problem.message);
    progress.blocked += more;
    swept(key.mailbox, more);
    logger.warn(`${key.mailbox}: ${problem.message}; ${more + 1} deliveries blocked until it can be written`);
  };
  const draftOnly = new Set<string>();
  /**
   * Deliveries at once: twice the requests Graph's adaptive cap lets out (while some write the
   * ledger or read a spool file, the others keep the request slots busy; the throttle still never
   * lets a request too many out), asked again as each one starts so that it follows the cap.
   */
  const slots = () => deps.concurrency ?? Math.max(1, deps.graph.throttle.globalLimit * 2);
  const budget = new MemoryBudget(deps.memoryBytes ?? DEFAULT_IMPORT_MEMORY_BYTES);
  const report = () => deps.onProgress?.({ ...progress });
  // The router picks each e-mail's destination once; the e-mail as that destination writes it is used throughout.
  const router = deps.router ?? jsonOnlyRouter({ graph: deps.graph, messageClass: settings.messageClass, scratchDir: deps.scratchDir });
  /** An e-mail fanned out to several mailboxes is loaded (converted) once while its deliveries run. */
  const recent = new RoutedEmails(
    (archiveKey) =>
      Promise.resolve()
        .then(() => deps.loadEmail(archiveKey))
        .then((loaded) => router.route(loaded)),
    { entries: 256, chars: budget.maxBytes / 8 },
  );
  const routed = (archiveKey: string): Promise<Routed> => recent.get(archiveKey);
  /**
   * A delivery's e-mail, with its bytes taken from the budget. One delivery at a time loads and
   * waits here, so at most one loaded e-mail waits outside the budget: memory stays under the
   * budget plus one e-mail, however high the cap grows.
   */
  const admission = pLimit(1);
  const admit = (archiveKey: string) =>
    admission(async () => {
      const found = await routed(archiveKey);
      return { ...found, giveBack: await budget.take(deliveryBytes(found.email)) };
    });
  /** The feeder of the deliveries running now: a mailbox found unwritable is dropped from it. */
  let feeder: DeliveryFeeder<unknown> | undefined;
  /** Open deliveries of the mailbox just blocked that no running delivery accounts for are no longer pending. */
  const swept = (mailbox: string, blocked: number) => {
    const othersRunning = Math.max(0, (feeder?.runningIn(mailbox) ?? 0) - 1);
    feeder?.drop(mailbox);
    progress.pending = Math.max(0, progress.pending - Math.max(0, blocked - othersRunning));
  };
  const loadEmail = async (archiveKey: string): Promise<ConvertedEmail> => (await routed(archiveKey)).email;
  /** Where an item of this delivery may already be: the destination the ledger recorded, else the one chosen now. */
  const finderOf = (key: DeliveryKey, chosen: Destination): Destination => {
    const recorded = repo.get(key)?.route;
    return (recorded && router.byRoute(recorded)) || chosen;
  };

  const track = (key: DeliveryKey, what: string, markSending: boolean) => trackRequest({ ledger, repo, unknowns, clock, marginMs: margin, logger }, key, what, markSending);

  const settleLimit = pLimit(slots());
  const settleContext: SettleContext = {
    graph: deps.graph,
    connectorId: deps.connector.id,
    clock,
    logger,
    signal: deps.signal,
    runId: deps.runId,
    repo,
    unknowns,
    ledger,
    ensureFolder: (mailbox) => ensureFolder(mailbox),
    loadEmail,
    findCopies: async (mailbox, folderId, archiveKey) => {
      const { destination, email } = await routed(archiveKey);
      return found(await finderOf({ connectorId: deps.connector.id, archiveKey, mailbox }, destination).find({ mailbox, folderId, signal: deps.signal }, email));
    },
    limit: (fn) => {
      if (settleLimit.concurrency !== slots()) settleLimit.concurrency = slots();
      return settleLimit(fn);
    },
  };
  const totals = { settled: 0, straysDeleted: 0 };
  const settle = async (until: Date): Promise<DeliveryKey[]> => {
    const result = await settleDue(settleContext, until);
    totals.settled += result.settled;
    totals.straysDeleted += result.straysDeleted;
    return result.reopened;
  };

  /**
   * A lost interactive sign-in or a storage failure (the disk is full) stops every delivery at once:
   * they stay open, none is marked failed for it, and the import then throws it.
   */
  let stopped: unknown;

  const deliver = async (delivery: Delivery): Promise<void> => {
    const key: DeliveryKey = { connectorId: delivery.connectorId, archiveKey: delivery.archiveKey, mailbox: delivery.mailbox };
    if (deps.signal?.aborted || stopped || unwritable.has(delivery.mailbox)) {
      progress.pending--;
      return;
    }
    /** An item may exist in the mailbox (an earlier request went unanswered): look before creating. */
    let mayExist = delivery.state === 'sending' || delivery.graphId !== null || unknowns.get(key) !== undefined;
    /** The item was already in the mailbox when looked up: "already there" in the reconciliation. */
    let foundExisting = false;
    let email: ConvertedEmail;
    let destination: Destination;
    /** Gives the delivery's bytes back to the memory budget: once it ends, whichever way. */
    let giveBack: () => void;
    try {
      ({ email, destination, giveBack } = await admit(delivery.archiveKey));
    } catch (error) {
      repo.markFailed(key, reasonOf(error, 'internal', 'The converted e-mail could not be loaded'));
      progress.failed++;
      progress.pending--;
      return;
    }
    // No size check here: an e-mail over Exchange Online's limit (model/limits.ts) was skipped as
    // too-large by the planner and never reaches the ledger.
    try {
      await withRetry(
        async () => {
          const folderId = await ensureFolder(delivery.mailbox);
          const asDraft = draftOnly.has(delivery.mailbox);
          const plan = destination.split(email, { markAsRead: settings.markAsRead, asDraft });
          let item: FoundItem | undefined;
          let done = new Set<number>(repo.get(key)?.attachmentsDone ?? []);
          foundExisting = false;
          if (mayExist) {
            item = await findItem(finderOf(key, destination), delivery.mailbox, folderId, email, repo.get(key)?.graphId);
            logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: looked up, ${item ? `found ${item.id}` : 'not found'}`);
            if (item) {
              const inspection = await inspectAttachments(deps.graph, delivery.mailbox, item.id, email, deps.signal);
              if (inspection.foreign.length > 0) {
                // A second copy of an attachment, or different bytes: replace the item, never patch it.
                const why = inspection.foreign.map((f) => `${f.name} (${f.why})`).join(', ');
                logger.warn(replacedLine(delivery.mailbox, email.archiveKey, item.id, why));
                await deleteItem(deps.graph, delivery.mailbox, item.id, clock, deps.signal);
                await ledger.write(() => repo.forgetItem(key));
                item = undefined;
              } else {
                foundExisting = true;
                done = inspection.present;
                const found = item;
                await ledger.write(() => repo.recordItem(key, found.id, [...done]));
              }
            } else {
              await ledger.write(() => repo.forgetItem(key));
            }
          }
          if (!item) {
            foundExisting = false;
            const route = destination.route;
            await ledger.write(() => repo.recordRoute(key, route));
            const create = track(key, asDraft ? 'create (draft)' : 'create', true);
            try {
              item = await createItem(destination, delivery.mailbox, folderId, email, plan, asDraft, create.beforeSend);
            } catch (error) {
              // A refusal before any work (429, other 4xx) leaves `mayExist` as it was: an earlier
              // unanswered request of this delivery may still be applied (issue 22).
              if (await create.failed(error)) mayExist = true;
              if (error instanceof GraphRequestError && error.status === 404 && error.code === 'ErrorItemNotFound') folders.invalidate(delivery.mailbox);
              throw error;
            }
            mayExist = true;
            logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: created ${item.id}`);
            done = new Set(plan.inline);
            // With nothing left to attach, markDelivered below records the id (and the answer) in the same step.
            const created = item;
            if (plan.later.length || asDraft) {
              await ledger.write(() => {
                repo.recordItem(key, created.id, [...done], asDraft ? 'landed-as-draft' : null);
                unknowns.answered(key);
              });
            }
          }
          for (const index of plan.later) {
            if (done.has(index)) continue;
            const attachment = email.attachments[index]!;
            const attach = track(key, `attachment ${attachment.filename}`, false);
            try {
              await addAttachment(deps.graph, delivery.mailbox, item.id, attachment, { clock, signal: deps.signal, chunkBytes: deps.chunkBytes, gate: uploads, beforeSend: attach.beforeSend });
            } catch (error) {
              await attach.failed(error);
              if (!item.isDraft && refusesNonDraft(error)) {
                // docs/decisions/graph-import.md (b): land every attachment on a draft instead.
                logger.warn(`${delivery.mailbox} refuses attachments on non-draft items; ${email.archiveKey} is re-created as a draft`);
                logger.warn(replacedLine(delivery.mailbox, email.archiveKey, item.id, 'no attachments: the mailbox refuses them on non-draft items'));
                draftOnly.add(delivery.mailbox);
                await deleteItem(deps.graph, delivery.mailbox, item.id, clock, deps.signal);
                await ledger.write(() => repo.forgetItem(key));
                mayExist = false;
              } else {
                mayExist = true;
              }
              throw error;
            }
            done.add(index);
            const current = item;
            await ledger.write(() => {
              repo.recordItem(key, current.id, [...done]);
              unknowns.answered(key);
            });
          }
          const final = item;
          logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: delivered ${final.id}`);
          await ledger.write(() => {
            repo.markDelivered(key, final.id, undefined, foundExisting);
            unknowns.answered(key);
          });
        },
        {
          ...deps.graph.retry,
          attempts: deps.maxAttempts ?? 10,
          clock,
          signal: deps.signal,
          classify: (error) => (refusesNonDraft(error) ? { retry: true, reason: 'non-draft refused' } : error instanceof MailboxUnwritable ? { retry: false } : classifyGraphError(error)),
          onRetry: ({ attempt, waitMs, reason }) => logger.debug(`${delivery.mailbox} ${delivery.archiveKey}: attempt ${attempt} failed (${reason}); retrying in ${Math.round(waitMs)} ms`),
        },
      );
      progress.delivered++;
    } catch (error) {
      if (error instanceof MailboxUnwritable) return;
      const unwritableNow = mailboxBlock(error, delivery.mailbox) ?? unwritable.get(delivery.mailbox);
      if (unwritableNow) {
        block(key, unwritableNow);
        return;
      }
      if (ArchiverError.is(error) && error.code === 'cancelled') {
        repo.markRetryLater(key, reasonOf(error), mayExist);
        return;
      }
      if (ArchiverError.is(error) && error.code === 'sign-in-required') {
        repo.markRetryLater(key, reasonOf(error), mayExist);
        stopped ??= error;
        return;
      }
      if (storageProblem(error)) {
        // Nothing can be written now; the row keeps its state (a `sending` one is looked up next run).
        stopped ??= error;
        return;
      }
      const retryable = classifyGraphError(error).retry;
      const described = describeGraphFailure(error, delivery.mailbox);
      if (retryable) {
        repo.markRetryLater(key, reasonOf(described), mayExist);
        logger.warn(`${delivery.mailbox} ${delivery.archiveKey}: left for the next run (${described.detail ?? described.message})`);
      } else {
        repo.markFailed(key, reasonOf(described));
        progress.failed++;
        logger.error(`${delivery.mailbox} ${delivery.archiveKey}: failed (${described.detail ?? described.message})`);
      }
    } finally {
      giveBack();
      progress.pending--;
      report();
    }
  };

  const ensureFolder = async (mailbox: string): Promise<string> => {
    try {
      return await folders.ensure(mailbox, deps.signal);
    } catch (error) {
      const problem = mailboxProblem(error, mailbox);
      if (!problem?.reason || problem.reason === 'unreachable') throw error;
      if (!unwritable.has(mailbox)) {
        const found = { reason: problem.reason, message: problem.message ?? `${mailbox} cannot be written.` };
        unwritable.set(mailbox, found);
        const blocked = repo.blockMailbox(deps.connector.id, mailbox, found.reason, found.message);
        progress.blocked += blocked;
        swept(mailbox, blocked);
        logger.warn(`${mailbox}: ${found.message}; ${blocked} deliveries blocked until it can be written`);
      }
      throw new MailboxUnwritable(problem.message);
    }
  };

  /** The copy to continue with; any other copy (left by an earlier unknown outcome) is deleted now. */
  const findItem = async (finder: Destination, mailbox: string, folderId: string, email: ConvertedEmail, keepId?: string | null): Promise<FoundItem | undefined> => {
    const { kept, strays } = chooseKept(found(await finder.find({ mailbox, folderId, signal: deps.signal }, email)), keepId);
    for (const stray of strays) {
      logger.warn(strayLine(mailbox, email.archiveKey, kept!.id, stray.id, 'found before continuing the delivery'));
      await deleteItem(deps.graph, mailbox, stray.id, clock, deps.signal);
    }
    return kept;
  };

  const createItem = async (destination: Destination, mailbox: string, folderId: string, email: ConvertedEmail, plan: ReturnType<Destination['split']>, asDraft: boolean, beforeSend: (deadline: Date) => Promise<void>): Promise<FoundItem> => {
    const item = await destination.create({ mailbox, folderId, signal: deps.signal, beforeSend }, email, plan, { markAsRead: settings.markAsRead, asDraft });
    return { id: item.id, isDraft: item.isDraft, createdDateTime: item.createdDateTime ?? '' };
  };

  /** Works every delivery of the source, mailboxes in rotation, as many at once as `slots()` allows. */
  const runDeliveries = async <C>(source: DeliverySource<C>): Promise<void> => {
    const feed = new DeliveryFeeder<C>({
      source,
      slots,
      // Twice the mailbox's request slots, for the same reason as the global slots.
      perMailbox: deps.graph.throttle.limits.perMailboxConcurrency * 2,
      deliver: (delivery) =>
        deliver(delivery).catch((error: unknown) => {
          // Only the ledger itself failing gets here (deliver records every other outcome): stop.
          stopped ??= error;
        }),
      stopped: () => deps.signal?.aborted === true || stopped !== undefined,
    });
    feeder = feed as DeliveryFeeder<unknown>;
    try {
      await feed.run();
    } finally {
      feeder = undefined;
    }
  };

  // 1. Requests a dead process left in flight are unknown; everything already settleable is settled.
  const orphans = unknowns.orphanInFlight(deps.connector.id);
  if (orphans > 0) logger.warn(`${orphans} request(s) were out when the archiver last stopped; their outcome is settled once Microsoft 365 can no longer apply them`);
  await settle(now());
  // 2. The work.
  progress.pending += repo.countOpen(deps.connector.id);
  report();
  await runDeliveries(ledgerSource(repo, deps.connector.id));
  // Without a sign-in (or a writable store) nothing can be settled: the unknowns wait, recorded, for the next run.
  if (stopped) throw stopped;
  // 3. What this run left unknown, once settleable (within settleWaitMs), else carried to the next run.
  const waitMs = deps.settleWaitMs ?? margin;
  for (let round = 0; round < 3 && !deps.signal?.aborted; round++) {
    const horizon = clock.now() + waitMs;
    const waiting = unknowns.list(deps.connector.id).filter((u) => Date.parse(u.settleAt) <= horizon);
    if (waiting.length === 0) break;
    const until = Math.max(...waiting.map((u) => Date.parse(u.settleAt)));
    if (until > clock.now()) await clock.sleep(until - clock.now(), deps.signal).catch(() => undefined);
    const reopened = await settle(now());
    if (reopened.length === 0) continue;
    const again = reopened.map((k) => repo.get(k)).filter((d): d is Delivery => d !== undefined && (d.state === 'sending' || d.state === 'pending'));
    progress.pending += again.length;
    await runDeliveries(listSource(again));
    if (stopped) throw stopped;
  }
  const unsettled = unknowns.count(deps.connector.id);
  if (unsettled > 0) logger.warn(`${unsettled} unknown outcome(s) are not settleable yet; the next run settles them`);
  report();
  return { ...progress, unwritable: [...unwritable].map(([mailbox, p]) => ({ mailbox, reason: p.message })), unblocked, unknowns: { ...totals, unsettled } };
}

/**
 * Before anything else, every mailbox blocked by an earlier run is asked again (a read of its
 * Inbox): one that can be written now gets its blocked deliveries back in the queue, so this run
 * delivers its backlog; one that still cannot keeps them blocked, with the latest reason.
 */
async function recheckBlocked(deps: ImportDeps, repo: DeliveryRepository, logger: Logger): Promise<Array<{ mailbox: string; deliveries: number }>> {
  const unblocked: Array<{ mailbox: string; deliveries: number }> = [];
  for (const blocked of repo.blockedMailboxes(deps.connector.id)) {
    if (deps.signal?.aborted) break;
    try {
      const check = await checkMailbox(deps.graph, blocked.mailbox, deps.signal);
      if (check.ok) {
        const deliveries = repo.unblockMailbox(deps.connector.id, blocked.mailbox);
        unblocked.push({ mailbox: blocked.mailbox, deliveries });
        logger.info(`${blocked.mailbox} can be written again; its ${deliveries} blocked deliveries are sent now`);
      } else if (check.reason && check.reason !== 'unreachable') {
        repo.reblockMailbox(deps.connector.id, blocked.mailbox, check.reason, check.message ?? blocked.message);
      }
    } catch (error) {
      logger.warn(`${blocked.mailbox}: the re-check failed (${errorText(error)}); its deliveries stay blocked`);
    }
  }
  return unblocked;
}

function found(items: ReadonlyArray<{ id: string; isDraft: boolean; createdDateTime?: string }>): FoundItem[] {
  return items.map((i) => ({ id: i.id, isDraft: i.isDraft, createdDateTime: i.createdDateTime ?? '' }));
}
