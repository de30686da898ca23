import { ArchiverError } from '../../../../shared/errors';
import type { Logger } from '../../platform/logger';
import type { CaptureBatch, CaptureWriter } from '../../store/repos/capture-writer';
import type { MembershipChange } from '../../store/repos/conversations';
import type { DatahoseRepository, FeedAdvance } from '../../store/repos/datahose';
import { parseEvents, type EventProblem, type ParseContext, type ParsedEvents } from './events';
import type { MemberListRead } from './members';

/** What one write of (part of) a batch stored. */
export interface StoredBatch {
  inserted: number;
  insertedByStream: Map<string, number>;
  suppressions: number;
  conversations: number;
}

/** What one store call wrote, with the events it covered, for the run's accounting. */
export interface StoredPart {
  parsed: ParsedEvents;
  stored: StoredBatch;
  events: number;
  /** Member lists that could not be read (gaps opened by this part). */
  gaps: number;
}

export interface BatchInput {
  connectorId: string;
  tag: string;
  /** The ackId stored after the previous batch, and the one this batch came with. */
  previousAckId: string;
  ackId: string;
  raw: readonly unknown[];
  parsed: ParsedEvents;
  lists: ReadonlyMap<string, MemberListRead>;
  parse: ParseContext;
  now: () => Date;
  logger: Logger;
}

/**
 * Stores a batch with its ackId in one transaction. A batch the store refuses for what it holds (a
 * constraint the data breaks: a poison batch) must not block the feed: it is stored again event by
 * event under the previous ackId, each event the store still refuses is reported, and the batch is
 * then acknowledged. Any other failure (disk full, the file locked or damaged) is thrown: nothing
 * is acknowledged and the batch comes again.
 */
export function storeBatch(writer: CaptureWriter, feeds: DatahoseRepository, input: BatchInput): StoredPart[] {
  const write = (part: Composed): StoredBatch => {
    const written = writer.write(part.batch, () => feeds.advanceFeed(input.connectorId, part.feed, input.now()));
    return { inserted: written.inserted, insertedByStream: written.insertedByStream, suppressions: written.position.suppressions, conversations: written.newConversations.length };
  };
  const whole = compose(input, input.parsed, input.ackId, input.raw.length);
  try {
    return [{ parsed: input.parsed, stored: write(whole), events: input.raw.length, gaps: whole.feed.gaps.length }];
  } catch (error) {
    if (!isRefusedData(error)) throw error;
    input.logger.warn(`the store refused a Datahose batch of ${input.raw.length} events (${(error as Error).message}); storing its events one by one`);
  }
  const parts: StoredPart[] = [];
  const refused: EventProblem[] = [];
  input.raw.forEach((event, index) => {
    const parsed = parseEvents([event], input.parse);
    const one = compose(input, parsed, input.previousAckId, 1);
    try {
      parts.push({ parsed, stored: write(one), events: 1, gaps: one.feed.gaps.length });
    } catch (error) {
      if (!isRefusedData(error)) throw error;
      const id = (event as { id?: unknown } | null)?.id;
      const eventId = typeof id === 'string' ? id : `#${index}`;
      refused.push({ streamId: parsed.streamIds[0] ?? null, eventId, message: `The archive could not store Datahose event ${eventId} (${(error as Error).message}); it was skipped so that the feed goes on. Take its conversation from the member-stream reader or Content Export.`, detail: (error as Error).message });
    }
  });
  // Every event is stored or reported: now the batch may be acknowledged.
  const none = parseEvents([], input.parse);
  parts.push({ parsed: { ...none, problems: refused }, stored: write(compose(input, none, input.ackId, 0)), events: 0, gaps: 0 });
  return parts;
}

/** The capture tables' part of some events of the batch, and how far they move the feed. */
interface Composed {
  batch: CaptureBatch;
  feed: FeedAdvance;
}

/** The write for some events of the batch: their conversations, the member lists they need, their items. */
function compose(input: BatchInput, parsed: ParsedEvents, ackId: string, events: number): Composed {
  const lists = parsed.streamIds.map((streamId) => [streamId, input.lists.get(streamId)] as const).filter((e): e is readonly [string, MemberListRead] => e[1] !== undefined);
  const read = lists.flatMap(([streamId, list]) => ('reason' in list ? [] : [{ streamId, list }]));
  const unreadable = new Map(lists.flatMap(([streamId, list]) => ('reason' in list ? [[streamId, list.reason] as const] : [])));
  const standIns: MembershipChange[] = parsed.senders.filter((s) => unreadable.has(s.streamId)).map((s) => ({ streamId: s.streamId, userId: s.userId, current: true, onlyIfAbsent: true }));
  return {
    batch: {
      conversations: parsed.conversations,
      memberLists: read.map(({ streamId, list }) => ({ streamId, members: list.members })),
      memberships: [...parsed.memberships, ...standIns],
      participants: [...read.flatMap(({ list }) => list.participants.map((participant) => ({ participant, resolved: true }))), ...parsed.participants],
      items: parsed.items,
    },
    feed: { tag: input.tag, ackId, events, lastEventAt: parsed.newest, suppressions: parsed.suppressions, gaps: [...unreadable].map(([streamId, reason]) => ({ streamId, reason })) },
  };
}

/**
 * SQLite refusing the data itself (a constraint, a type or size it cannot take), as opposed to the
 * environment (SQLITE_FULL, SQLITE_BUSY, SQLITE_IOERR…), which must stop the run instead.
 */
function isRefusedData(error: unknown): boolean {
  if (ArchiverError.is(error)) return false;
  const code = (error as { code?: unknown; name?: unknown } | null)?.code;
  return (error as { name?: unknown } | null)?.name === 'SqliteError' && typeof code === 'string' && /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/.test(code);
}
