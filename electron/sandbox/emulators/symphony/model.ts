import { messageContent, type MentionTarget } from './content';
import { creationEvents, history, type EmEvent } from './event-log';
import { Prng } from '../prng';
import { normaliseId, toStandard, urlSafe } from './ids';
import type { EmAttachment, EmMessage, EmStream, EmStreamType, EmUser, PodOptions } from './pod-types';

export { normaliseId, opaqueToken, toStandard, urlSafe } from './ids';
export { attachmentChunks, attachmentSha256 } from './attachment-bytes';

export type { EmEvent, EmEventType } from './event-log';

export type { EmAttachment, EmMember, EmMessage, EmStream, EmStreamType, EmUser, PodOptions } from './pod-types';

export const POD_COMPANY = 'Acme Capital';
/** 2^53 + 1: the first integer a double cannot hold. */
export const LARGE_ID_BASE = 2n ** 53n + 1n;
export const POD_COMPANY_ID = 130;
const EXTERNAL_COMPANIES = [
  { name: 'Globex Bank', id: 197 },
  { name: 'Initech Securities', id: 242 },
  { name: 'بنك الخليج', id: 311 },
];
const FIRST = ['Anna', 'Björn', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Grace', 'Hiro', 'Ingrid', 'José', 'Kwame', 'Léa', 'Mohammed', 'Nadia', 'Olivier', 'Priya', 'Quentin', 'Rania', 'Sven', 'Tomás', 'Ümit', 'Wei', 'Yael', 'Zoë'];
const LAST = ['Smith', 'Müller', 'Dubois', 'Rossi', 'García', "O'Brien", 'Nakamura', 'Kowalski', 'Haddad', 'Cohen', 'Nguyen', 'Van der Berg', 'Ørsted', 'Li'];
const ROOM_NAMES = ['Rates desk', 'FX flow 🌍', 'Équipe conformité', 'Credit — EMEA', 'Deal room «Atlas»', 'غرفة التداول', 'צוות מסחר', 'IPO 🚀 war room', '<b>Not bold</b> & co', 'Morning call'];
const FILE_NAMES = ['report.pdf', 'chart.png', 'trades.csv', 'notes.txt', 'deck.pptx', 'model.xlsx', 'photo.jpg', 'contract.docx', 'résumé final (2).pdf', '报告.pdf', 'no-extension', 'archive.zip'];

/** The whole pod: users, streams, messages. Deterministic for a seed; mutable through the admin API. */
export class PodState {
  readonly users = new Map<bigint, EmUser>();
  readonly streams = new Map<string, EmStream>();
  readonly serviceAccount: EmUser;
  /**
   * Everything that happened in the pod, in the order Datahose delivers it: the generated history
   * sorted by time once generated, then each change as it is made.
   */
  readonly log: EmEvent[] = [];
  private logging = false;
  private seq = 0;
  private readonly rng: Prng;
  private readonly eventRng: Prng;
  private attachmentSeed = 1;

  constructor(readonly options: PodOptions = {}) {
    this.rng = new Prng(options.seed ?? 1);
    // Event ids come from their own generator so that the content stays what it was before events existed.
    this.eventRng = new Prng(`events:${options.seed ?? 1}`);
    this.serviceAccount = this.addUser(
      { username: 'archiver-bot', firstName: '', lastName: '', displayName: 'Archiver Bot', company: POD_COMPANY, companyId: POD_COMPANY_ID, external: false, accountType: 'SYSTEM', roles: ['INDIVIDUAL', 'USER_PROVISIONING'] },
      options.largeIds ? LARGE_ID_BASE : 13537736917000n,
    );
    this.generate();
    for (const e of history(this.streams.values())) this.log.push({ ...e, seq: this.log.length, id: urlSafe(this.eventRng.bytes(6)) });
    this.logging = true;
  }

  addUser(u: Omit<EmUser, 'id' | 'email'> & { email?: string }, id?: bigint): EmUser {
    const user: EmUser = { ...u, id: id ?? this.nextUserId(u.external), email: u.email ?? `${u.username}@${u.company.toLowerCase().replace(/[^a-z]+/g, '')}.example.com` };
    this.users.set(user.id, user);
    return user;
  }

  private userCounter = 0;
  private nextUserId(external: boolean): bigint {
    this.userCounter++;
    if (this.options.largeIds) return LARGE_ID_BASE + 2n * BigInt(this.userCounter);
    // Other firms' pods have ids beyond 2^53: a client that parses them as doubles corrupts them.
    return external ? 9007199254740993n + BigInt(this.userCounter) * 7n : 13537736917001n + BigInt(this.userCounter);
  }

  /** The generated history: people, then conversations, then their messages, then attachments (one seeded draw order). */
  private generate(): void {
    const o = this.options;
    const { internal, external } = this.generatePeople();
    const start = o.start ?? Date.UTC(2025, 0, 1);
    const end = o.end ?? Date.now() - 24 * 3600_000;
    const streams = this.generateStreams(internal, external, start, end);
    const burst = o.burst ?? 0;
    const perStream = this.messageShares(streams.length, burst);
    streams.forEach((stream, i) => this.fillStream(stream, perStream[i]!, end, i === 0 ? burst : 0));
    this.generateAttachments(streams);
  }

  private generatePeople(): { internal: EmUser[]; external: EmUser[] } {
    const o = this.options;
    const rng = this.rng;
    const internal: EmUser[] = [];
    const external: EmUser[] = [];
    for (let i = 0; i < (o.internalUsers ?? 40); i++) {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      internal.push(this.addUser({ username: `user${i}`, firstName: first, lastName: last, displayName: `${first} ${last}`, company: POD_COMPANY, companyId: POD_COMPANY_ID, external: false, accountType: 'NORMAL', roles: ['INDIVIDUAL'] }));
    }
    for (let i = 0; i < (o.externalUsers ?? 10); i++) {
      const company = EXTERNAL_COMPANIES[i % EXTERNAL_COMPANIES.length]!;
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      external.push(this.addUser({ username: `ext${i}`, firstName: first, lastName: last, displayName: `${first} ${last} (${company.name})`, company: company.name, companyId: company.id, external: true, accountType: 'NORMAL', roles: ['INDIVIDUAL'] }));
    }
    return { internal, external };
  }

  /** Half IMs, a fifth group chats, the rest rooms; one in five with an external counterparty. */
  private generateStreams(internal: EmUser[], external: EmUser[], start: number, end: number): EmStream[] {
    const rng = this.rng;
    const nonMember = this.options.nonMemberStreams ?? 0;
    const streams: EmStream[] = [];
    for (let i = 0; i < (this.options.conversations ?? 20); i++) {
      const roll = rng.next();
      const type: EmStreamType = roll < 0.5 ? 'IM' : roll < 0.7 ? 'MIM' : 'ROOM';
      const withExternal = external.length > 0 && rng.chance(0.2);
      const size = type === 'IM' ? 2 : type === 'MIM' ? rng.int(3, 6) : rng.int(3, 25);
      const people = new Set<EmUser>();
      if (withExternal) people.add(rng.pick(external));
      while (people.size < Math.min(size, internal.length + (withExternal ? 1 : 0))) people.add(rng.pick(internal));
      const created = start + rng.int(0, Math.max(1, Math.floor((end - start) / 10)));
      streams.push(this.addStream({ type, name: type === 'ROOM' ? `${rng.pick(ROOM_NAMES)} ${i}` : '', members: [...people].map((p) => p.id), created, serviceAccountMember: i >= nonMember, external: withExternal }));
    }
    return streams;
  }

  /** How many messages each stream gets: skewed, a few busy rooms and many quiet IMs. */
  private messageShares(streamCount: number, burst: number): number[] {
    const rng = this.rng;
    const weights = Array.from({ length: streamCount }, () => 1 / (1 + rng.int(0, 20)));
    const total = weights.reduce((a, b) => a + b, 0);
    const messageCount = this.options.messages ?? 500;
    const perStream = weights.map((w) => Math.floor((w / total) * messageCount));
    let rest = messageCount - perStream.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % perStream.length, rest--) perStream[i]!++;
    // The burst stream needs more than one page of messages; take them from the busiest others.
    for (let deficit = burst + 10 - perStream[0]!; burst > 0 && deficit > 0 && perStream.length > 1; ) {
      const richest = perStream.indexOf(Math.max(...perStream.slice(1)), 1);
      if (perStream[richest]! <= 1) break;
      const take = Math.min(deficit, perStream[richest]! - 1);
      perStream[richest]! -= take;
      perStream[0]! += take;
      deficit -= take;
    }
    return perStream;
  }

  /** `count` messages between the stream's creation and `end`, the first `burst` of them on one timestamp. */
  private fillStream(stream: EmStream, count: number, end: number, burst: number): void {
    const rng = this.rng;
    let n = count;
    let ts = stream.created;
    const step = Math.max(1, Math.floor((end - stream.created) / Math.max(1, n + 1)));
    const senders = [...stream.members.keys()].filter((id) => id !== this.serviceAccount.id);
    if (burst > 0) {
      const at = ts + 1000;
      for (let k = 0; k < burst && n > 0; k++, n--) this.pushMessage(stream, at, rng.pick(senders), rng);
      ts = at;
    }
    for (; n > 0; n--) {
      // Equal timestamps happen (same millisecond): about one message in twenty.
      ts += rng.chance(0.05) ? 0 : rng.int(1, step * 2);
      const previous = stream.messages.at(-1);
      if (previous && rng.chance(this.options.editRate ?? 0.03)) this.pushEdit(stream, previous, ts, rng);
      else this.pushMessage(stream, ts, rng.pick(senders), rng);
    }
    // Some people left after talking: their messages stay, the membership list forgets them.
    if (stream.type === 'ROOM' && senders.length > 3 && rng.chance(0.3)) {
      const leaver = stream.members.get(senders[0]!);
      if (leaver) leaver.left = true;
    }
  }

  /** Mostly small files, a few up to `maxAttachmentBytes`, and the requested number over 150 MB. */
  private generateAttachments(streams: EmStream[]): void {
    const o = this.options;
    const rng = this.rng;
    const all = streams.flatMap((s) => s.messages.filter((m) => !m.replacing));
    const sizes = (): number => {
      const roll = rng.next();
      const max = o.maxAttachmentBytes ?? 2 * 1024 * 1024;
      if (roll < 0.02) return 0;
      if (roll < 0.4) return rng.int(1, 2048);
      if (roll < 0.8) return rng.int(2048, Math.min(max, 100 * 1024));
      if (roll < 0.97) return rng.int(Math.min(max, 100 * 1024), Math.min(max, 1024 * 1024));
      return rng.int(Math.min(max, 1024 * 1024), max);
    };
    for (let i = 0; i < (o.attachments ?? 20) && all.length > 0; i++) this.attach(rng.pick(all), sizes(), rng);
    for (let i = 0; i < (o.hugeAttachments ?? 0) && all.length > 0; i++) this.attach(rng.pick(all), 150 * 1024 * 1024 + rng.int(1, 50 * 1024 * 1024), rng);
  }

  addStream(spec: { type: EmStreamType; name?: string; members: bigint[]; created?: number; serviceAccountMember?: boolean; external?: boolean }): EmStream {
    const created = spec.created ?? Date.now();
    const stream: EmStream = {
      id: urlSafe(this.rng.bytes(24)),
      type: spec.type,
      name: spec.name ?? '',
      external: spec.external ?? spec.members.some((m) => this.users.get(m)?.external),
      active: true,
      isPublic: spec.type === 'ROOM' && this.rng.chance(0.2),
      createdBy: spec.members[0]!,
      created,
      lastModified: created,
      members: new Map(),
      messages: [],
    };
    spec.members.forEach((id, i) => stream.members.set(id, { joinDate: created + i, owner: i === 0 && spec.type === 'ROOM' }));
    if (spec.serviceAccountMember ?? true) stream.members.set(this.serviceAccount.id, { joinDate: created, owner: false });
    this.streams.set(stream.id, stream);
    if (this.logging) creationEvents(stream).forEach((e) => this.record(e));
    return stream;
  }

  /** Adds a message now (or at `timestamp`), keeping the stream ordered. */
  addMessage(streamId: string, spec: { sender?: bigint; timestamp?: number; message?: string; data?: string; attachmentSizes?: number[]; edits?: string } = {}): EmMessage {
    const stream = this.streams.get(normaliseId(streamId));
    if (!stream) throw new Error(`no stream ${streamId}`);
    const rng = this.rng;
    const senders = [...stream.members.keys()].filter((id) => id !== this.serviceAccount.id);
    const ts = spec.timestamp ?? Math.max(Date.now(), stream.messages.at(-1)?.timestamp ?? 0);
    let m: EmMessage;
    if (spec.edits) {
      const original = stream.messages.find((x) => x.id === normaliseId(spec.edits!));
      if (!original) throw new Error(`no message ${spec.edits}`);
      m = this.pushEdit(stream, original, ts, rng);
    } else {
      m = this.pushMessage(stream, ts, spec.sender ?? rng.pick(senders), rng);
    }
    if (spec.message !== undefined) m.message = spec.message;
    if (spec.data !== undefined) m.data = spec.data;
    for (const size of spec.attachmentSizes ?? []) this.attach(m, size, rng);
    return m;
  }

  attach(m: EmMessage, size: number, rng: Prng = this.rng, declaredSize = size): EmAttachment {
    const a: EmAttachment = { id: `internal_${POD_COMPANY_ID}/${toStandard(urlSafe(rng.bytes(16)))}`, name: rng.pick(FILE_NAMES), size, declaredSize, seed: this.attachmentSeed++ };
    m.attachments.push(a);
    return a;
  }

  private pushMessage(stream: EmStream, ts: number, sender: bigint, rng: Prng): EmMessage {
    const people: MentionTarget[] = [...stream.members.keys()].map((id) => this.users.get(id)!).filter(Boolean);
    const content = messageContent(rng, people);
    const m: EmMessage = { id: urlSafe(rng.bytes(16)), standardIds: rng.chance(0.3), timestamp: ts, seq: this.seq++, sender, ...content, attachments: [] };
    this.insert(stream, m);
    return m;
  }

  private pushEdit(stream: EmStream, original: EmMessage, ts: number, rng: Prng): EmMessage {
    const content = messageContent(rng, []);
    const m: EmMessage = {
      id: urlSafe(rng.bytes(16)),
      standardIds: rng.chance(0.3),
      timestamp: Math.max(ts, original.timestamp),
      seq: this.seq++,
      sender: original.sender,
      ...content,
      attachments: [],
      replacing: original.id,
      initialTimestamp: original.initialTimestamp ?? original.timestamp,
      initialMessageId: original.initialMessageId ?? original.id,
    };
    original.replacedBy = m.id;
    this.insert(stream, m);
    return m;
  }

  private insert(stream: EmStream, m: EmMessage): void {
    if (this.logging) this.record({ timestamp: m.timestamp, type: 'MESSAGESENT', streamId: stream.id, initiator: m.sender, messageId: m.id });
    const list = stream.messages;
    let i = list.length;
    while (i > 0 && list[i - 1]!.timestamp > m.timestamp) i--;
    list.splice(i, 0, m);
    stream.lastModified = Math.max(stream.lastModified, m.timestamp);
  }

  /** A compliance officer suppresses a message: it stays in the pod's history, Datahose announces it. */
  suppress(streamId: string, messageId: string, by: bigint = this.serviceAccount.id, timestamp = Date.now()): EmEvent {
    const stream = this.streams.get(normaliseId(streamId));
    const m = stream?.messages.find((x) => x.id === normaliseId(messageId));
    if (!stream || !m) throw new Error(`no message ${messageId} in ${streamId}`);
    m.suppressed = true;
    return this.record({ timestamp, type: 'MESSAGESUPPRESSED', streamId: stream.id, initiator: by, messageId: m.id });
  }

  renameRoom(streamId: string, name: string, by?: bigint): EmEvent {
    const stream = this.streams.get(normaliseId(streamId));
    if (!stream || stream.type !== 'ROOM') throw new Error(`no room ${streamId}`);
    stream.name = name;
    stream.lastModified = Date.now();
    return this.record({ timestamp: Date.now(), type: 'ROOMUPDATED', streamId: stream.id, initiator: by ?? stream.createdBy, name });
  }

  /** A user joins (`joined`) or leaves a conversation. */
  setMember(streamId: string, userId: bigint, joined: boolean, by?: bigint): EmEvent {
    const stream = this.streams.get(normaliseId(streamId));
    if (!stream || !this.users.has(userId)) throw new Error(`no stream ${streamId} or user ${userId}`);
    const now = Date.now();
    if (joined) stream.members.set(userId, { joinDate: now, owner: false });
    else {
      const m = stream.members.get(userId);
      if (m) m.left = true;
    }
    return this.record({ timestamp: now, type: joined ? 'USERJOINEDROOM' : 'USERLEFTROOM', streamId: stream.id, initiator: by ?? userId, affected: userId });
  }

  private record(e: Omit<EmEvent, 'seq' | 'id'>): EmEvent {
    const event: EmEvent = { ...e, seq: this.log.length, id: urlSafe(this.eventRng.bytes(6)) };
    this.log.push(event);
    return event;
  }

  findMessage(streamId: string, messageId: string): EmMessage | undefined {
    const id = normaliseId(messageId);
    return this.streams.get(normaliseId(streamId))?.messages.find((m) => m.id === id);
  }

  /** Every message and attachment: what a perfect capture must end with. */
  inventory(): { messages: Map<string, { streamId: string; timestamp: number }>; attachments: { messageId: string; id: string; size: number; declaredSize: number; seed: number }[] } {
    const messages = new Map<string, { streamId: string; timestamp: number }>();
    const attachments: { messageId: string; id: string; size: number; declaredSize: number; seed: number }[] = [];
    for (const s of this.streams.values()) {
      for (const m of s.messages) {
        messages.set(m.id, { streamId: s.id, timestamp: m.timestamp });
        for (const a of m.attachments) attachments.push({ messageId: m.id, id: a.id, size: a.size, declaredSize: a.declaredSize, seed: a.seed });
      }
    }
    return { messages, attachments };
  }
}
