import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Connector } from '../../../shared/contract/connectors';
import { ArchiverError, type ContractErrorValue } from '../../../shared/errors';
import type { StreamType } from '../model/captured';
import { systemClock, type Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import { CaptureRepository, type PendingAttachment } from '../store/repos/capture';
import type { ConversationRecord } from '../store/repos/conversations';
import { AttachmentTooLargeError, formatBytes, MAX_ATTACHMENT_BYTES } from './attachment-download';
import { LIMITS, SymphonyClient, type RetryTuning } from './client';
import { describeFailure, notReadableError } from './errors';
import { cancelledError, SymphonyHttpError } from './http';
import { hostOf, toUrlSafeId } from './ids';
import { advanceCheckpoint, toNewItem } from './messages';
import type { AdminStream, SessionInfo } from './schemas';

export interface CaptureTuning {
  conversationConcurrency: number;
  attachmentConcurrency: number;
  /** Messages per v4 read (Symphony's maximum is 500). */
  pageSize: number;
  timeoutMs: number;
  retry: Partial<RetryTuning>;
  maxAttachmentBytes: number;
  /** Runs an attachment may fail transiently before it is recorded as failed for good. */
  maxAttachmentAttempts: number;
}

export const defaultCaptureTuning: CaptureTuning = {
  conversationConcurrency: 4,
  attachmentConcurrency: 3,
  pageSize: LIMITS.messages,
  timeoutMs: 30_000,
  retry: {},
  maxAttachmentBytes: MAX_ATTACHMENT_BYTES,
  maxAttachmentAttempts: 3,
};

export interface CaptureProgress {
  phase: 'connecting' | 'conversations' | 'attachments' | 'users' | 'done';
  done: number;
  total: number;
  newItems: number;
}

export interface ConversationResult {
  streamId: string;
  streamType: StreamType;
  name: string;
  newItems: number;
  attachmentsStored: number;
  attachmentsFailed: number;
  /** Why this conversation could not be read (fully); the others went on. */
  error?: ContractErrorValue;
}

export interface CaptureSummary {
  connectorId: string;
  pod: string;
  startedAt: string;
  finishedAt: string;
  conversations: { listed: number; new: number; failed: number };
  items: { new: number };
  attachments: { stored: number; bytes: number; failed: number; pending: number };
  users: { resolved: number; unresolved: number };
  retries: number;
  reauthentications: number;
  results: ConversationResult[];
  /** Problems outside any one conversation that did not stop the capture (e.g. user lookups). */
  warnings: string[];
}

export interface CaptureOptions {
  store: Store;
  connector: Connector;
  paths: Pick<AppPaths, 'spool'>;
  logger: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: CaptureProgress) => void;
  tuning?: Partial<CaptureTuning>;
}

/**
 * Captures one connector's pod, incrementally:
 *  1. logs in and reads its own identity;
 *  2. lists every IM, MIM and room (new ones included) and stores them;
 *  3. per conversation (bounded concurrency): refreshes members, then reads messages from the
 *     conversation's checkpoint, storing each page and the moved checkpoint in one transaction;
 *  4. downloads pending attachments (also those left by an interrupted run) to
 *     <spool>/<connectorId>/, verified by declared size and hashed;
 *  5. resolves senders' e-mail and display name through the directory (cached in the store).
 * A conversation that fails is reported in `results[].error` and does not stop the others.
 * Throws only when nothing can be captured (login, stream listing) or when cancelled.
 */
