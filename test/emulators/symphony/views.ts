import { toStandard, type EmMessage, type EmStream, type EmUser, type PodState } from './model';

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
  const user: Record<string, unknown> = { userId: u.id, firstName: u.firstName || undefined, lastName: u.lastName || undefined, displayName: u.displayName };
  // Another firm's users come without e-mail or username: the client must look them up.
  if (!u.external) Object.assign(user, { email: u.email, username: u.username });
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
    firstName: u.firstName || null,
    lastName: u.lastName || null,
    displayName: u.displayName,
    company: u.company,
    username: u.username,
    accountType: u.accountType,
    avatars: [{ size: 'original', url: '../avatars/static/150/default.png' }],
  };
  if (!u.external) out.roles = u.roles;
  return out;
}
