import { toStandard, type EmEvent, type EmMessage, type EmStream, type EmUser, type PodState } from './model';

/** The JSON shapes of the specs, rendered from the pod's state. */

/** V2AdminStreamInfo of pod-api-public.yaml. */
export function adminStream(pod: PodState, s: EmStream): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    createdByUserId: s.createdBy,
    createdDate: s.created,
    lastModifiedDate: s.lastModified,
    originCompany: pod.users.get(s.createdBy)?.company ?? '',
    originCompanyId: pod.users.get(s.createdBy)?.companyId ?? 0,
    membersCount: [...s.members.values()].filter((m) => !m.left).length,
    lastMessageDate: s.messages.at(-1)?.timestamp ?? s.created,
  };
  if (s.type === 'ROOM') Object.assign(attributes, { roomName: s.name, roomDescription: s.name });
  else attributes.members = [...s.members.entries()].filter(([, m]) => !m.left).map(([id]) => id);
  const out: Record<string, unknown> = { id: s.id, isExternal: s.external, isActive: s.active, type: s.type, crossPod: s.external, origin: 'INTERNAL', attributes };
  if (s.type === 'ROOM') out.isPublic = s.isPublic;
  return out;
}

/** V4Message of agent-api-public.yaml, ids in the form this message is served with. */
export function v4Message(pod: PodState, stream: EmStream, m: EmMessage): Record<string, unknown> {
  const u = pod.users.get(m.sender)!;
  const form = (id: string) => (m.standardIds ? toStandard(id) : id);
  // Another firm's users come without e-mail or username: the client must look them up.
  const user = v4User(u);
  const streamView: Record<string, unknown> = { streamId: form(stream.id), streamType: stream.type, external: stream.external, crossPod: stream.external };
  if (stream.type === 'ROOM') streamView.roomName = stream.name;
  const out: Record<string, unknown> = {
    messageId: form(m.id),
    timestamp: m.timestamp,
    message: m.message,
    data: m.data,
    user,
    stream: streamView,
    originalFormat: 'com.symphony.messageml.v2',
    userAgent: 'DESKTOP-25.8.1',
    sid: `${m.seq}-${stream.id.slice(0, 8)}`,
  };
  if (m.attachments.length) out.attachments = m.attachments.map((a) => ({ id: a.id, name: a.name, size: a.declaredSize, images: [] }));
  if (m.replacing) Object.assign(out, { replacing: form(m.replacing), initialTimestamp: m.initialTimestamp, initialMessageId: form(m.initialMessageId!) });
  if (m.replacedBy) out.replacedBy = form(m.replacedBy);
  return out;
}

/** UserV2 of pod-api-public.yaml. */
export function userV2(u: EmUser): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: u.id,
    emailAddress: u.email,
    // UserV2 types them string (not nullable): a user without one has none.
    firstName: u.firstName || undefined,
    lastName: u.lastName || undefined,
    displayName: u.displayName,
    company: u.company,
    username: u.username,
    accountType: u.accountType,
    avatars: [{ size: 'original', url: '../avatars/static/150/default.png' }],
  };
  if (!u.external) out.roles = u.roles;
  return out;
}

/** V4User of agent-api-public.yaml; other firms' users come without e-mail and username. */
export function v4User(u: EmUser): Record<string, unknown> {
  const user: Record<string, unknown> = { userId: u.id, firstName: u.firstName || undefined, lastName: u.lastName || undefined, displayName: u.displayName };
  if (!u.external) Object.assign(user, { email: u.email, username: u.username });
  return user;
}

/** V4Stream of an event (members only for INSTANTMESSAGECREATED, as the spec says). */
function v4Stream(pod: PodState, s: EmStream, withMembers: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { streamId: s.id, streamType: s.type, external: s.external, crossPod: s.external };
  if (s.type === 'ROOM') out.roomName = s.name;
  if (withMembers) out.members = [...s.members.keys()].map((id) => v4User(pod.users.get(id)!));
  return out;
}

/** V4Event of agent-api-public.yaml, as Datahose delivers it. */
export function v4Event(pod: PodState, e: EmEvent): Record<string, unknown> {
  const stream = pod.streams.get(e.streamId)!;
  const initiator = pod.users.get(e.initiator);
  const out: Record<string, unknown> = { id: e.id, timestamp: e.timestamp, type: e.type, initiator: { user: initiator ? v4User(initiator) : { userId: e.initiator } } };
  const affected = () => v4User(pod.users.get(e.affected!)!);
  const roomProperties = (name: string) => ({ name, creatorUser: v4User(pod.users.get(stream.createdBy)!), createdDate: stream.created, external: stream.external, crossPod: stream.external, public: stream.isPublic });
  switch (e.type) {
    case 'MESSAGESENT': {
      const m = stream.messages.find((x) => x.id === e.messageId)!;
      out.messageId = (m.standardIds ? toStandard(m.id) : m.id);
      out.payload = { messageSent: { message: v4Message(pod, stream, m) } };
      break;
    }
    case 'MESSAGESUPPRESSED':
      // The event's own messageId is not the suppressed message's (see Symphony's sample).
      out.messageId = `${e.id}_suppression`;
      out.payload = { messageSuppressed: { messageId: e.messageId, stream: { streamId: stream.id } } };
      break;
    case 'INSTANTMESSAGECREATED':
      out.payload = { instantMessageCreated: { stream: v4Stream(pod, stream, true) } };
      break;
    case 'ROOMCREATED':
      out.payload = { roomCreated: { stream: v4Stream(pod, stream, false), roomProperties: roomProperties(e.name ?? stream.name) } };
      break;
    case 'ROOMUPDATED':
      out.payload = { roomUpdated: { stream: v4Stream(pod, stream, false), newRoomProperties: roomProperties(e.name ?? stream.name) } };
      break;
    case 'ROOMDEACTIVATED':
      out.payload = { roomDeactivated: { stream: v4Stream(pod, stream, false) } };
      break;
    case 'ROOMREACTIVATED':
      out.payload = { roomReactivated: { stream: v4Stream(pod, stream, false) } };
      break;
    case 'USERJOINEDROOM':
      out.payload = { userJoinedRoom: { stream: v4Stream(pod, stream, false), affectedUser: affected() } };
      break;
    case 'USERLEFTROOM':
      out.payload = { userLeftRoom: { stream: v4Stream(pod, stream, false), affectedUser: affected() } };
      break;
    case 'ROOMMEMBERPROMOTEDTOOWNER':
      out.payload = { roomMemberPromotedToOwner: { stream: v4Stream(pod, stream, false), affectedUser: affected() } };
      break;
    case 'ROOMMEMBERDEMOTEDFROMOWNER':
      out.payload = { roomMemberDemotedFromOwner: { stream: v4Stream(pod, stream, false), affectedUser: affected() } };
      break;
  }
  return out;
}
