import path from 'node:path';
import type { SymphonySettings } from '../../../../shared/contract/capture';
import { ArchiverError } from '../../../../shared/errors';
import type { StreamType } from '../../model/captured';
import type { Logger } from '../../platform/logger';
import { CaptureRepository } from '../../store/repos/capture';
import type { CaptureWriter } from '../../store/repos/capture-writer';
import { DatahoseRepository } from '../../store/repos/datahose';
import { finishCapture } from '../capture-steps';
import { SymphonyClient } from '../client';
import { describeFailure } from '../errors';
import { cancelledError, SymphonyHttpError } from '../http';
import { emptySummary, type CaptureSummary, type ConversationResult, type SourceContext } from '../source';
import { storeBatch, type StoredPart } from './batch';
import { parseEvents, type ParseContext } from './events';
import { fillGaps, gapWarning, readMemberLists } from './members';
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
 *  2. reads the member list of conversations new to the store (admin API); one that cannot be
 *     read is a gap (members.ts): the senders stand in, every run reports it, a later one fills it;
 *  3. stores the batch's conversations, members, items (the same V4Message → item path as the
 *     member reader) and suppressions together with the batch's ackId, in one transaction, or,
 *     when the store refuses the batch's data, event by event (batch.ts): no poison batch;
 *  4. stops at an empty read (the backlog is read) or once the feed has reached the run's start,
 *     so a busy pod cannot keep a scheduled run going for ever; then downloads attachments and
 *     looks up users like the member reader.
 * A crash before step 3 commits leaves the previous ackId: the batch comes again and nothing is
 * stored twice. Throws when Datahose cannot be read at all, or when cancelled.
 */
export async function captureDatahose(options: SourceContext<SymphonySettings>, writer: CaptureWriter): Promise<DatahoseSummary> {
  const { tuning, clock, connector, settings, progress } = options;
  const logger = options.logger.scope('datahose');
  const repo = new DatahoseRepository(options.store);
  const capture = new CaptureRepository(options.store);
  const now = () => new Date(clock.now());
  const runStart = clock.now();
  const pod = writer.pod;
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
      const known = capture.conversations.conversation(connector.id, streamId);
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
    summary.datahose.gaps.filled = await fillGaps({ client, self, repo, writer, connectorId: connector.id, concurrency: tuning.conversationConcurrency, now, logger });
    for (;;) {
      if (options.signal?.aborted) throw cancelledError(options.signal);
      const batch = await readAcknowledging(client, tag, ackId, logger);
      const parse: ParseContext = {
        known: (userId) => capture.conversations.participant(connector.id, userId),
        maxAttachmentBytes: tuning.maxAttachmentBytes,
        streamTypes: settings.streamTypes,
      };
      const parsed = parseEvents(batch.events, parse);
      const lists = await readMemberLists(client, self, capture.conversations.unknownStreamIds(connector.id, parsed.streamIds), tuning.conversationConcurrency, logger);
      const next = batch.ackId ?? ackId;
      for (const part of storeBatch(writer, repo, { connectorId: connector.id, tag, previousAckId: ackId, ackId: next, raw: batch.events, parsed, lists, parse, now, logger })) account(summary, part, result);
      ackId = next;
      if (batch.events.length > 0) summary.datahose.batches++;
      parsed.streamIds.forEach((id) => seen.add(id));
      summary.conversations.listed = seen.size;
      progress({ phase: 'events', done: summary.datahose.events, total: 0, newItems: summary.items.new });
      if (batch.events.length === 0) break;
      // Caught up with the moment the run began: what comes after is the next run's.
      if (parsed.newest !== null && parsed.newest >= runStart) break;
    }
    for (const r of byStream.values()) {
      const c = capture.conversations.conversation(connector.id, r.streamId);
      if (c) Object.assign(r, { streamType: c.streamType, name: c.name });
    }
    summary.results = [...byStream.values()];
    const open = repo.openGaps(connector.id);
    summary.datahose.gaps.open = open.length;
    summary.warnings.push(...open.map(gapWarning));
    await finishCapture({ client, repo: capture, writer, self, connectorId: connector.id, spoolDir: path.join(options.paths.spool, connector.id), tuning, now, logger, signal: options.signal, summary, byStream, progress });
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

function account(summary: DatahoseSummary, part: StoredPart, result: (streamId: string) => ConversationResult): void {
  const { parsed, stored } = part;
  summary.datahose.events += part.events;
  summary.datahose.gaps.opened += part.gaps;
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
