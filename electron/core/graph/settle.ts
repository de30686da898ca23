import { errorText } from '../../../shared/errors';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { withRetry } from '../platform/retry';
import type { DeliveryKey, DeliveryRepository } from '../store/repos/deliveries';
import type { SettlementOutcome, UnknownOutcome, UnknownOutcomeRepository } from '../store/repos/delivery-unknowns';
import type { ConvertedEmail } from '../model/email';
import type { GraphClient } from './client';
import { classifyGraphError } from './errors';
import { inspectAttachments } from './attachments';
import { chooseKept, deleteItem, findCopies, replacedLine, strayLine, type FoundItem } from './items';
import type { LedgerWriter } from './ledger';

/**
 * Settling unknown outcomes (issue 22, docs/import.md "Unknown outcomes"). A delivery whose
 * request went unanswered has a `delivery_unknowns` row; once its settle time has passed no
 * request of it can still be applied, so what the mailbox holds now is final. Settling looks the
 * item up by archive key, keeps the copy the ledger recorded (else the oldest), deletes every
 * other copy (logging both ids), checks the kept copy's attachments, and records the result in
 * the ledger in the same transaction that removes the unknown and stores the evidence.
 */
export interface SettleContext {
  graph: GraphClient;
  connectorId: string;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  runId?: number;
  repo: DeliveryRepository;
  unknowns: UnknownOutcomeRepository;
  ledger: LedgerWriter;
  /** The archive folder of a mailbox; throws when the mailbox cannot be written. */
  ensureFolder(mailbox: string): Promise<string>;
  loadEmail(archiveKey: string): Promise<ConvertedEmail>;
  /** Copies of an item where its destination wrote it; by archive key (JSON create) when absent. */
  findCopies?(mailbox: string, folderId: string, archiveKey: string): Promise<FoundItem[]>;
  /** Bounds the settles running at once (the importer's global limit). */
  limit<T>(fn: () => Promise<T>): Promise<T>;
}

export interface SettleResult {
  settled: number;
  straysDeleted: number;
  /** Deliveries that were delivered and need work again: an incomplete, replaced or vanished item. */
  reopened: DeliveryKey[];
  /** Unknowns that could not be settled now (Graph unreachable…); they stay for later. */
  deferred: number;
}

/** Settles every unknown of the connector whose settle time is at or before `until`. */
export async function settleDue(ctx: SettleContext, until: Date): Promise<SettleResult> {
  const result: SettleResult = { settled: 0, straysDeleted: 0, reopened: [], deferred: 0 };
  const due = ctx.unknowns.list(ctx.connectorId, until);
  await Promise.all(
    due.map((unknown) =>
      ctx.limit(async () => {
        if (ctx.signal?.aborted) {
          result.deferred++;
          return;
        }
        try {
          const one = await withRetry(() => settleOne(ctx, unknown), { ...ctx.graph.retry, classify: classifyGraphError, clock: ctx.clock, signal: ctx.signal, attempts: 6 });
          if (one.settled) result.settled++;
          result.straysDeleted += one.strays;
          if (one.reopened) result.reopened.push(unknown);
        } catch (error) {
          result.deferred++;
          ctx.logger.warn(`${unknown.mailbox} ${unknown.archiveKey}: the unknown outcome could not be settled yet (${errorText(error)}); the next run tries again`);
        }
      }),
    ),
  );
  if (result.settled || result.deferred) {
    ctx.logger.info(`unknown outcomes: ${result.settled} settled, ${result.straysDeleted} stray copies deleted, ${result.reopened.length} reopened, ${result.deferred} left for later`);
  }
  return result;
}

async function settleOne(ctx: SettleContext, unknown: UnknownOutcome): Promise<{ settled: boolean; strays: number; reopened: boolean }> {
  const key: DeliveryKey = { connectorId: unknown.connectorId, archiveKey: unknown.archiveKey, mailbox: unknown.mailbox };
  const delivery = ctx.repo.get(key);
  const folderId = await ctx.ensureFolder(unknown.mailbox);
  const copies = ctx.findCopies ? await ctx.findCopies(unknown.mailbox, folderId, unknown.archiveKey) : await findCopies(ctx.graph, unknown.mailbox, folderId, unknown.archiveKey, ctx.signal);
  const { kept, strays } = chooseKept(copies, delivery?.graphId);
  const deleted: string[] = [];
  for (const stray of strays) {
    ctx.logger.warn(strayLine(unknown.mailbox, unknown.archiveKey, kept!.id, stray.id, `settling an unknown outcome: ${unknown.reason}`));
    await deleteItem(ctx.graph, unknown.mailbox, stray.id, ctx.clock, ctx.signal);
    deleted.push(stray.id);
  }
  let outcome: SettlementOutcome;
  let apply: () => void;
  if (!kept) {
    outcome = 'absent';
    // Nothing landed. A delivery recorded as delivered whose item is gone must be made again.
    const vanished = delivery?.state === 'delivered';
    if (vanished) ctx.logger.error(`${unknown.mailbox} ${unknown.archiveKey}: the delivered item ${delivery.graphId} is no longer in the mailbox; it is created again`);
    apply = () => {
      if (vanished) {
        ctx.repo.forgetItem(key);
        ctx.repo.reopen(key, 'The delivered item was no longer in the mailbox; it is created again.');
      }
    };
  } else {
    const email = await ctx.loadEmail(unknown.archiveKey);
    const inspection = await inspectAttachments(ctx.graph, unknown.mailbox, kept.id, email, ctx.signal);
    if (inspection.foreign.length > 0) {
      // An attachment applied twice or different bytes: the item is replaced, never patched.
      outcome = 'replaced';
      const why = inspection.foreign.map((f) => `${f.name} (${f.why})`).join(', ');
      ctx.logger.warn(replacedLine(unknown.mailbox, unknown.archiveKey, kept.id, why));
      await deleteItem(ctx.graph, unknown.mailbox, kept.id, ctx.clock, ctx.signal);
      deleted.push(kept.id);
      apply = () => {
        ctx.repo.forgetItem(key);
        ctx.repo.reopen(key, `The item carried ${why}; it is created again.`);
      };
    } else if (inspection.present.size < email.attachments.length) {
      outcome = 'completed';
      apply = () => {
        ctx.repo.recordItem(key, kept.id, [...inspection.present]);
        ctx.repo.reopen(key, `${email.attachments.length - inspection.present.size} attachment(s) missing on the item; they are added.`);
      };
    } else {
      outcome = 'kept';
      apply = () => (delivery?.state === 'delivered' && delivery.graphId === kept.id ? undefined : ctx.repo.markDelivered(key, kept.id));
    }
  }
  let settled = false;
  await ctx.ledger.write(() => {
    settled = ctx.unknowns.settle(unknown, { runId: ctx.runId ?? null, settledAt: new Date(ctx.clock.now()).toISOString(), keptGraphId: outcome === 'replaced' ? null : (kept?.id ?? null), deletedGraphIds: deleted, outcome });
    // A request sent since the row was read keeps the delivery's own state; only the evidence of what was deleted is lost to it.
    if (settled) apply();
  });
  // Only a delivery that counted as delivered is news: one still open is the importer's work anyway,
  // and re-running it here would spend attempts (and upload budget) this run already spent on it.
  const wasDelivered = delivery?.state === 'delivered';
  return { settled, strays: strays.length, reopened: settled && wasDelivered && outcome !== 'kept' };
}
