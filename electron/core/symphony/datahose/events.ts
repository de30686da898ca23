import { z } from 'zod';
import { ArchiverError } from '../../../../shared/errors';
import type { Participant, StreamType } from '../../model/captured';
import type { NewItem } from '../../store/repos/capture';
import type { ConversationChange, MembershipChange } from '../../store/repos/conversations';
import type { Suppression } from '../../store/repos/datahose';
import { toUrlSafeId } from '../ids';
import { toNewItem } from '../messages';
import { int64, num, optionalString } from '../schemas';

/**
 * The real-time events the archiver asks Datahose for: messages, suppressions, and the room and
 * IM events that tell who is in a conversation and what it is called. Names as in the agent
 * spec's V5EventsReadBody.eventTypes.
 */
export const DATAHOSE_EVENT_TYPES = [
  'MESSAGESENT',
  'MESSAGESUPPRESSED',
  'INSTANTMESSAGECREATED',
  'ROOMCREATED',
  'ROOMUPDATED',
  'ROOMDEACTIVATED',
  'ROOMREACTIVATED',
  'USERJOINEDROOM',
  'USERLEFTROOM',
  'ROOMMEMBERPROMOTEDTOOWNER',
  'ROOMMEMBERDEMOTEDFROMOWNER',
] as const;

const v4UserSchema = z.looseObject({
  userId: int64,
  displayName: optionalString,
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: optionalString,
  username: z.string().nullish(),
});

const v4StreamSchema = z.looseObject({
  streamId: z.string().min(1),
  streamType: z.string().nullish(),
  roomName: z.string().nullish(),
  external: z.boolean().nullish(),
  crossPod: z.boolean().nullish(),
  members: z.array(v4UserSchema).nullish(),
});

const roomPropertiesSchema = z.looseObject({ name: z.string().nullish(), external: z.boolean().nullish(), crossPod: z.boolean().nullish(), creatorUser: v4UserSchema.nullish() });

const eventSchema = z.looseObject({
  id: z.string().nullish(),
  messageId: z.string().nullish(),
  timestamp: num.nullish(),
  type: z.string(),
  diagnostic: z.string().nullish(),
  initiator: z.looseObject({ user: z.looseObject({ userId: int64 }).nullish() }).nullish(),
  payload: z.record(z.string(), z.unknown()).nullish(),
});

/** V5EventList: the batch and the ackId that acknowledges it on the next read. */
export const eventListSchema = z.looseObject({
  events: z.array(z.unknown()).nullish().transform((v) => v ?? []),
  ackId: z.string().nullish(),
});

/** An event that could not be used; reported, never dropped in silence. */
export interface EventProblem {
  streamId: string | null;
  eventId: string;
  message: string;
  detail?: string;
}

export interface ParsedEvents {
  conversations: ConversationChange[];
  memberships: MembershipChange[];
  participants: { participant: Participant; resolved: boolean }[];
  items: { streamId: string; item: NewItem }[];
  suppressions: Suppression[];
  /** Senders per stream, to stand in for members where the member list cannot be read. */
  senders: { streamId: string; userId: string }[];
  /** Every stream the batch concerns, in first-seen order. */
  streamIds: string[];
  problems: EventProblem[];
  /** Events of types or conversation kinds the connector does not archive. */
  ignored: number;
  newest: number | null;
}

export interface ParseContext {
  known: (userId: string) => Participant | undefined;
  maxAttachmentBytes: number;
  /** The connector's conversation kinds (settings.symphony.streamTypes). */
  streamTypes: readonly string[];
}

/** The event kinds the archiver reads; any other type is counted as ignored. */
export type DatahoseEventType = (typeof DATAHOSE_EVENT_TYPES)[number];
type DatahoseEvent = z.infer<typeof eventSchema>;
type V4User = z.infer<typeof v4UserSchema>;
type V4Stream = z.infer<typeof v4StreamSchema>;

/** One event being read: the event, its id for reports, and the batch it adds to. */
interface EventInput {
  event: DatahoseEvent;
  eventId: string;
  batch: BatchCollector;
}

/**
 * Turns one batch of V4Events into what the store keeps, one handler per event kind
 * (`EVENT_HANDLERS`). MESSAGESENT carries the same V4Message as the v4 read, so it goes through
 * the same `toNewItem` (canonical JSON, SHA-256, attachments).
 */
export function parseEvents(raw: readonly unknown[], ctx: ParseContext): ParsedEvents {
  const batch = new BatchCollector(ctx);
  raw.forEach((value, index) => {
    const parsed = eventSchema.safeParse(value);
    if (!parsed.success) {
      batch.out.problems.push({ streamId: null, eventId: `#${index}`, message: 'Symphony sent an event the archiver cannot read.', detail: issues(parsed.error) });
      return;
    }
    const event = parsed.data;
    if (event.timestamp != null) batch.out.newest = Math.max(batch.out.newest ?? event.timestamp, event.timestamp);
    // Own keys only: an event type such as `constructor` is not one of ours.
    if (!Object.hasOwn(EVENT_HANDLERS, event.type)) {
      batch.out.ignored++;
      return;
    }
    EVENT_HANDLERS[event.type as DatahoseEventType]({ event, eventId: event.id ?? `#${index}`, batch });
  });
  return batch.out;
}

