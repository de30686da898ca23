import path from 'node:path';
import type { SymphonySettings } from '../../../../shared/contract/capture';
import type { StreamType } from '../../model/captured';
import type { Logger } from '../../platform/logger';
import { CaptureRepository } from '../../store/repos/capture';
import type { CaptureWriter } from '../../store/repos/capture-writer';
import type { ConversationRecord } from '../../store/repos/conversations';
import { formatBytes } from '../attachment-download';
import { eachLimited, finishCapture, toMemberList } from '../capture-steps';
import { SymphonyClient } from '../client';
import { describeFailure, notReadableError } from '../errors';
import { SymphonyHttpError } from '../http';
import { toUrlSafeId } from '../ids';
import { advanceCheckpoint, toNewItem } from '../messages';
import type { AdminStream, SessionInfo } from '../schemas';
import { emptySummary, type CaptureSummary, type CaptureTuning, type ConversationResult, type SourceContext } from '../source';

/**
 * The member-stream reader: captures the conversations the service account can read, incrementally:
 *  1. logs in and reads its own identity;
 *  2. lists every IM, MIM and room (new ones included) and stores them;
 *  3. per conversation (bounded concurrency): refreshes members, then reads messages from the
 *     conversation's checkpoint, writing each page and the moved checkpoint in one transaction;
 *  4. downloads pending attachments (also those left by an interrupted run) to
 *     <spool>/<connectorId>/, verified by declared size and hashed;
 *  5. resolves senders' e-mail and display name through the directory (cached in the store).
 * A conversation that fails is reported in `results[].error` and does not stop the others.
 * Throws only when nothing can be captured (login, stream listing) or when cancelled.
 */
export async function captureStreams(options: SourceContext<SymphonySettings>, writer: CaptureWriter): Promise<CaptureSummary> {
  const { tuning, clock, connector, settings, progress } = options;
  const logger = options.logger.scope('capture');
  const repo = new CaptureRepository(options.store);
  const now = () => new Date(clock.now());
  const startedAt = now().toISOString();
  const pod = writer.pod;
  const client = new SymphonyClient(settings, { clock, logger, signal: options.signal, timeoutMs: tuning.timeoutMs, retry: tuning.retry });
  const summary = emptySummary(connector.id, pod, startedAt);
  try {
    progress({ phase: 'connecting', done: 0, total: 0, newItems: 0 });
    const self = await client.sessionInfo();
    const streams = await client.allStreams(settings.streamTypes);
    const records = streams.map(toRecord).filter((r): r is ConversationRecord => r !== null);
    const added = writer.write({ conversations: records }).newConversations;
    summary.conversations.listed = records.length;
    summary.conversations.new = added.length;
    logger.info(`${connector.name}: ${records.length} conversations (${added.length} new)`);

    const startSince = settings.startDate ? Date.parse(settings.startDate) || 0 : 0;
    const byStream = new Map<string, ConversationResult>();
    await eachLimited(
      options.signal,
      records,
      tuning.conversationConcurrency,
      async (record) => {
        const result = await captureConversation({ client, repo, writer, connectorId: connector.id, self, record, startSince, tuning, now, logger, signal: options.signal });
        byStream.set(record.streamId, result);
        summary.items.new += result.newItems;
      },
      (done) => progress({ phase: 'conversations', done, total: records.length, newItems: summary.items.new }),
    );
    summary.results = records.map((r) => byStream.get(r.streamId)!);

    await finishCapture({ client, repo, writer, self, connectorId: connector.id, spoolDir: path.join(options.paths.spool, connector.id), tuning, now, logger, signal: options.signal, summary, byStream, progress });
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
  writer: CaptureWriter;
  connectorId: string;
  self: SessionInfo;
  record: ConversationRecord;
  startSince: number;
  tuning: CaptureTuning;
  now: () => Date;
  logger: Logger;
  signal?: AbortSignal;
}

async function captureConversation(ctx: ConversationContext): Promise<ConversationResult> {
  const { client, repo, writer, connectorId, record } = ctx;
  const result: ConversationResult = { streamId: record.streamId, streamType: record.streamType, name: record.name, newItems: 0, attachmentsStored: 0, attachmentsFailed: 0 };
  try {
    const list = toMemberList(await client.allMembers(record.streamId), ctx.self);
    writer.write({ participants: list.participants.map((participant) => ({ participant, resolved: true })), memberLists: [{ streamId: record.streamId, members: list.members }] });
    const externalById = new Map(list.participants.map((p) => [p.userId, p.external]));
    const isMember = list.members.some((m) => m.userId === ctx.self.id);

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
      // The page and the checkpoint past it commit together: a crash re-reads at most this page.
      const stored = writer.write({ items: items.map((item) => ({ streamId: record.streamId, item })) }, () => repo.conversations.setCheckpoint(connectorId, record.streamId, next, ctx.now()));
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
