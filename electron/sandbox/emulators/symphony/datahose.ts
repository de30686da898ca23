import { randomBytes } from 'node:crypto';
import type { EmEvent, PodState } from './model';
import { v4Event } from './views';

export interface DatahoseOptions {
  /** The pod holds the Datahose add-on and the account its entitlements (default true). */
  entitled?: boolean;
  /**
   * Where a feed created by an unknown tag starts. Symphony documents Datahose as a real-time
   * feed: it starts at its creation ('now', the default). 'beginning' serves the pod's whole
   * history, which tests use to get a large backlog without generating it after the fact.
   */
  feedStart?: 'now' | 'beginning';
  /** Most events in one answer (default 100). */
  batchSize?: number;
  /**
   * How long a delivered batch stays invisible before its events are queued again when its ackId
   * never comes back (Datafeed 2's default is 30 s; 0 re-delivers at the next read).
   */
  visibilityTimeoutMs?: number;
  /** Long poll: how long a read waits for events before answering with none (default 100 ms). */
  waitMs?: number;
}

export const DATAHOSE_EVENT_TYPES = [
  'MESSAGESENT',
  'MESSAGESUPPRESSED',
  'SYMPHONYELEMENTSACTION',
  'SHAREDPOST',
  'INSTANTMESSAGECREATED',
  'ROOMCREATED',
  'ROOMUPDATED',
  'ROOMDEACTIVATED',
  'ROOMREACTIVATED',
  'USERREQUESTEDTOJOINROOM',
  'USERJOINEDROOM',
  'USERLEFTROOM',
  'ROOMMEMBERPROMOTEDTOOWNER',
  'ROOMMEMBERDEMOTEDFROMOWNER',
  'CONNECTIONREQUESTED',
  'CONNECTIONACCEPTED',
] as const;
const SCOPES = ['INTERNAL', 'EXTERNAL', 'FEDERATED'];

interface Batch {
  ackId: string;
  events: EmEvent[];
  deadline: number;
}

export interface FeedState {
  key: string;
  tag: string;
  /** Next log position not yet handed out. */
  cursor: number;
  /** Events of batches whose ackId never came back, handed out again first. */
  requeued: EmEvent[];
  inflight: Map<string, Batch>;
  issued: Set<string>;
  eventTypes: Set<string>;
  scopes: Set<string> | null;
  delivered: number;
  acknowledged: number;
}

export type DatahoseAnswer = { status: 200; value: { events: unknown[]; ackId: string } } | { status: number; message: string };

/**
 * POST /agent/v5/events/read over the pod's event log. A feed is identified by its tag and
 * filters; it hands out batches in log order. A batch is re-delivered (after the visibility
 * timeout) until its ackId comes back with a later read; an ackId already used is ignored, one
 * the feed never issued is refused (400), as Datafeed 2 refuses a malformed ackId.
 */
export class DatahoseService {
  readonly feeds = new Map<string, FeedState>();
  eventsServed = 0;

  constructor(
    private readonly pod: PodState,
    public options: DatahoseOptions = {},
  ) {}

  async read(rawBody: string): Promise<DatahoseAnswer> {
    if (this.options.entitled === false) {
      return { status: 403, message: 'Datahose is not enabled for this pod or the user lacks the entitlements to use it' };
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      return { status: 400, message: 'Request body is not JSON' };
    }
    if (body.type !== 'datahose') return { status: 400, message: 'type must be "datahose"' };
    if (typeof body.tag !== 'string' || body.tag.length < 1 || body.tag.length > 80) return { status: 400, message: 'tag must be 1 to 80 characters' };
    const types = body.eventTypes;
    if (!Array.isArray(types) || types.length === 0 || types.some((t) => !(DATAHOSE_EVENT_TYPES as readonly unknown[]).includes(t))) {
      return { status: 400, message: 'eventTypes must list at least one valid real-time event type' };
    }
    const scopes = body.scopes;
    if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => !SCOPES.includes(s as string)))) return { status: 400, message: 'scopes must be INTERNAL, EXTERNAL or FEDERATED' };
    if (body.ackId !== undefined && typeof body.ackId !== 'string') return { status: 400, message: 'ackId must be a string' };
    const feed = this.feed(body.tag, types as string[], scopes as string[] | undefined);
    const ackId = (body.ackId as string | undefined) ?? '';
    if (ackId) {
      if (!feed.issued.has(ackId)) return { status: 400, message: 'The format of the provided ackId may be incorrect' };
      const acked = feed.inflight.get(ackId);
      if (acked) {
        feed.inflight.delete(ackId);
        feed.acknowledged += acked.events.length;
      }
    }
    let events = this.take(feed);
    const waitUntil = Date.now() + (this.options.waitMs ?? 100);
    while (events.length === 0 && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 20));
      events = this.take(feed);
    }
    const next = randomBytes(12).toString('base64url');
    feed.issued.add(next);
    if (events.length > 0) {
      feed.inflight.set(next, { ackId: next, events, deadline: Date.now() + (this.options.visibilityTimeoutMs ?? 30_000) });
      feed.delivered += events.length;
      this.eventsServed += events.length;
    }
    return { status: 200, value: { events: events.map((e) => v4Event(this.pod, e)), ackId: next } };
  }

  private feed(tag: string, types: string[], scopes: string[] | undefined): FeedState {
    const key = `${tag}\n${[...types].sort().join(',')}\n${scopes ? [...scopes].sort().join(',') : '*'}`;
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = {
        key,
        tag,
        cursor: this.options.feedStart === 'beginning' ? 0 : this.pod.log.length,
        requeued: [],
        inflight: new Map(),
        issued: new Set(),
        eventTypes: new Set(types),
        scopes: scopes && scopes.length > 0 ? new Set(scopes) : null,
        delivered: 0,
        acknowledged: 0,
      };
      this.feeds.set(key, feed);
    }
    return feed;
  }

  private take(feed: FeedState): EmEvent[] {
    const now = Date.now();
    const expired = [...feed.inflight.values()].filter((b) => b.deadline <= now).sort((a, b) => a.events[0]!.seq - b.events[0]!.seq);
    for (const b of expired) {
      feed.inflight.delete(b.ackId);
      feed.requeued.push(...b.events);
    }
    feed.requeued.sort((a, b) => a.seq - b.seq);
    const size = this.options.batchSize ?? 100;
    const out = feed.requeued.splice(0, size);
    const log = this.pod.log;
    while (out.length < size && feed.cursor < log.length) {
      const e = log[feed.cursor++]!;
      if (this.matches(feed, e)) out.push(e);
    }
    return out;
  }

  private matches(feed: FeedState, e: EmEvent): boolean {
    if (!feed.eventTypes.has(e.type)) return false;
    if (!feed.scopes) return true;
    const stream = this.pod.streams.get(e.streamId);
    return feed.scopes.has(stream?.external ? 'EXTERNAL' : 'INTERNAL');
  }
}
