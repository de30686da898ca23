import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { ArchiverError } from '../../../shared/errors';
import type { Logger } from '../platform/logger';
import type { CaptureRepository, PendingAttachment } from '../store/repos/capture';
import type { CaptureWriter } from '../store/repos/capture-writer';
import { AttachmentTooLargeError } from './attachment-download';
import { LIMITS, type SymphonyClient } from './client';
import { describeFailure } from './errors';
import { cancelledError, SymphonyHttpError } from './http';
import type { MemberRecord } from '../store/repos/conversations';
import type { SessionInfo, StreamMember } from './schemas';
import type { CaptureProgress, CaptureSummary, CaptureTuning, ConversationResult } from './source';

/**
 * The steps every Symphony API reader (member streams, Datahose) shares: a conversation's member
 * list as the store keeps it, and after storing items, the attachments recorded `pending`
 * downloaded and the senders resolved through the directory. Shared so that an item reads the
 * same whichever way it reached the store.
 */

export type ListedParticipant = { userId: string; email: string; displayName: string; external: boolean };

/** A membership list (admin API) as member rows and the users it names (as resolved as the directory). */
export function toMemberList(members: readonly StreamMember[], self: SessionInfo): { members: MemberRecord[]; participants: ListedParticipant[] } {
  return {
    members: members.map((m) => ({ userId: m.user.userId, isOwner: m.isOwner ?? false, joinDate: m.joinDate ?? null })),
    participants: members.map((m) => ({
      userId: m.user.userId,
      email: m.user.email,
      displayName: m.user.displayName || [m.user.firstName, m.user.lastName].filter(Boolean).join(' '),
      // The pod says so when it knows; otherwise another company than the service account's is external.
      external: m.user.isExternal ?? (self.company !== '' && m.user.company !== '' && m.user.company !== self.company),
    })),
  };
}

/**
 * After a reader stored its items: downloads every pending attachment, resolves the users never
 * looked up, and fills in the summary's totals.
 */
export async function finishCapture(ctx: AttachmentContext & { writer: CaptureWriter; self: SessionInfo }): Promise<void> {
  await downloadPendingAttachments(ctx);
  await resolveUsers(ctx);
  const { summary } = ctx;
  summary.conversations.failed = summary.results.filter((r) => r.error).length;
  summary.attachments.failed += summary.results.reduce((n, r) => n + r.attachmentsFailed, 0);
  summary.attachments.pending = ctx.repo.counts(ctx.connectorId).attachments.pending;
  summary.retries = ctx.client.retries;
  summary.reauthentications = ctx.client.reauthentications;
  summary.finishedAt = ctx.now().toISOString();
}

export interface AttachmentContext {
  client: SymphonyClient;
  repo: CaptureRepository;
  connectorId: string;
  spoolDir: string;
  tuning: Pick<CaptureTuning, 'attachmentConcurrency' | 'maxAttachmentBytes' | 'maxAttachmentAttempts'>;
  now: () => Date;
  logger: Logger;
  signal?: AbortSignal;
  summary: CaptureSummary;
  /** Per-conversation results to count into; attachments of other conversations count in the summary. */
  byStream: Map<string, ConversationResult>;
  progress: (p: CaptureProgress) => void;
}

/** Downloads every pending attachment of the connector (also those left by an interrupted run). */
export async function downloadPendingAttachments(ctx: AttachmentContext): Promise<void> {
  const pending = ctx.repo.pendingAttachments(ctx.connectorId, 1_000_000);
  if (pending.length === 0) return;
  fs.mkdirSync(ctx.spoolDir, { recursive: true });
  await eachLimited(ctx.signal, pending, ctx.tuning.attachmentConcurrency, (a) => downloadOne(ctx, a), (done) =>
    ctx.progress({ phase: 'attachments', done, total: pending.length, newItems: ctx.summary.items.new }),
  );
}

