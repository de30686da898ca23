import path from 'node:path';
import pLimit from 'p-limit';
import { ArchiverError } from '../../../../shared/errors';
import type { StreamType } from '../../model/captured';
import { systemClock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { MemberRecord } from '../../store/repos/conversations';
import { DatahoseRepository, type DatahoseBatch, type DatahoseMembership } from '../../store/repos/datahose';
import { defaultCaptureTuning, type CaptureOptions, type CaptureProgress, type CaptureSummary, type ConversationResult } from '../capture';
import { downloadPendingAttachments, emptySummary, resolveUsers } from '../capture-steps';
import { SymphonyClient } from '../client';
import { describeFailure } from '../errors';
import { cancelledError, SymphonyHttpError } from '../http';
import { hostOf } from '../ids';
import type { SessionInfo } from '../schemas';
import { parseEvents, type ParsedEvents } from './events';
import { datahoseTag, readBatch, readBody } from './feed';

export interface DatahoseSummary extends CaptureSummary {
  datahose: {
    tag: string;
    /** Events read this run, and batches stored (each with its ackId). */
    events: number;
    batches: number;
    /** Suppressions recorded this run (new ones only). */
    suppressions: number;
    /** Events of kinds or conversations the connector does not archive. */
    ignored: number;
    /** Events that could not be used (also in `results[].error` or `warnings`). */
    unreadable: number;
    /** True when this run created the feed: messages sent before it are not in Datahose. */
    firstRead: boolean;
    /**
     * Conversations stored without their member list (it could not be read): gaps this run
     * opened, earlier gaps it filled, and those still open at its end (each also a warning).
     */
    gaps: { opened: number; filled: number; open: number };
  };
}

/**
 * Captures one connector through Datahose (POST /agent/v5/events/read), which sees every
 * conversation of the pod, member or not:
 *  1. reads a batch with the ackId stored after the previous one (acknowledging it);
 *  2. reads the member list of conversations new to the store (admin API; senders stand in
 *     when it cannot be read);
 *  3. stores the batch's conversations, members, items (the same V4Message → item path as the
 *     member reader) and suppressions together with the batch's ackId, in one transaction;
 *  4. stops at an empty read (the backlog is read) or once the feed has reached the run's start,
 *     so a busy pod cannot keep a scheduled run going for ever; then downloads attachments and
 *     looks up users like the member reader.
 * A crash before step 3 commits leaves the previous ackId: the batch comes again and nothing is
 * stored twice. Throws when Datahose cannot be read at all, or when cancelled.
 */
export async function captureDatahose(options: CaptureOptions): Promise<DatahoseSummary> {
  const tuning = { ...defaultCaptureTuning, ...options.tuning };
  const clock = options.clock ?? systemClock;
  const logger = options.logger.scope('datahose');
  const connector = options.connector;
  const settings = connector.settings.symphony;
  const repo = new DatahoseRepository(options.store);
  const now = () => new Date(clock.now());
  const runStart = clock.now();
  const pod = hostOf(settings.podUrl);
  const progress = (p: CaptureProgress) => options.onProgress?.(p);
  const tag = datahoseTag(connector.id);
  const client = new SymphonyClient(settings, { clock, logger, signal: options.signal, timeoutMs: tuning.timeoutMs, retry: tuning.retry });
  const summary: DatahoseSummary = {
    ...emptySummary(connector.id, pod, now().toISOString()),
    datahose: { tag, events: 0, batches: 0, suppressions: 0, ignored: 0, unreadable: 0, firstRead: false, gaps: { opened: 0, filled: 0, open: 0 } },
  };
  const byStream = new Map<string, ConversationResult>();
  const seen = new Set<string>();
  const result = (streamId: string, type: StreamType = 'ROOM'): ConversationResult => {
    let r = byStream.get(streamId);
    if (!r) {
      const known = repo.capture.conversations.conversation(connector.id, streamId);
      r = { streamId, streamType: known?.streamType ?? type, name: known?.name ?? '', newItems: 0, attachmentsStored: 0, attachmentsFailed: 0 };
      byStream.set(streamId, r);
    }
    return r;
  };
  try {
    progress({ phase: 'connecting', done: 0, total: 0, newItems: 0 });
    const self = await client.sessionInfo();
    const feed = repo.feed(connector.id);
    let ackId = feed?.ackId ?? '';
    if (!feed) {
      summary.datahose.firstRead = true;
      const note = `First Datahose read for ${connector.name}: the feed "${tag}" starts now, so messages sent before ${now().toISOString()} come only from the member-stream reader or Content Export.`;
      summary.warnings.push(note);
      logger.info(note);
    }
    summary.datahose.gaps.filled = await fillGaps(client, self, repo, connector.id, tuning.conversationConcurrency, now, logger);
    for (;;) {
      if (options.signal?.aborted) throw cancelledError(options.signal);
      const batch = await readAcknowledging(client, tag, ackId, logger);
      const parsed = parseEvents(batch.events, {
        known: (userId) => repo.capture.conversations.participant(connector.id, userId),
        maxAttachmentBytes: tuning.maxAttachmentBytes,
        streamTypes: settings.streamTypes,
      });
      const lists = await memberLists(client, self, repo.unknownStreams(connector.id, parsed.streamIds), tuning.conversationConcurrency, logger);
      const write: DatahoseBatch = {
        tag,
        ackId: batch.ackId ?? ackId,
        events: batch.events.length,
        lastEventAt: parsed.newest,
        conversations: parsed.conversations,
        memberLists: lists.read,
        memberships: [...parsed.memberships, ...standInMembers(parsed, lists.unreadable)],
        participants: [...lists.participants.map((participant) => ({ participant, resolved: true })), ...parsed.participants],
        items: parsed.items,
        suppressions: parsed.suppressions,
        gaps: [...lists.unreadable].map(([streamId, reason]) => ({ streamId, reason })),
      };
      const stored = repo.storeBatch(connector.id, pod, write, now());
      ackId = write.ackId;
      parsed.streamIds.forEach((id) => seen.add(id));
      account(summary, parsed, stored, batch.events.length, result);
      summary.datahose.gaps.opened += lists.unreadable.size;
      summary.conversations.listed = seen.size;
      progress({ phase: 'events', done: summary.datahose.events, total: 0, newItems: summary.items.new });
      if (batch.events.length === 0) break;
      // Caught up with the moment the run began: what comes after is the next run's.
      if (parsed.newest !== null && parsed.newest >= runStart) break;
    }
    for (const r of byStream.values()) {
      const c = repo.capture.conversations.conversation(connector.id, r.streamId);
      if (c) Object.assign(r, { streamType: c.streamType, name: c.name });
    }
    summary.results = [...byStream.values()];
    reportGaps(summary, repo, connector.id);
    await downloadPendingAttachments({ client, repo: repo.capture, connectorId: connector.id, spoolDir: path.join(options.paths.spool, connector.id), tuning, now, logger, signal: options.signal, summary, byStream, progress });
    await resolveUsers({ client, repo: repo.capture, connectorId: connector.id, self, logger, summary, progress, now });

    summary.conversations.failed = summary.results.filter((r) => r.error).length;
    summary.attachments.failed += summary.results.reduce((n, r) => n + r.attachmentsFailed, 0);
    summary.attachments.pending = repo.capture.counts(connector.id).attachments.pending;
    summary.retries = client.retries;
    summary.reauthentications = client.reauthentications;
    summary.finishedAt = now().toISOString();
    progress({ phase: 'done', done: summary.datahose.events, total: summary.datahose.events, newItems: summary.items.new });
    logger.info(
      `${connector.name}: ${summary.datahose.events} Datahose events in ${summary.datahose.batches} batches, ${summary.items.new} new items, ` +
        `${summary.datahose.suppressions} suppressions, ${summary.datahose.unreadable} unreadable events, ${summary.attachments.stored} attachments`,
    );
    return summary;
  } finally {
    await client.close();
  }
}

/**
 * A read that acknowledges the last stored batch. An agent that no longer knows that ackId (a
 * feed recreated on its side) answers 400: the batch it named is stored already, so reading on
 * without it loses nothing; whatever comes again is stored once.
 */
async function readAcknowledging(client: SymphonyClient, tag: string, ackId: string, logger: Logger): Promise<{ events: unknown[]; ackId: string | null }> {
  try {
    return await readBatch(client, readBody(tag, ackId));
  } catch (error) {
    const refusedAck = ackId !== '' && ArchiverError.is(error) && error.cause instanceof SymphonyHttpError && error.cause.status === 400;
    if (!refusedAck) throw error;
    logger.warn(`the agent refused the stored ackId (${error.message}); reading the feed "${tag}" without it`);
    return readBatch(client, readBody(tag, ''));
  }
}

type ListedParticipant = { userId: string; email: string; displayName: string; external: boolean };

/**
 * Member lists of conversations new to the store, read through the admin API. A list that cannot
 * be read, for whatever reason (a 400 for another pod's stream, a 403 without the role, a pod
 * that keeps failing), is a gap: the batch is stored with what its events carry and acknowledged,
 * so that one conversation never blocks the feed. Only cancellation stops the batch.
 */
async function memberLists(
  client: SymphonyClient,
  self: SessionInfo,
  streamIds: readonly string[],
  concurrency: number,
  logger: Logger,
): Promise<{ read: { streamId: string; members: MemberRecord[] }[]; participants: ListedParticipant[]; unreadable: Map<string, string> }> {
  const read: { streamId: string; members: MemberRecord[] }[] = [];
  const participants: ListedParticipant[] = [];
  const unreadable = new Map<string, string>();
  const limit = pLimit(concurrency);
  await Promise.all(
    streamIds.map((streamId) =>
      limit(async () => {
        const list = await readMemberList(client, self, streamId);
        if ('reason' in list) {
          unreadable.set(streamId, list.reason);
          logger.warn(`members of ${streamId} cannot be read (${list.reason}); its senders and room events stand in for the member list until a later run reads it`);
          return;
        }
        read.push({ streamId, members: list.members });
        participants.push(...list.participants);
      }),
    ),
  );
  return { read, participants, unreadable };
}

/** One member list, or why it could not be read; throws only when cancelled. */
async function readMemberList(client: SymphonyClient, self: SessionInfo, streamId: string): Promise<{ members: MemberRecord[]; participants: ListedParticipant[] } | { reason: string }> {
  try {
    const members = await client.allMembers(streamId);
    return {
      members: members.map((m) => ({ userId: m.user.userId, isOwner: m.isOwner ?? false, joinDate: m.joinDate ?? null })),
      participants: members.map((m) => ({
        userId: m.user.userId,
        email: m.user.email,
        displayName: m.user.displayName || [m.user.firstName, m.user.lastName].filter(Boolean).join(' '),
        external: m.user.isExternal ?? (self.company !== '' && m.user.company !== '' && m.user.company !== self.company),
      })),
    };
  } catch (error) {
    if (ArchiverError.is(error) && error.code === 'cancelled') throw error;
    return { reason: describeFailure(error, streamId).message };
  }
}

/** Reads the member lists earlier runs could not; returns how many gaps it filled. */
async function fillGaps(client: SymphonyClient, self: SessionInfo, repo: DatahoseRepository, connectorId: string, concurrency: number, now: () => Date, logger: Logger): Promise<number> {
  const gaps = repo.openGaps(connectorId);
  let filled = 0;
  const limit = pLimit(concurrency);
  await Promise.all(
    gaps.map((gap) =>
      limit(async () => {
        const list = await readMemberList(client, self, gap.streamId);
        if ('reason' in list) {
          repo.memberGapStillOpen(connectorId, gap.streamId, list.reason, now());
          return;
        }
        repo.fillMemberGap(connectorId, gap.streamId, list.members, list.participants, now());
        filled++;
        logger.info(`members of ${gap.streamId} read at last (${list.members.length}); the gap opened ${gap.openedAt} is filled`);
      }),
    ),
  );
  return filled;
}

/** Every gap still open is reported, with its reason, until a run fills it. */
function reportGaps(summary: DatahoseSummary, repo: DatahoseRepository, connectorId: string): void {
  const open = repo.openGaps(connectorId);
  summary.datahose.gaps.open = open.length;
  for (const gap of open) {
    summary.warnings.push(
      `The member list of conversation ${gap.streamId} could not be read (${gap.reason}; ${gap.attempts} attempt${gap.attempts === 1 ? '' : 's'} since ${gap.openedAt}): its messages are archived with their senders as the members; a later run reads the list when Symphony gives it.`,
    );
  }
}

function standInMembers(parsed: ParsedEvents, unreadable: ReadonlyMap<string, string>): DatahoseMembership[] {
  return parsed.senders.filter((s) => unreadable.has(s.streamId)).map((s) => ({ streamId: s.streamId, userId: s.userId, current: true, onlyIfAbsent: true }));
}

function account(
  summary: DatahoseSummary,
  parsed: ParsedEvents,
  stored: { inserted: number; insertedByStream: Map<string, number>; suppressions: number; conversations: number },
  events: number,
  result: (streamId: string) => ConversationResult,
): void {
  summary.datahose.events += events;
  if (events > 0) summary.datahose.batches++;
  summary.datahose.suppressions += stored.suppressions;
  summary.datahose.ignored += parsed.ignored;
  summary.datahose.unreadable += parsed.problems.length;
  summary.items.new += stored.inserted;
  summary.conversations.new += stored.conversations;
  for (const [streamId, n] of stored.insertedByStream) result(streamId).newItems += n;
  for (const p of parsed.problems) {
    const value = describeFailure(new ArchiverError({ code: 'internal', message: p.message, detail: p.detail, target: p.eventId }), p.eventId);
    if (p.streamId) result(p.streamId).error = value;
    else summary.warnings.push(`${p.message} (event ${p.eventId})`);
  }
}
