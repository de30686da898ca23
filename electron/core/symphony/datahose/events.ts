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

/** Where a payload keeps its stream and affected user, by event type. */
const STREAM_PAYLOADS: Record<string, string> = {
  INSTANTMESSAGECREATED: 'instantMessageCreated',
  ROOMCREATED: 'roomCreated',
  ROOMUPDATED: 'roomUpdated',
  ROOMDEACTIVATED: 'roomDeactivated',
  ROOMREACTIVATED: 'roomReactivated',
  USERJOINEDROOM: 'userJoinedRoom',
  USERLEFTROOM: 'userLeftRoom',
  ROOMMEMBERPROMOTEDTOOWNER: 'roomMemberPromotedToOwner',
  ROOMMEMBERDEMOTEDFROMOWNER: 'roomMemberDemotedFromOwner',
};

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

/**
 * Turns one batch of V4Events into what the store keeps. MESSAGESENT carries the same V4Message
 * as the v4 read, so it goes through the same `toNewItem` (canonical JSON, SHA-256, attachments).
 */
export function parseEvents(raw: readonly unknown[], ctx: ParseContext): ParsedEvents {
  const out: ParsedEvents = { conversations: [], memberships: [], participants: [], items: [], suppressions: [], senders: [], streamIds: [], problems: [], ignored: 0, newest: null };
  const streams = new Set<string>();
  const touch = (streamId: string) => {
    if (!streams.has(streamId)) {
      streams.add(streamId);
      out.streamIds.push(streamId);
    }
  };
  const allowed = (type: string | null | undefined) => !type || ctx.streamTypes.includes(type);
  const person = (u: z.infer<typeof v4UserSchema>): Participant => {
    const known = ctx.known(u.userId);
    const p: Participant = {
      userId: u.userId,
      email: u.email || known?.email || '',
      displayName: u.displayName || [u.firstName, u.lastName].filter(Boolean).join(' ') || known?.displayName || '',
      external: known?.external ?? false,
    };
    const username = u.username ?? known?.username;
    if (username) p.username = username;
    return p;
  };

  raw.forEach((value, index) => {
    const parsed = eventSchema.safeParse(value);
    if (!parsed.success) {
      out.problems.push({ streamId: null, eventId: `#${index}`, message: 'Symphony sent an event the archiver cannot read.', detail: issues(parsed.error) });
      return;
    }
    const e = parsed.data;
    const eventId = e.id ?? `#${index}`;
    if (e.timestamp != null) out.newest = Math.max(out.newest ?? e.timestamp, e.timestamp);
    const by = e.initiator?.user?.userId ?? null;

    if (e.type === 'MESSAGESENT') {
      const message = (e.payload?.messageSent as { message?: unknown } | undefined)?.message;
      const stream = v4StreamSchema.safeParse((message as { stream?: unknown } | undefined)?.stream);
      if (!message || !stream.success) {
        const id = e.messageId ?? 'without an id';
        out.problems.push({
          streamId: stream.success ? toUrlSafeId(stream.data.streamId) : null,
          eventId,
          message: `Symphony announced message ${id} but did not deliver it${e.diagnostic ? ` (${e.diagnostic})` : ''}; it could not be archived from Datahose.`,
          detail: e.diagnostic ?? undefined,
        });
        return;
      }
      if (!allowed(stream.data.streamType)) {
        out.ignored++;
        return;
      }
      const streamId = toUrlSafeId(stream.data.streamId);
      try {
        const item = toNewItem(message, ctx.known, ctx.maxAttachmentBytes);
        touch(streamId);
        out.conversations.push(conversationOf(stream.data, stream.data.streamType === 'ROOM' ? stream.data.roomName || undefined : undefined));
        out.items.push({ streamId, item });
        out.senders.push({ streamId, userId: item.sender.userId });
      } catch (error) {
        const value = ArchiverError.is(error) ? error.toValue() : { message: String(error), detail: undefined };
        out.problems.push({ streamId, eventId, message: value.message, detail: value.detail });
      }
      return;
    }

    if (e.type === 'MESSAGESUPPRESSED') {
      const payload = z.looseObject({ messageId: z.string().min(1), stream: z.looseObject({ streamId: z.string().min(1) }) }).safeParse(e.payload?.messageSuppressed);
      if (!payload.success) {
        out.problems.push({ streamId: null, eventId, message: 'Symphony reported a suppressed message the archiver cannot identify; the suppression was not recorded.', detail: issues(payload.error) });
        return;
      }
      out.suppressions.push({ messageId: toUrlSafeId(payload.data.messageId), streamId: toUrlSafeId(payload.data.stream.streamId), suppressedAt: e.timestamp ?? 0, suppressedBy: by });
      return;
    }

    const key = STREAM_PAYLOADS[e.type];
    if (!key) {
      out.ignored++;
      return;
    }
    const payload = z
      .looseObject({ stream: v4StreamSchema, affectedUser: v4UserSchema.nullish(), roomProperties: roomPropertiesSchema.nullish(), newRoomProperties: roomPropertiesSchema.nullish() })
      .safeParse(e.payload?.[key]);
    if (!payload.success) {
      out.problems.push({ streamId: null, eventId, message: `Symphony sent a ${e.type} event the archiver cannot read; membership or names may be out of date until the next one.`, detail: issues(payload.error) });
      return;
    }
    const { stream, affectedUser } = payload.data;
    const streamType = stream.streamType ?? (e.type === 'INSTANTMESSAGECREATED' ? 'IM' : 'ROOM');
    if (!allowed(streamType)) {
      out.ignored++;
      return;
    }
    const streamId = toUrlSafeId(stream.streamId);
    const properties = payload.data.roomProperties ?? payload.data.newRoomProperties;
    const conversation = conversationOf({ ...stream, streamType }, properties?.name ?? stream.roomName ?? undefined);
    if (properties?.external != null) conversation.external = properties.external;
    if (e.type === 'ROOMDEACTIVATED') conversation.active = false;
    if (e.type === 'ROOMREACTIVATED' || e.type === 'ROOMCREATED' || e.type === 'INSTANTMESSAGECREATED') conversation.active = true;
    touch(streamId);
    out.conversations.push(conversation);
    const join = (u: z.infer<typeof v4UserSchema>, change: Omit<MembershipChange, 'streamId' | 'userId'>) => {
      out.participants.push({ participant: person(u), resolved: false });
      out.memberships.push({ streamId, userId: u.userId, ...change });
    };
    if (e.type === 'INSTANTMESSAGECREATED') for (const m of stream.members ?? []) join(m, { current: true, joinDate: e.timestamp ?? null });
    if (e.type === 'ROOMCREATED' && properties?.creatorUser) join(properties.creatorUser, { current: true, isOwner: true, joinDate: e.timestamp ?? null });
    if (affectedUser) {
      if (e.type === 'USERJOINEDROOM') join(affectedUser, { current: true, joinDate: e.timestamp ?? null });
      if (e.type === 'USERLEFTROOM') join(affectedUser, { current: false });
      if (e.type === 'ROOMMEMBERPROMOTEDTOOWNER') join(affectedUser, { current: true, isOwner: true });
      if (e.type === 'ROOMMEMBERDEMOTEDFROMOWNER') join(affectedUser, { current: true, isOwner: false });
    }
  });
  return out;
}

function conversationOf(stream: z.infer<typeof v4StreamSchema>, name: string | undefined): ConversationChange {
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