async function downloadOne(ctx: AttachmentContext, a: PendingAttachment): Promise<void> {
  const result = ctx.byStream.get(a.streamId);
  const dest = path.join(ctx.spoolDir, `${createHash('sha256').update(`${a.streamId}\n${a.messageId}\n${a.position}`).digest('hex').slice(0, 40)}.bin`);
  try {
    const file = await ctx.client.downloadAttachment(a, dest, ctx.tuning.maxAttachmentBytes);
    ctx.repo.markAttachmentStored(a.itemId, a.position, { ...file, spoolPath: dest }, ctx.now());
    ctx.summary.attachments.stored++;
    ctx.summary.attachments.bytes += file.size;
    if (result) result.attachmentsStored++;
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    // Only a file over the archiver's limit can never be had. Anything else, refusals included (a
    // 403 until the account joins the conversation, a 406 until the archiver is fixed), is retried
    // on later runs like any transient failure and fails only after maxAttachmentAttempts.
    const permanent = error instanceof AttachmentTooLargeError;
    const final = permanent || a.attempts + 1 >= ctx.tuning.maxAttachmentAttempts;
    const described = describeFailure(error, `attachment ${a.name}`);
    // Datahose hands over messages of conversations the account is not in; their files may stay out of its reach.
    const reason =
      error instanceof SymphonyHttpError && error.status === 403
        ? `${described.message} The service account may download files only from conversations it is a member of: add it to the conversation, or take the file from Symphony's Content Export.`
        : described.message;
    if (described.code === 'internal') ctx.logger.error(`attachment "${a.name}" of message ${a.messageId}: unexpected failure`, described.detail ?? '');
    ctx.repo.markAttachmentFailed(a.itemId, a.position, final && !permanent ? `${reason} (gave up after ${a.attempts + 1} attempts)` : reason, final, ctx.now());
    ctx.logger.warn(`attachment "${a.name}" of message ${a.messageId} ${final ? 'failed' : 'will be retried'}: ${reason}`);
    if (final && result) result.attachmentsFailed++;
    else if (final) ctx.summary.attachments.failed++;
  }
}

/** Looks up, 100 at a time, every user seen whose directory entry was never read. */
export async function resolveUsers(ctx: {
  client: SymphonyClient;
  repo: CaptureRepository;
  writer: CaptureWriter;
  connectorId: string;
  self: SessionInfo;
  logger: Logger;
  summary: CaptureSummary;
  progress: (p: CaptureProgress) => void;
}): Promise<void> {
  const ids = ctx.repo.conversations.unresolvedUserIds(ctx.connectorId);
  for (let i = 0; i < ids.length; i += LIMITS.users) {
    const batch = ids.slice(i, i + LIMITS.users);
    try {
      const users = await ctx.client.users(batch);
      const found = new Map(users.map((u) => [u.id, u]));
      ctx.writer.write({
        participants: batch.map((id) => {
          const u = found.get(id);
          // Not in the directory (deleted, or another pod's user out of reach): keep what the messages said.
          if (!u) return { participant: { userId: id, email: '', displayName: '', external: false }, resolved: true };
          const external = ctx.self.company !== '' && u.company !== '' && u.company !== ctx.self.company;
          const p = { userId: id, email: u.emailAddress, displayName: u.displayName, external, username: u.username ?? undefined };
          if (!p.username) delete p.username;
          return { participant: p, resolved: true };
        }),
      });
      ctx.summary.users.resolved += users.length;
      ctx.summary.users.unresolved += batch.length - users.length;
    } catch (error) {
      if (ArchiverError.is(error) && error.code === 'cancelled') throw error;
      const message = `Looking up ${batch.length} users failed: ${describeFailure(error, 'users').message}`;
      ctx.summary.warnings.push(message);
      ctx.logger.warn(message);
    }
    ctx.progress({ phase: 'users', done: Math.min(i + LIMITS.users, ids.length), total: ids.length, newItems: ctx.summary.items.new });
  }
}

/** Runs `task` for every item, `concurrency` at a time, then waits for all of them (settleAll); `onDone` counts them as they end. */
export async function eachLimited<T>(signal: AbortSignal | undefined, items: readonly T[], concurrency: number, task: (item: T) => Promise<void>, onDone: (done: number) => void): Promise<void> {
  const limit = pLimit(concurrency);
  let done = 0;
  await settleAll(
    signal,
    items.map((item) =>
      limit(async () => {
        await task(item);
        onDone(++done);
      }),
    ),
  );
}

/**
 * Waits for every task, even after one failed or the run was cancelled, so that nothing writes
 * to the store after the capture has returned; then reports cancellation or the first failure.
 */
async function settleAll(signal: AbortSignal | undefined, tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  if (signal?.aborted) throw cancelledError(signal);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