export async function captureConnector(options: CaptureOptions): Promise<CaptureSummary> {
  const tuning = { ...defaultCaptureTuning, ...options.tuning };
  const clock = options.clock ?? systemClock;
  const logger = options.logger.scope('capture');
  const connector = options.connector;
  const settings = connector.settings.symphony;
  const repo = new CaptureRepository(options.store);
  const now = () => new Date(clock.now());
  const startedAt = now().toISOString();
  const pod = hostOf(settings.podUrl);
  const progress = (p: CaptureProgress) => options.onProgress?.(p);
  const client = new SymphonyClient(settings, { clock, logger, signal: options.signal, timeoutMs: tuning.timeoutMs, retry: tuning.retry });
  const summary: CaptureSummary = {
    connectorId: connector.id,
    pod,
    startedAt,
    finishedAt: startedAt,
    conversations: { listed: 0, new: 0, failed: 0 },
    items: { new: 0 },
    attachments: { stored: 0, bytes: 0, failed: 0, pending: 0 },
    users: { resolved: 0, unresolved: 0 },
    retries: 0,
    reauthentications: 0,
    results: [],
    warnings: [],
  };
  try {
    progress({ phase: 'connecting', done: 0, total: 0, newItems: 0 });
    const self = await client.sessionInfo();
    const streams = await client.allStreams(settings.streamTypes);
    const records = streams.map(toRecord).filter((r): r is ConversationRecord => r !== null);
    const added = repo.conversations.upsertConversations(connector.id, records, now());
    summary.conversations.listed = records.length;
    summary.conversations.new = added.length;
    logger.info(`${connector.name}: ${records.length} conversations (${added.length} new)`);

    const startSince = settings.startDate ? Date.parse(settings.startDate) || 0 : 0;
    const byStream = new Map<string, ConversationResult>();
    const limit = pLimit(tuning.conversationConcurrency);
    let done = 0;
    await settleAll(
      options.signal,
      records.map((record) =>
        limit(async () => {
          const result = await captureConversation({ client, repo, connectorId: connector.id, pod, self, record, startSince, tuning, now, logger, signal: options.signal });
          byStream.set(record.streamId, result);
          summary.items.new += result.newItems;
          progress({ phase: 'conversations', done: ++done, total: records.length, newItems: summary.items.new });
        }),
      ),
    );
    summary.results = records.map((r) => byStream.get(r.streamId)!);

    await downloadAttachments({ client, repo, connectorId: connector.id, spoolDir: path.join(options.paths.spool, connector.id), tuning, now, logger, signal: options.signal, summary, byStream, progress });
    await resolveUsers({ client, repo, connectorId: connector.id, self, logger, summary, progress, now });

    summary.conversations.failed = summary.results.filter((r) => r.error).length;
    summary.attachments.failed += summary.results.reduce((n, r) => n + r.attachmentsFailed, 0);
    summary.attachments.pending = repo.counts(connector.id).attachments.pending;
    summary.retries = client.retries;
    summary.reauthentications = client.reauthentications;
    summary.finishedAt = now().toISOString();
    progress({ phase: 'done', done: records.length, total: records.length, newItems: summary.items.new });
    logger.info(
      `${connector.name}: ${summary.items.new} new items, ${summary.attachments.stored} attachments (${formatBytes(summary.attachments.bytes)}), ` +
        `${summary.conversations.failed} conversations failed, ${summary.attachments.failed} attachments failed, ${summary.retries} retries`,
    );
    return summary;
  } finally {
    await client.close();
  }
}

interface ConversationContext {
  client: SymphonyClient;
  repo: CaptureRepository;
  connectorId: string;
  pod: string;
  self: SessionInfo;
  record: ConversationRecord;
  startSince: number;
  tuning: CaptureTuning;
  now: () => Date;
  logger: Logger;
  signal?: AbortSignal;
}

async function captureConversation(ctx: ConversationContext): Promise<ConversationResult> {
  const { client, repo, connectorId, record } = ctx;
  const result: ConversationResult = { streamId: record.streamId, streamType: record.streamType, name: record.name, newItems: 0, attachmentsStored: 0, attachmentsFailed: 0 };
  try {
    const members = await client.allMembers(record.streamId);
    const externalById = new Map<string, boolean>();
    repo.conversations.upsertParticipants(
      connectorId,
      members.map((m) => {
        const external = m.user.isExternal ?? (ctx.self.company !== '' && m.user.company !== '' && m.user.company !== ctx.self.company);
        externalById.set(m.user.userId, external);
        return { userId: m.user.userId, email: m.user.email, displayName: m.user.displayName || [m.user.firstName, m.user.lastName].filter(Boolean).join(' '), external };
      }),
      true,
      ctx.now(),
    );
    repo.conversations.replaceMembers(connectorId, record.streamId, members.map((m) => ({ userId: m.user.userId, isOwner: m.isOwner ?? false, joinDate: m.joinDate ?? null })));
    const isMember = members.some((m) => m.user.userId === ctx.self.id);

    let checkpoint = repo.conversations.checkpoint(connectorId, record.streamId) ?? { since: ctx.startSince, skip: 0 };
    const known = (userId: string) => {
      const p = repo.conversations.participant(connectorId, userId);
      return p ?? (externalById.has(userId) ? { userId, email: '', displayName: '', external: externalById.get(userId)! } : undefined);
    };
    let read = 0;
    for (;;) {
      if (ctx.signal?.aborted) break;
      let page: unknown[];
      try {
        page = await client.messages(record.streamId, checkpoint.since, checkpoint.skip, ctx.tuning.pageSize);
      } catch (error) {
        if (error instanceof SymphonyHttpError && (error.status === 403 || error.status === 404)) throw notReadableError(record, error, isMember);
        throw error;
      }
      if (page.length === 0) break;
      read += page.length;
      const items = page.map((raw) => toNewItem(raw, known, ctx.tuning.maxAttachmentBytes));
      const next = advanceCheckpoint(checkpoint, items.map((i) => i.timestamp));
      const stored = repo.storePage(connectorId, ctx.pod, record.streamId, items, next, ctx.now());
      result.newItems += stored.inserted;
      result.attachmentsFailed += items.reduce((n, i) => n + i.attachments.filter((a) => a.failure).length, 0);
      checkpoint = next;
      if (page.length < ctx.tuning.pageSize) break;
    }
    // Reading nothing from a stream the account is not in proves nothing: it may be hidden.
    if (read === 0 && !isMember && !repo.itemByStreamExists(connectorId, record.streamId)) throw notReadableError(record, undefined, isMember);
    repo.conversations.setError(connectorId, record.streamId, null, ctx.now());
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    result.error = describeFailure(error, `conversation ${record.streamId}`);
    ctx.logger.warn(`conversation ${record.streamType} ${record.name || record.streamId} failed: ${result.error.message}`, result.error.detail ?? '');
    repo.conversations.setError(connectorId, record.streamId, result.error.message, ctx.now());
  }
  return result;
}

