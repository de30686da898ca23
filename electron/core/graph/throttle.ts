import { MAILBOX_UPLOAD_BUDGET } from '../model/limits';
import { systemClock, type Clock } from '../platform/clock';
import { AdaptiveLimit, WindowCounter } from './adaptive-limit';
import { GraphRequestError } from './errors';

/** Outlook's per-app, per-mailbox limits (docs/decisions/graph-import.md (c)). */
export interface ThrottleLimits {
  perMailboxConcurrency: number;
  /** Requests in flight overall at the start; the cap then adapts (adaptive-limit.ts). */
  globalConcurrency: number;
  /** The most the adaptive cap may grow to (bounds sockets and memory on this machine). */
  maxGlobalConcurrency: number;
  /** Graph's per-app limit across all tenants: 130,000 requests per 10 seconds. */
  appRequestsPerWindow: number;
  appWindowMs: number;
  /** The mailbox's upload budget (`MAILBOX_UPLOAD_BUDGET`): a pace, not the message size limit. */
  uploadBytesPerWindow: number;
  uploadWindowMs: number;
  requestsPerWindow: number;
  requestWindowMs: number;
}

export const outlookLimits: ThrottleLimits = {
  perMailboxConcurrency: 4,
  globalConcurrency: 64,
  maxGlobalConcurrency: 4_096,
  appRequestsPerWindow: 130_000,
  appWindowMs: 10_000,
  uploadBytesPerWindow: MAILBOX_UPLOAD_BUDGET.bytes,
  uploadWindowMs: MAILBOX_UPLOAD_BUDGET.windowMs,
  requestsPerWindow: 10_000,
  requestWindowMs: 10 * 60_000,
};

export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}

interface MailboxState {
  slots: Semaphore;
  pausedUntil: number;
  uploads: Array<{ at: number; bytes: number }>;
  requests: number[];
}

/**
 * Every Graph request goes through here: at most N in flight per mailbox and an adaptive number
 * overall, a mailbox answered 429/503 with Retry-After waits before its next request, request
 * bodies are debited from the mailbox's upload budget before they are sent, and the app's own
 * request rate stays under Graph's per-app limit, so the service's limits are met rather than
 * discovered.
 */
export class MailboxThrottle {
  private readonly mailboxes = new Map<string, MailboxState>();
  private readonly global: AdaptiveLimit;
  private readonly app: WindowCounter;

  constructor(
    readonly limits: ThrottleLimits = outlookLimits,
    private readonly clock: Clock = systemClock,
  ) {
    const max = Math.max(limits.globalConcurrency, limits.maxGlobalConcurrency);
    this.global = new AdaptiveLimit({ initial: limits.globalConcurrency, min: Math.min(limits.perMailboxConcurrency, limits.globalConcurrency), max });
    this.app = new WindowCounter(limits.appWindowMs, limits.appRequestsPerWindow);
  }

  get inFlight(): number {
    return this.global.inFlight;
  }

  /** The overall cap as it stands now (it grows while Graph answers fast, shrinks on push-back). */
  get globalLimit(): number {
    return this.global.limit;
  }

  /**
   * Runs `fn` holding one of the mailbox's slots; `uploadBytes` is the request body size. `fn`
   * calls `sent()` as its request leaves: the latency that teaches the global cap is measured from
   * there, so our own work before it (the ledger's commit of `sending`, an fsync that a busy disk
   * makes slow) does not read as Graph slowing down and shrink the cap.
   */
  async run<T>(mailbox: string, uploadBytes: number, fn: (sent: () => void) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const state = this.state(mailbox);
    await state.slots.acquire();
    try {
      await this.waitForBudget(state, uploadBytes, signal);
      await this.global.acquire();
      const inFlightAtStart = this.global.inFlight - 1;
      let startedAt = performance.now();
      try {
        const result = await fn(() => (startedAt = performance.now()));
        this.global.onAnswer(performance.now() - startedAt, startedAt, inFlightAtStart);
        return result;
      } catch (error) {
        // Latency is real time whatever clock the throttle waits on; only answers teach the cap.
        if (error instanceof GraphRequestError) {
          if (error.status === 429 || error.status === 503) this.global.onPushBack(startedAt);
          else this.global.onAnswer(performance.now() - startedAt, startedAt, inFlightAtStart);
        }
        throw error;
      } finally {
        this.global.release();
      }
    } finally {
      state.slots.release();
    }
  }

  /** A Retry-After from the service: no request to this mailbox starts before it has passed. */
  pause(mailbox: string, ms: number): void {
    const state = this.state(mailbox);
    state.pausedUntil = Math.max(state.pausedUntil, this.clock.now() + ms);
  }

  private async waitForBudget(state: MailboxState, bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      let wait = state.pausedUntil - now;
      const { uploadWindowMs, uploadBytesPerWindow, requestWindowMs, requestsPerWindow } = this.limits;
      while (state.uploads.length && state.uploads[0]!.at <= now - uploadWindowMs) state.uploads.shift();
      while (state.requests.length && state.requests[0]! <= now - requestWindowMs) state.requests.shift();
      if (bytes > 0) {
        let used = state.uploads.reduce((sum, u) => sum + u.bytes, 0);
        for (const entry of state.uploads) {
          if (used + bytes <= uploadBytesPerWindow) break;
          used -= entry.bytes;
          wait = Math.max(wait, entry.at + uploadWindowMs - now + 1);
        }
      }
      if (state.requests.length >= requestsPerWindow) wait = Math.max(wait, state.requests[state.requests.length - requestsPerWindow]! + requestWindowMs - now + 1);
      wait = Math.max(wait, this.app.waitMs(now));
      if (wait <= 0) break;
      await this.clock.sleep(wait, signal);
    }
    const now = this.clock.now();
    if (bytes > 0) state.uploads.push({ at: now, bytes });
    state.requests.push(now);
    this.app.record(now);
  }

  private state(mailbox: string): MailboxState {
    const key = mailbox.toLowerCase();
    let state = this.mailboxes.get(key);
    if (!state) {
      state = { slots: new Semaphore(this.limits.perMailboxConcurrency), pausedUntil: 0, uploads: [], requests: [] };
      this.mailboxes.set(key, state);
    }
    return state;
  }
}

/**
 * Upload sessions running at once: a few per mailbox (its upload budget is 150 MB per 5 minutes,
 * so more would only wait) and a few overall, which bounds memory to that many chunk buffers.
 */
export class UploadGate {
  private readonly global: Semaphore;
  private readonly perMailbox = new Map<string, Semaphore>();

  constructor(
    private readonly mailboxLimit = 2,
    globalLimit = 8,
  ) {
    this.global = new Semaphore(globalLimit);
  }

  async run<T>(mailbox: string, fn: () => Promise<T>): Promise<T> {
    const key = mailbox.toLowerCase();
    let slots = this.perMailbox.get(key);
    if (!slots) {
      slots = new Semaphore(this.mailboxLimit);
      this.perMailbox.set(key, slots);
    }
    await slots.acquire();
    try {
      await this.global.acquire();
      try {
        return await fn();
      } finally {
        this.global.release();
      }
    } finally {
      slots.release();
    }
  }
}