/** What one batch has read so far, and the connector's rules for reading the rest. */
class BatchCollector {
  readonly out: ParsedEvents = { conversations: [], memberships: [], participants: [], items: [], suppressions: [], senders: [], streamIds: [], problems: [], ignored: 0, newest: null };
  private readonly streams = new Set<string>();

  constructor(readonly ctx: ParseContext) {}

  /** Notes a stream the batch concerns, once, in first-seen order. */
  touch(streamId: string): void {
    if (this.streams.has(streamId)) return;
    this.streams.add(streamId);
    this.out.streamIds.push(streamId);
  }

  /** Whether the connector archives this conversation kind (an unknown kind is read). */
  allowed(type: string | null | undefined): boolean {
    return !type || this.ctx.streamTypes.includes(type);
  }

  /** A user of an event as a participant, completed from what the archiver already knows of them. */
  person(u: V4User): Participant {
    const known = this.ctx.known(u.userId);
    const p: Participant = {
      userId: u.userId,
      email: u.email || known?.email || '',
      displayName: u.displayName || [u.firstName, u.lastName].filter(Boolean).join(' ') || known?.displayName || '',
      external: known?.external ?? false,
    };
    const username = u.username ?? known?.username;
    if (username) p.username = username;
    return p;
  }

  /** A member change of a stream, with the member as a participant to resolve. */
  join(streamId: string, u: V4User, change: Omit<MembershipChange, 'streamId' | 'userId'>): void {
    this.out.participants.push({ participant: this.person(u), resolved: false });
    this.out.memberships.push({ streamId, userId: u.userId, ...change });
  }
}

function messageSent({ event: e, eventId, batch }: EventInput): void {
  const message = (e.payload?.messageSent as { message?: unknown } | undefined)?.message;
  const stream = v4StreamSchema.safeParse((message as { stream?: unknown } | undefined)?.stream);
  if (!message || !stream.success) {
    const id = e.messageId ?? 'without an id';
    batch.out.problems.push({
      streamId: stream.success ? toUrlSafeId(stream.data.streamId) : null,
      eventId,
      message: `Symphony announced message ${id} but did not deliver it${e.diagnostic ? ` (${e.diagnostic})` : ''}; it could not be archived from Datahose.`,
      detail: e.diagnostic ?? undefined,
    });
    return;
  }
  if (!batch.allowed(stream.data.streamType)) {
    batch.out.ignored++;
    return;
  }
  const streamId = toUrlSafeId(stream.data.streamId);
  try {
    const item = toNewItem(message, batch.ctx.known, batch.ctx.maxAttachmentBytes);
    batch.touch(streamId);
    batch.out.conversations.push(conversationOf(stream.data, stream.data.streamType === 'ROOM' ? stream.data.roomName || undefined : undefined));
    batch.out.items.push({ streamId, item });
    batch.out.senders.push({ streamId, userId: item.sender.userId });
  } catch (error) {
    const value = ArchiverError.is(error) ? error.toValue() : { message: String(error), detail: undefined };
    batch.out.problems.push({ streamId, eventId, message: value.message, detail: value.detail });
  }
}

const suppressedSchema = z.looseObject({ messageId: z.string().min(1), stream: z.looseObject({ streamId: z.string().min(1) }) });

function messageSuppressed({ event: e, eventId, batch }: EventInput): void {
  const payload = suppressedSchema.safeParse(e.payload?.messageSuppressed);
  if (!payload.success) {
    batch.out.problems.push({ streamId: null, eventId, message: 'Symphony reported a suppressed message the archiver cannot identify; the suppression was not recorded.', detail: issues(payload.error) });
    return;
  }
  const suppressedBy = e.initiator?.user?.userId ?? null;
  batch.out.suppressions.push({ messageId: toUrlSafeId(payload.data.messageId), streamId: toUrlSafeId(payload.data.stream.streamId), suppressedAt: e.timestamp ?? 0, suppressedBy });
}

const streamPayloadSchema = z.looseObject({ stream: v4StreamSchema, affectedUser: v4UserSchema.nullish(), roomProperties: roomPropertiesSchema.nullish(), newRoomProperties: roomPropertiesSchema.nullish() });
type StreamPayload = z.infer<typeof streamPayloadSchema>;
/** What a room or IM event says: its stream, its affected user, and the room's properties (old or new). */
type StreamFacts = Pick<StreamPayload, 'stream' | 'affectedUser'> & { properties: StreamPayload['roomProperties'] };
type MemberJoin = [V4User, Omit<MembershipChange, 'streamId' | 'userId'>];