interface AttachmentContext {
  client: SymphonyClient;
  repo: CaptureRepository;
  connectorId: string;
  spoolDir: string;
  tuning: CaptureTuning;
  now: () => Date;
  logger: Logger;
  signal?: AbortSignal;
  summary: CaptureSummary;
  byStream: Map<string, ConversationResult>;
  progress: (p: CaptureProgress) => void;
}

async function downloadAttachments(ctx: AttachmentContext): Promise<void> {
  const pending = ctx.repo.pendingAttachments(ctx.connectorId, 1_000_000);
  if (pending.length === 0) return;
  fs.mkdirSync(ctx.spoolDir, { recursive: true });
  const limit = pLimit(ctx.tuning.attachmentConcurrency);
  let done = 0;
  await settleAll(
    ctx.signal,
    pending.map((a) =>
      limit(async () => {
        await downloadOne(ctx, a);
        ctx.progress({ phase: 'attachments', done: ++done, total: pending.length, newItems: ctx.summary.items.new });
      }),
    ),
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
    const permanent = error instanceof AttachmentTooLargeError || (error instanceof SymphonyHttpError && error.status >= 400 && error.status < 500 && error.status !== 429);
    const final = permanent || a.attempts + 1 >= ctx.tuning.maxAttachmentAttempts;
    const described = describeFailure(error, `attachment ${a.name}`);
    const reason = described.message;
    if (described.code === 'internal') ctx.logger.error(`attachment "${a.name}" of message ${a.messageId}: unexpected failure`, described.detail ?? '');
    ctx.repo.markAttachmentFailed(a.itemId, a.position, final && !permanent ? `${reason} (gave up after ${a.attempts + 1} attempts)` : reason, final, ctx.now());
    ctx.logger.warn(`attachment "${a.name}" of message ${a.messageId} ${final ? 'failed' : 'will be retried'}: ${reason}`);
    if (final && result) result.attachmentsFailed++;
    else if (final) ctx.summary.attachments.failed++;
  }
}

async function resolveUsers(ctx: {
  client: SymphonyClient;
  repo: CaptureRepository;
  connectorId: string;
  self: SessionInfo;
  logger: Logger;
  summary: CaptureSummary;
  progress: (p: CaptureProgress) => void;
  now: () => Date;
}): Promise<void> {
  const ids = ctx.repo.conversations.unresolvedUserIds(ctx.connectorId);
  for (let i = 0; i < ids.length; i += LIMITS.users) {
    const batch = ids.slice(i, i + LIMITS.users);
    try {
      const users = await ctx.client.users(batch);
      const found = new Map(users.map((u) => [u.id, u]));
      ctx.repo.conversations.upsertParticipants(
        ctx.connectorId,
        batch.map((id) => {
          const u = found.get(id);
          // Not in the directory (deleted, or another pod's user out of reach): keep what the messages said.
          if (!u) return { userId: id, email: '', displayName: '', external: false };
          const external = ctx.self.company !== '' && u.company !== '' && u.company !== ctx.self.company;
          const p = { userId: id, email: u.emailAddress, displayName: u.displayName, external, username: u.username ?? undefined };
          if (!p.username) delete p.username;
          return p;
        }),
        true,
        ctx.now(),
      );
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

function toRecord(stream: AdminStream): ConversationRecord | null {
  const type = stream.type as StreamType;
  if (!['IM', 'MIM', 'ROOM', 'POST'].includes(type)) return null;
  return {
    streamId: toUrlSafeId(stream.id),
    streamType: type,
    name: stream.attributes?.roomName ?? '',
    external: stream.isExternal ?? false,
    crossPod: stream.crossPod ?? false,
    active: stream.isActive ?? true,
    lastModified: stream.attributes?.lastModifiedDate ?? null,
  };
}
