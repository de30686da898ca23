import pLimit from 'p-limit';
import type { Message } from '@microsoft/microsoft-graph-types';
import type { Connector } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';
import { withRetry } from '../platform/retry';
import { storageProblem } from '../platform/storage-errors';
import { systemClock, type Clock } from '../platform/clock';
import { silentLogger, type Logger } from '../platform/logger';
import type { Store } from '../store/database';
import { DeliveryRepository, type Delivery, type DeliveryKey } from '../store/repos/deliveries';
import type { ConvertedEmail } from '../model/email';
import { type GraphClient, odataString, userPath } from './client';
import { classifyGraphError, describeGraphFailure, GraphRequestError } from './errors';
import { FolderResolver } from './folders';
import { LedgerWriter } from './ledger';
import { UploadGate } from './scheduler';
import { checkMailbox, mailboxBlock, mailboxProblem } from './permissions';
import { addAttachment, attachmentsPresent, refusesNonDraft } from './attachments';
import { ARCHIVE_KEY_PROPERTY, inlineAttachment, MAX_UPLOAD_SESSION_BYTES, planAttachments, renderMessage } from './message';

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
 *     missing ones. Mailboxes that cannot be written are `blocked` with the reason (never skipped),
 *     and every import first re-checks the blocked ones and delivers their backlog once they can
 *     be written; items Graph refuses are `failed` with an officer-facing message; outages leave
 *     rows open for the next run.
 */
export interface ImportDeps {
  store: Store;
  connector: Pick<Connector, 'id' | 'settings'>;
  graph: GraphClient;
  loadEmail: (archiveKey: string) => ConvertedEmail | Promise<ConvertedEmail>;
  logger?: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Attempts per delivery within one run before it is left for the next run. */
  maxAttempts?: number;
  /** Bytes per upload-session PUT (a multiple of 320 KiB). */
  chunkBytes?: number;
  /** Deliveries worked on at once across all mailboxes. */
  concurrency?: number;
  /**
   * How long to wait before the end-of-run check of deliveries whose outcome was ever unknown:
   * a create abandoned on timeout may still be applied by the service after our look-up.
   */
  settleMs?: number;
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
}

export function enqueueDeliveries(store: Store, connectorId: string, archiveKey: string, mailboxes: readonly string[]): number {
  return new DeliveryRepository(store).enqueue(connectorId, archiveKey, mailboxes);
}

