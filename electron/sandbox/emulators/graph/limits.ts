/**
 * Outlook's per-mailbox service limits, enforced the way Graph answers them: a fifth concurrent
 * request, the request-rate window and the upload budget all give 429 with Retry-After.
 * Windows are configurable so that tests can scale five minutes down to seconds.
 */
export interface LimitOptions {
  concurrency: number;
  requestsPerWindow: number;
  requestWindowMs: number;
  uploadBytesPerWindow: number;
  uploadWindowMs: number;
  maxRequestBytes: number;
  /** Largest item (message plus attachments); Exchange Online's default is 35 MB, admins raise it to 150 MB. */
  maxItemBytes: number;
  sessionTtlMs: number;
}

export const realLimits: LimitOptions = {
  concurrency: 4,
  requestsPerWindow: 10_000,
  requestWindowMs: 10 * 60_000,
  uploadBytesPerWindow: 150 * 1024 * 1024,
  uploadWindowMs: 5 * 60_000,
  maxRequestBytes: 4 * 1024 * 1024,
  maxItemBytes: 35 * 1024 * 1024,
  sessionTtlMs: 15 * 60_000,
};

interface Window {
  events: Array<{ at: number; amount: number }>;
}

export class MailboxLimiter {
  private readonly inflight = new Map<string, number>();
  private readonly requests = new Map<string, Window>();
  private readonly uploads = new Map<string, Window>();
  readonly maxConcurrent = new Map<string, number>();

  constructor(private readonly limits: LimitOptions, private readonly now: () => number) {}

  /** Counts the request in; returns the seconds to wait when it must be refused. */
  enter(mailbox: string, uploadBytes: number): { refused: false } | { refused: true; retryAfterSec: number; reason: string } {
    const current = (this.inflight.get(mailbox) ?? 0) + 1;
    this.inflight.set(mailbox, current);
    this.maxConcurrent.set(mailbox, Math.max(this.maxConcurrent.get(mailbox) ?? 0, current));
    if (current > this.limits.concurrency) return { refused: true, retryAfterSec: 1, reason: 'Application is over its MailboxConcurrency limit.' };
    const now = this.now();
    const requestWait = this.check(this.requests, mailbox, 1, this.limits.requestsPerWindow, this.limits.requestWindowMs, now);
    if (requestWait > 0) return { refused: true, retryAfterSec: Math.ceil(requestWait / 1000), reason: 'Application is over its request rate limit for this mailbox.' };
    if (uploadBytes > 0) {
      const uploadWait = this.check(this.uploads, mailbox, uploadBytes, this.limits.uploadBytesPerWindow, this.limits.uploadWindowMs, now);
      if (uploadWait > 0) return { refused: true, retryAfterSec: Math.ceil(uploadWait / 1000), reason: 'Application is over its upload limit for this mailbox.' };
    }
    this.record(this.requests, mailbox, 1, now);
    if (uploadBytes > 0) this.record(this.uploads, mailbox, uploadBytes, now);
    return { refused: false };
  }

  leave(mailbox: string): void {
    this.inflight.set(mailbox, Math.max(0, (this.inflight.get(mailbox) ?? 1) - 1));
  }

  /** Milliseconds until `amount` fits in the window; 0 when it fits now. */
  private check(map: Map<string, Window>, key: string, amount: number, limit: number, windowMs: number, now: number): number {
    const window = map.get(key) ?? { events: [] };
    map.set(key, window);
    while (window.events.length && window.events[0]!.at <= now - windowMs) window.events.shift();
    let used = window.events.reduce((sum, e) => sum + e.amount, 0);
    if (used + amount <= limit) return 0;
    for (const event of window.events) {
      used -= event.amount;
      if (used + amount <= limit) return Math.max(1, event.at + windowMs - now);
    }
    return windowMs;
  }

  private record(map: Map<string, Window>, key: string, amount: number, now: number): void {
    map.get(key)!.events.push({ at: now, amount });
  }
}
