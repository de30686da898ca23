import type { Delivery, DeliveryRepository, OpenCursor } from '../store/repos/deliveries';

/** Where the feeder reads open deliveries: one mailbox at a time, one page at a time. */
export interface DeliverySource<C> {
  /** Mailboxes with something to deliver, in the order they are started. */
  mailboxes(): Iterable<string>;
  /** The mailbox's next deliveries after `cursor` (undefined: from its start); an empty page ends it. */
  page(mailbox: string, cursor: C | undefined, limit: number): { rows: Delivery[]; next: C };
}

export interface FeedOptions<C> {
  source: DeliverySource<C>;
  /** Deliveries at once across all mailboxes; asked again whenever one starts, so it may follow an adaptive cap. */
  slots: () => number;
  /** Deliveries at once per mailbox. */
  perMailbox: number;
  /** Rows read from the source per page and mailbox. */
  pageSize?: number;
  /** Works one delivery to its end; must not reject. */
  deliver: (delivery: Delivery) => Promise<void>;
  /** True once nothing new may start (cancelled, sign-in lost); those running finish. */
  stopped?: () => boolean;
}

interface MailboxFeed<C> {
  mailbox: string;
  buffer: Delivery[];
  cursor: C | undefined;
  running: number;
  /** The source has nothing more for it. */
  exhausted: boolean;
  /** It cannot be written: nothing more of it starts. */
  dropped: boolean;
  /** It is in the ready queue. */
  queued: boolean;
}

/**
 * Feeds open deliveries to the importer: mailboxes in rotation, so that the global cap keeps many
 * mailboxes busy at once (each allows only 4 requests in flight), and the ledger read a page at a
 * time, so that memory holds what runs plus a page per busy mailbox — not every open delivery
 * (a bank's backlog is a million rows). A mailbox joins the rotation when the running ones do not
 * fill the slots and leaves it when its rows run out, so a mailbox with a large backlog never
 * starves the others and one with a single row never holds a slot idle.
 */
export class DeliveryFeeder<C> {
  private readonly feeds = new Map<string, MailboxFeed<C>>();
  /** Mailboxes that can start one more delivery, first in, first out. */
  private ready: Array<MailboxFeed<C>> = [];
  private readyHead = 0;
  private readonly upcoming: Iterator<string>;
  private running = 0;
  private finished = false;
  private failure: unknown = undefined;
  private readonly settle: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };

  constructor(private readonly options: FeedOptions<C>) {
    this.upcoming = options.source.mailboxes()[Symbol.iterator]();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.settle = { promise, resolve, reject };
  }

  /** Resolves when every delivery of the source ran (or, once stopped, when the running ones ended). */
  run(): Promise<void> {
    this.pump();
    return this.settle.promise;
  }

  /** Deliveries of the mailbox running now. */
  runningIn(mailbox: string): number {
    return this.feeds.get(mailbox)?.running ?? 0;
  }

  /** The mailbox cannot be written: nothing more of it starts; returns how many read rows it let go. */
  drop(mailbox: string): number {
    let feed = this.feeds.get(mailbox);
    if (!feed) {
      feed = this.feed(mailbox);
      this.feeds.set(mailbox, feed);
    }
    const discarded = feed.buffer.length;
    feed.buffer = [];
    feed.dropped = true;
    return discarded;
  }

  private pump(): void {
    const stopped = this.options.stopped ?? (() => false);
    try {
      while (this.failure === undefined && !stopped() && this.running < this.options.slots()) {
        const feed = this.nextReady();
        if (!feed) break;
        const delivery = this.take(feed);
        if (!delivery) {
          this.forgetIfIdle(feed);
          continue;
        }
        this.start(feed, delivery);
        if (feed.running < this.options.perMailbox) this.enqueue(feed);
      }
    } catch (error) {
      // The ledger could not be read (a storage failure): nothing more starts, the running ones end.
      this.failure = error;
    }
    if (this.running === 0 && !this.finished) {
      this.finished = true;
      if (this.failure === undefined) this.settle.resolve();
      else this.settle.reject(this.failure);
    }
  }

  private start(feed: MailboxFeed<C>, delivery: Delivery): void {
    this.running++;
    feed.running++;
    void this.options.deliver(delivery).finally(() => {
      this.running--;
      feed.running--;
      if (!feed.exhausted && !feed.dropped) this.enqueue(feed);
      else this.forgetIfIdle(feed);
      this.pump();
    });
  }

  /** The next mailbox that may start one: from the rotation, else a new one from the source. */
  private nextReady(): MailboxFeed<C> | undefined {
    for (;;) {
      if (this.readyHead < this.ready.length) {
        const feed = this.ready[this.readyHead++]!;
        if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
          this.ready = this.ready.slice(this.readyHead);
          this.readyHead = 0;
        }
        feed.queued = false;
        if (feed.dropped || feed.exhausted || feed.running >= this.options.perMailbox) continue;
        return feed;
      }
      const next = this.upcoming.next();
      if (next.done) return undefined;
      if (this.feeds.has(next.value)) continue;
      const feed = this.feed(next.value);
      this.feeds.set(next.value, feed);
      return feed;
    }
  }

  private take(feed: MailboxFeed<C>): Delivery | undefined {
    if (feed.dropped) return undefined;
    if (feed.buffer.length === 0 && !feed.exhausted) {
      const page = this.options.source.page(feed.mailbox, feed.cursor, this.options.pageSize ?? 16);
      feed.cursor = page.next;
      feed.buffer = page.rows;
      if (page.rows.length === 0) feed.exhausted = true;
    }
    return feed.buffer.shift();
  }

  private enqueue(feed: MailboxFeed<C>): void {
    if (feed.queued) return;
    feed.queued = true;
    this.ready.push(feed);
  }

  private forgetIfIdle(feed: MailboxFeed<C>): void {
    // A dropped mailbox stays known so that the source's later mention of it is not started again.
    if (feed.running === 0 && feed.exhausted && !feed.dropped) this.feeds.delete(feed.mailbox);
  }

  private feed(mailbox: string): MailboxFeed<C> {
    return { mailbox, buffer: [], cursor: undefined, running: 0, exhausted: false, dropped: false, queued: false };
  }
}

/** Every open delivery of the connector, read from the ledger a page at a time per mailbox. */
export function ledgerSource(repo: DeliveryRepository, connectorId: string): DeliverySource<OpenCursor> {
  return {
    mailboxes: () => repo.openMailboxes(connectorId),
    page: (mailbox, cursor, limit) => repo.openPage(connectorId, mailbox, cursor, limit),
  };
}

/** A few deliveries already in memory (those a settle reopened). */
export function listSource(deliveries: readonly Delivery[]): DeliverySource<number> {
  const byMailbox = new Map<string, Delivery[]>();
  for (const d of deliveries) byMailbox.set(d.mailbox, [...(byMailbox.get(d.mailbox) ?? []), d]);
  return {
    mailboxes: () => byMailbox.keys(),
    page: (mailbox, cursor = 0, limit) => {
      const rows = (byMailbox.get(mailbox) ?? []).slice(cursor, cursor + limit);
      return { rows, next: cursor + rows.length };
    },
  };
}