/** How a room or IM event changes its conversation. */
interface StreamEventRule {
  /** Where the payload keeps its stream and affected user. */
  payloadKey: string;
  /** The conversation kind when the stream does not name it. */
  defaultType: 'IM' | 'ROOM';
  /** Whether the event says the conversation is active (or not); left as is when absent. */
  active?: boolean;
  /** The member changes the event carries. */
  members(facts: StreamFacts, at: number | null): MemberJoin[];
}

const noMembers = (): MemberJoin[] => [];
/** The event's affected user, with this change. */
const affected =
  (change: (at: number | null) => MemberJoin[1]) =>
  ({ affectedUser }: StreamFacts, at: number | null): MemberJoin[] =>
    affectedUser ? [[affectedUser, change(at)]] : [];

/** A room or IM event: its conversation (name, flags, active) and the member changes it carries. */
function streamEvent(rule: StreamEventRule): (input: EventInput) => void {
  return ({ event: e, eventId, batch }) => {
    const payload = streamPayloadSchema.safeParse(e.payload?.[rule.payloadKey]);
    if (!payload.success) {
      batch.out.problems.push({ streamId: null, eventId, message: `Symphony sent a ${e.type} event the archiver cannot read; membership or names may be out of date until the next one.`, detail: issues(payload.error) });
      return;
    }
    const { stream, affectedUser } = payload.data;
    const streamType = stream.streamType ?? rule.defaultType;
    if (!batch.allowed(streamType)) {
      batch.out.ignored++;
      return;
    }
    const streamId = toUrlSafeId(stream.streamId);
    const properties = payload.data.roomProperties ?? payload.data.newRoomProperties;
    const conversation = conversationOf({ ...stream, streamType }, properties?.name ?? stream.roomName ?? undefined);
    if (properties?.external != null) conversation.external = properties.external;
    if (rule.active !== undefined) conversation.active = rule.active;
    batch.touch(streamId);
    batch.out.conversations.push(conversation);
    for (const [user, change] of rule.members({ stream, affectedUser, properties }, e.timestamp ?? null)) batch.join(streamId, user, change);
  };
}

/** A room event (the stream is a room unless it says otherwise). */
function roomEvent(payloadKey: string, rule: Partial<Pick<StreamEventRule, 'active' | 'members'>> = {}): (input: EventInput) => void {
  return streamEvent({ payloadKey, defaultType: 'ROOM', members: noMembers, ...rule });
}

/**
 * One handler per event kind the archiver asks for (DATAHOSE_EVENT_TYPES): a kind added there
 * does not compile until it has one here, and nothing here goes unasked for.
 */
const EVENT_HANDLERS: Record<DatahoseEventType, (input: EventInput) => void> = {
  MESSAGESENT: messageSent,
  MESSAGESUPPRESSED: messageSuppressed,
  INSTANTMESSAGECREATED: streamEvent({ payloadKey: 'instantMessageCreated', defaultType: 'IM', active: true, members: ({ stream }, at) => (stream.members ?? []).map((m) => [m, { current: true, joinDate: at }]) }),
  ROOMCREATED: roomEvent('roomCreated', { active: true, members: ({ properties }, at) => (properties?.creatorUser ? [[properties.creatorUser, { current: true, isOwner: true, joinDate: at }]] : []) }),
  ROOMUPDATED: roomEvent('roomUpdated'),
  ROOMDEACTIVATED: roomEvent('roomDeactivated', { active: false }),
  ROOMREACTIVATED: roomEvent('roomReactivated', { active: true }),
  USERJOINEDROOM: roomEvent('userJoinedRoom', { members: affected((at) => ({ current: true, joinDate: at })) }),
  USERLEFTROOM: roomEvent('userLeftRoom', { members: affected(() => ({ current: false })) }),
  ROOMMEMBERPROMOTEDTOOWNER: roomEvent('roomMemberPromotedToOwner', { members: affected(() => ({ current: true, isOwner: true })) }),
  ROOMMEMBERDEMOTEDFROMOWNER: roomEvent('roomMemberDemotedFromOwner', { members: affected(() => ({ current: true, isOwner: false })) }),
};

function conversationOf(stream: V4Stream, name: string | undefined): ConversationChange {
  const type = (['IM', 'MIM', 'ROOM', 'POST'].includes(stream.streamType ?? '') ? stream.streamType : name !== undefined ? 'ROOM' : 'IM') as StreamType;
  const c: ConversationChange = { streamId: toUrlSafeId(stream.streamId), streamType: type };
  if (name !== undefined) c.name = name;
  if (stream.external != null) c.external = stream.external;
  if (stream.crossPod != null) c.crossPod = stream.crossPod;
  return c;
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}
