import { reasonOf } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';
import { withRetry } from '../platform/retry';
import { storageProblem } from '../platform/storage-errors';
import type { Delivery, DeliveryKey } from '../store/repos/deliveries';
import { refusesNonDraft } from './attachments';
import { DeliveryAttempt, type AttemptContext } from './delivery-attempt';
import { classifyGraphError, describeGraphFailure } from './errors';
import type { ImportEmails } from './import-emails';
import type { ImportTally } from './import-tally';
import { MailboxUnwritable, type MailboxBlocks } from './mailbox-blocks';

/**
 * A lost interactive sign-in or a storage failure (the disk is full) stops every delivery at once:
 * they stay open, none is marked failed for it, and the import then throws it.
 */
export class ImportStop {
  private cause: { error: unknown } | undefined;

  get stopped(): boolean {
    return this.cause !== undefined;
  }

  get error(): unknown {
    return this.cause?.error;
  }

  /** The first cause wins. */
  stop(error: unknown): void {
    this.cause ??= { error };
  }
}

export interface DeliverContext extends AttemptContext {
  emails: ImportEmails;
  blocks: MailboxBlocks;
  tally: ImportTally;
  stop: ImportStop;
  maxAttempts?: number;
}

/**
 * Works one delivery to its end: admitted with its e-mail within the memory budget, attempted
 * until it lands or retrying is pointless, and its outcome recorded in the ledger (delivered,
 * failed, blocked, or left open for the next run). Rejects only when the ledger itself fails.
 */
export async function deliverOne(ctx: DeliverContext, delivery: Delivery): Promise<void> {
  const key: DeliveryKey = { connectorId: delivery.connectorId, archiveKey: delivery.archiveKey, mailbox: delivery.mailbox };
  if (ctx.signal?.aborted || ctx.stop.stopped || ctx.blocks.isUnwritable(delivery.mailbox)) {
    ctx.tally.ended();
    return;
  }
  const mayExist = delivery.state === 'sending' || delivery.graphId !== null || ctx.unknowns.get(key) !== undefined;
  let admitted;
  try {
    admitted = await ctx.emails.admit(delivery.archiveKey);
  } catch (error) {
    ctx.repo.markFailed(key, reasonOf(error, 'internal', 'The converted e-mail could not be loaded'));
    ctx.tally.failed();
    ctx.tally.ended();
    return;
  }
  // No size check here: an e-mail over Exchange Online's limit (model/limits.ts) was skipped as
  // too-large by the planner and never reaches the ledger.
  const attempt = new DeliveryAttempt(ctx, key, admitted.email, admitted.destination, mayExist);
  try {
    await withRetry(() => attempt.once(), {
      ...ctx.graph.retry,
      attempts: ctx.maxAttempts ?? 10,
      clock: ctx.clock,
      signal: ctx.signal,
      classify: (error) => (refusesNonDraft(error) ? { retry: true, reason: 'non-draft refused' } : error instanceof MailboxUnwritable ? { retry: false } : classifyGraphError(error)),
      onRetry: ({ attempt: n, waitMs, reason }) => ctx.logger.debug(`${key.mailbox} ${key.archiveKey}: attempt ${n} failed (${reason}); retrying in ${Math.round(waitMs)} ms`),
    });
    ctx.tally.delivered();
  } catch (error) {
    recordFailure(ctx, key, error, attempt.mayExist);
  } finally {
    admitted.giveBack();
    ctx.tally.ended();
    ctx.tally.report();
  }
}

/** The outcome of a delivery whose attempts ended in `error`: the one place that decides it. */
function recordFailure(ctx: DeliverContext, key: DeliveryKey, error: unknown, mayExist: boolean): void {
  if (error instanceof MailboxUnwritable) return;
  const unwritable = ctx.blocks.problemFor(error, key.mailbox);
  if (unwritable) {
    ctx.blocks.block(key, unwritable);
    return;
  }
  if (ArchiverError.is(error) && error.code === 'cancelled') {
    ctx.repo.markRetryLater(key, reasonOf(error), mayExist);
    return;
  }
  if (ArchiverError.is(error) && error.code === 'sign-in-required') {
    ctx.repo.markRetryLater(key, reasonOf(error), mayExist);
    ctx.stop.stop(error);
    return;
  }
  if (storageProblem(error)) {
    // Nothing can be written now; the row keeps its state (a `sending` one is looked up next run).
    ctx.stop.stop(error);
    return;
  }
  const described = describeGraphFailure(error, key.mailbox);
  if (classifyGraphError(error).retry) {
    ctx.repo.markRetryLater(key, reasonOf(described), mayExist);
    ctx.logger.warn(`${key.mailbox} ${key.archiveKey}: left for the next run (${described.detail ?? described.message})`);
  } else {
    ctx.repo.markFailed(key, reasonOf(described));
    ctx.tally.failed();
    ctx.logger.error(`${key.mailbox} ${key.archiveKey}: failed (${described.detail ?? described.message})`);
  }
}
