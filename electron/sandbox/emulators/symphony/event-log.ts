/**
 * What the log needs of a conversation. Declared here rather than imported from model.ts, which
 * builds its log from these functions: the pod's `EmStream` fits it, with no import going back.
 */
export interface LoggedStream {
  id: string;
  type: 'IM' | 'MIM' | 'ROOM';
  name: string;
  created: number;
  createdBy: bigint;
  members: ReadonlyMap<bigint, { joinDate: number; left?: boolean }>;
  messages: ReadonlyArray<{ id: string; timestamp: number; sender: bigint }>;
}

/** One entry of the pod's event log, which Datahose feeds read (rendered to V4Event on delivery). */
export interface EmEvent {
  /** Position in the log. */
  seq: number;
  id: string;
  timestamp: number;
  type: EmEventType;
  streamId: string;
  initiator: bigint;
  messageId?: string;
  /** The user joined, left, promoted or demoted. */
  affected?: bigint;
  /** ROOMCREATED / ROOMUPDATED: the room's name at that moment. */
  name?: string;
}

export type EmEventType =
  | 'MESSAGESENT'
  | 'MESSAGESUPPRESSED'
  | 'INSTANTMESSAGECREATED'
  | 'ROOMCREATED'
  | 'ROOMUPDATED'
  | 'ROOMDEACTIVATED'
  | 'ROOMREACTIVATED'
  | 'USERJOINEDROOM'
  | 'USERLEFTROOM'
  | 'ROOMMEMBERPROMOTEDTOOWNER'
  | 'ROOMMEMBERDEMOTEDFROMOWNER';

/** What happened when a conversation was made: created, then its first members joined. */
export function creationEvents(s: LoggedStream): Omit<EmEvent, 'seq' | 'id'>[] {
  const events: Omit<EmEvent, 'seq' | 'id'>[] = [];
  if (s.type === 'ROOM') {
    events.push({ timestamp: s.created, type: 'ROOMCREATED', streamId: s.id, initiator: s.createdBy, name: s.name });
    for (const [id, m] of s.members) if (id !== s.createdBy) events.push({ timestamp: m.joinDate, type: 'USERJOINEDROOM', streamId: s.id, initiator: s.createdBy, affected: id });
  } else {
    events.push({ timestamp: s.created, type: 'INSTANTMESSAGECREATED', streamId: s.id, initiator: s.createdBy });
  }
  return events;
}

/** A generated history as events, in time order (creation before messages at the same instant). */
export function history(streams: Iterable<LoggedStream>): Omit<EmEvent, 'seq' | 'id'>[] {
  const events: Omit<EmEvent, 'seq' | 'id'>[] = [];
  for (const s of streams) {
    events.push(...creationEvents(s));
    for (const m of s.messages) events.push({ timestamp: m.timestamp, type: 'MESSAGESENT', streamId: s.id, initiator: m.sender, messageId: m.id });
    for (const [id, m] of s.members) if (m.left) events.push({ timestamp: (s.messages.at(-1)?.timestamp ?? s.created) + 1, type: 'USERLEFTROOM', streamId: s.id, initiator: id, affected: id });
  }
  const order = new Map<object, number>();
  events.forEach((e, i) => order.set(e, i));
  return events.sort((a, b) => a.timestamp - b.timestamp || order.get(a)! - order.get(b)!);
}