interface Item {
  id: string;
  isDraft: boolean;
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
  const unblocked = await recheckBlocked(deps, repo, logger);
  const open = repo.listOpen(deps.connector.id);
  const progress: ImportProgress = { connectorId: deps.connector.id, delivered: 0, failed: 0, blocked: 0, pending: open.length };
  const unwritable = new Map<string, { reason: NonNullable<ReturnType<typeof mailboxBlock>>['reason']; message: string }>();
  /** The mailbox cannot be written: this delivery and every open one of the mailbox are blocked, once. */
  const block = (key: DeliveryKey, problem: NonNullable<ReturnType<typeof mailboxBlock>>) => {
    repo.markBlocked(key, problem.reason, problem.message);
    progress.blocked++;
    if (unwritable.has(key.mailbox)) return;
    unwritable.set(key.mailbox, problem);
    const more = repo.blockMailbox(deps.connector.id, key.mailbox, problem.reason, problem.message);
    progress.blocked += more;
    logger.warn(`${key.mailbox}: ${problem.message}; ${more + 1} deliveries blocked until it can be written`);
  };
  const draftOnly = new Set<string>();
  const perMailbox = new Map<string, ReturnType<typeof pLimit>>();
  const global = pLimit(deps.concurrency ?? deps.graph.scheduler.limits.globalConcurrency * 2);
  const report = () => deps.onProgress?.({ ...progress });
  /** An e-mail fanned out to several mailboxes is loaded (converted) once while its deliveries run. */
  const recent = new Map<string, Promise<ConvertedEmail>>();
  const loadEmail = (archiveKey: string): Promise<ConvertedEmail> => {
    let email = recent.get(archiveKey);
    if (email) {
      recent.delete(archiveKey);
    } else {
      email = Promise.resolve().then(() => deps.loadEmail(archiveKey));
      email.catch(() => recent.delete(archiveKey));
    }
    recent.set(archiveKey, email);
    if (recent.size > 256) recent.delete(recent.keys().next().value!);
    return email;
  };
  /** Deliveries that had an unknown outcome in this run; checked again for stray copies at the end. */
  const suspects = new Map<string, DeliveryKey>();
  const suspect = (key: DeliveryKey) => suspects.set(`${key.archiveKey}\u0000${key.mailbox}`, key);

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
    let outcomeUnknown = delivery.state === 'sending' || delivery.graphId !== null;
    /** The item was already in the mailbox when looked up: "already there" in the reconciliation. */
    let foundExisting = false;
    if (outcomeUnknown) suspect(key);
    let email: ConvertedEmail;
    try {
      email = await loadEmail(delivery.archiveKey);
    } catch (error) {
      repo.markFailed(key, `The converted e-mail could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
      progress.failed++;
      progress.pending--;
      return;
    }
    const tooBig = email.attachments.find((a) => a.size > MAX_UPLOAD_SESSION_BYTES);
    if (tooBig) {
      repo.markFailed(key, `The attachment ${tooBig.filename} (${tooBig.size} bytes) is larger than the 150 MB Microsoft 365 accepts.`);
      progress.failed++;
      progress.pending--;
      return;
    }
    try {
      await withRetry(
        async () => {
          const folderId = await ensureFolder(delivery.mailbox);
          const asDraft = draftOnly.has(delivery.mailbox);
          const plan = planAttachments(email, { markAsRead: settings.markAsRead, asDraft });
          let item: Item | undefined;
          let done = new Set<number>(repo.get(key)?.attachmentsDone ?? []);
          foundExisting = false;
          if (outcomeUnknown) {
            item = await findItem(delivery.mailbox, folderId, email.archiveKey, repo.get(key)?.graphId);
            foundExisting = item !== undefined;
            if (item) {
              done = await attachmentsPresent(deps.graph, delivery.mailbox, item.id, email, deps.signal);
              await ledger.write(() => repo.recordItem(key, item!.id, [...done]));
            } else {
              await ledger.write(() => repo.forgetItem(key));
            }
          }
          if (!item) {
            await ledger.write(() => repo.markSending(key));
            outcomeUnknown = true;
            foundExisting = false;
            try {
              item = await createItem(delivery.mailbox, folderId, email, plan.inline, asDraft);
            } catch (error) {
              // We just looked and found nothing, so only this create could have made an item.
              if (error instanceof GraphRequestError && error.definitelyNotApplied) outcomeUnknown = false;
              else suspect(key);
              if (error instanceof GraphRequestError && error.status === 404 && error.code === 'ErrorItemNotFound') folders.invalidate(delivery.mailbox);
              throw error;
            }
            done = new Set(plan.inline);
            // With nothing left to attach, markDelivered below records the id in the same step.
            const created = item;
            if (plan.later.length || asDraft) await ledger.write(() => repo.recordItem(key, created.id, [...done], asDraft ? 'landed-as-draft' : null));
          }
          for (const index of plan.later) {
            if (done.has(index)) continue;
            try {
              await addAttachment(deps.graph, delivery.mailbox, item.id, email.attachments[index]!, { clock, signal: deps.signal, chunkBytes: deps.chunkBytes, gate: uploads });
            } catch (error) {
              if (!item.isDraft && refusesNonDraft(error)) {
                // docs/decisions/graph-import.md (b): land every attachment on a draft instead.
                logger.warn(`${delivery.mailbox} refuses attachments on non-draft items; ${email.archiveKey} is re-created as a draft`);
                draftOnly.add(delivery.mailbox);
                await deleteItem(delivery.mailbox, item.id);
                await ledger.write(() => repo.forgetItem(key));
                outcomeUnknown = false;
              } else {
                outcomeUnknown = true;
                suspect(key);
              }
              throw error;
            }
            done.add(index);
            const current = item;
            await ledger.write(() => repo.recordItem(key, current.id, [...done]));
          }
          const final = item;
          await ledger.write(() => repo.markDelivered(key, final.id, undefined, foundExisting));
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
        repo.markRetryLater(key, 'The run was cancelled.', outcomeUnknown);
        return;
      }
      if (ArchiverError.is(error) && error.code === 'sign-in-required') {
        repo.markRetryLater(key, error.message, outcomeUnknown);
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
        repo.markRetryLater(key, `${described.message} ${described.detail ?? ''}`.trim(), outcomeUnknown);
        logger.warn(`${delivery.mailbox} ${delivery.archiveKey}: left for the next run (${described.detail ?? described.message})`);
      } else {
        repo.markFailed(key, `${described.message}${described.fix ? ` ${described.fix}` : ''} ${described.detail ?? ''}`.trim());
        progress.failed++;
        logger.error(`${delivery.mailbox} ${delivery.archiveKey}: failed (${described.detail ?? described.message})`);
      }
    } finally {
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
        logger.warn(`${mailbox}: ${found.message}; ${blocked} deliveries blocked until it can be written`);
      }
      throw new MailboxUnwritable(problem.message);
    }
  };

  const findItem = async (mailbox: string, folderId: string, archiveKey: string, keepId?: string | null): Promise<Item | undefined> => {
    const response = await deps.graph.request<{ value: Message[] }>({
      method: 'GET',
      path: `${userPath(mailbox)}/mailFolders/${encodeURIComponent(folderId)}/messages`,
      query: {
        $filter: `singleValueExtendedProperties/any(ep: ep/id eq ${odataString(ARCHIVE_KEY_PROPERTY)} and ep/value eq ${odataString(archiveKey)})`,
        $select: 'id,isDraft,createdDateTime',
        $top: '10',
      },
      mailbox,
      signal: deps.signal,
    });
    // The copy the ledger knows first, else the oldest.
    const found = [...response.body.value].sort((a, b) => Number(b.id === keepId) - Number(a.id === keepId) || (a.createdDateTime ?? '').localeCompare(b.createdDateTime ?? ''));
    // Never two copies: should an earlier fault ever have made a second one, keep the oldest.
    for (const extra of found.slice(1)) {
      logger.error(`${mailbox}: a second copy of ${archiveKey} was found and removed`);
      await deleteItem(mailbox, extra.id!);
    }
    const first = found[0];
    return first ? { id: first.id!, isDraft: first.isDraft === true } : undefined;
  };

  const createItem = async (mailbox: string, folderId: string, email: ConvertedEmail, inline: number[], asDraft: boolean): Promise<Item> => {
    const attachments = await Promise.all(inline.map((index) => inlineAttachment(email.attachments[index]!)));
    const body = renderMessage(email, { markAsRead: settings.markAsRead, asDraft }, attachments);
    const response = await deps.graph.request<Message>({ method: 'POST', path: `${userPath(mailbox)}/mailFolders/${encodeURIComponent(folderId)}/messages`, body, mailbox, signal: deps.signal });
    return { id: response.body.id!, isDraft: response.body.isDraft === true };
  };

  const deleteItem = async (mailbox: string, id: string): Promise<void> => {
    await withRetry(
      async () => {
        try {
          await deps.graph.request({ method: 'DELETE', path: `${userPath(mailbox)}/messages/${encodeURIComponent(id)}`, mailbox, signal: deps.signal });
        } catch (error) {
          if (error instanceof GraphRequestError && error.status === 404) return;
          throw error;
        }
      },
      { ...deps.graph.retry, classify: classifyGraphError, clock, signal: deps.signal, attempts: 8 },
    );
  };

  /** End of run: every delivered item that ever had an unknown outcome is looked up once more. */
  const settle = async (): Promise<void> => {
    const delivered = [...suspects.values()].map((key) => repo.get(key)).filter((d): d is Delivery => d?.state === 'delivered');
    if (!delivered.length || deps.signal?.aborted) return;
    await clock.sleep(deps.settleMs ?? 10_000, deps.signal).catch(() => undefined);
    await Promise.all(
      delivered.map((d) =>
        global(async () => {
          try {
            const folderId = await folders.ensure(d.mailbox, deps.signal);
            await withRetry(() => findItem(d.mailbox, folderId, d.archiveKey, d.graphId), { ...deps.graph.retry, classify: classifyGraphError, clock, signal: deps.signal, attempts: 6 });
          } catch (error) {
            logger.warn(`${d.mailbox} ${d.archiveKey}: the end-of-run check failed (${error instanceof Error ? error.message : String(error)})`);
          }
        }),
      ),
    );
  };

  // Interleave mailboxes so that the global limit keeps many mailboxes busy at once.
  const byMailbox = new Map<string, Delivery[]>();
  for (const delivery of open) {
    const list = byMailbox.get(delivery.mailbox) ?? [];
    list.push(delivery);
    byMailbox.set(delivery.mailbox, list);
  }
  const queues = [...byMailbox.values()];
  const ordered: Delivery[] = [];
  for (let round = 0; ordered.length < open.length; round++) for (const queue of queues) if (queue[round]) ordered.push(queue[round]!);
  // Twice the request slots: while some deliveries write the ledger or read a spool file, others
  // keep the mailbox's 4 request slots busy. The scheduler still never lets a fifth request out.
  const perMailboxConcurrency = deps.graph.scheduler.limits.perMailboxConcurrency * 2;
  await Promise.all(
    ordered.map((delivery) => {
      let limit = perMailbox.get(delivery.mailbox);
      if (!limit) {
        limit = pLimit(perMailboxConcurrency);
        perMailbox.set(delivery.mailbox, limit);
      }
      const mailboxLimit = limit;
      return global(() => mailboxLimit(() => deliver(delivery)));
    }),
  );
  if (stopped) throw stopped;
  await settle();
  report();
  return { ...progress, unwritable: [...unwritable].map(([mailbox, p]) => ({ mailbox, reason: p.message })), unblocked };
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
      logger.warn(`${blocked.mailbox}: the re-check failed (${error instanceof Error ? error.message : String(error)}); its deliveries stay blocked`);
    }
  }
  return unblocked;
}
