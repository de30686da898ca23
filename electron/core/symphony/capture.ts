import path from 'node:path';
import pLimit from 'p-limit';
import type { Connector } from '../../../shared/contract/connectors';
import type { ContractErrorValue } from '../../../shared/errors';
import type { StreamType } from '../model/captured';
import { systemClock, type Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import { CaptureRepository } from '../store/repos/capture';
import type { ConversationRecord } from '../store/repos/conversations';
import { formatBytes, MAX_ATTACHMENT_BYTES } from './attachment-download';
import { downloadPendingAttachments, emptySummary, resolveUsers, settleAll } from './capture-steps';
import { LIMITS, SymphonyClient, type RetryTuning } from './client';
import { describeFailure, notReadableError } from './errors';
import { SymphonyHttpError } from './http';
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
  /** `events`: Datahose batches read (`done` counts events; `total` is unknown, 0). */
  phase: 'connecting' | 'conversations' | 'events' | 'attachments' | 'users' | 'done';
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
  const summary = emptySummary(connector.id, pod, startedAt);
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

    await downloadPendingAttachments({ client, repo, connectorId: connector.id, spoolDir: path.join(options.paths.spool, connector.id), tuning, now, logger, signal: options.signal, summary, byStream, progress });
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
