import { systemClock, type Clock } from '../platform/clock';

/** Outlook's per-app, per-mailbox limits (docs/decisions/graph-import.md (c)). */
export interface ThrottleLimits {
  perMailboxConcurrency: number;
  globalConcurrency: number;
  uploadBytesPerWindow: number;
  uploadWindowMs: number;
  requestsPerWindow: number;
  requestWindowMs: number;
}

export const outlookLimits: ThrottleLimits = {
  perMailboxConcurrency: 4,
  globalConcurrency: 64,
  uploadBytesPerWindow: 150 * 1024 * 1024,
  uploadWindowMs: 5 * 60_000,
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
 * Every Graph request goes through here: at most N in flight per mailbox and M overall, a mailbox
 * answered 429/503 with Retry-After waits before its next request, and request bodies are debited
 * from the mailbox's upload budget before they are sent, so the service's limits are met rather
 * than discovered.
 */
export class MailboxScheduler {
  private readonly mailboxes = new Map<string, MailboxState>();
  private readonly global: Semaphore;
  private inFlightNow = 0;

  constructor(
    readonly limits: ThrottleLimits = outlookLimits,
    private readonly clock: Clock = systemClock,
  ) {
    this.global = new Semaphore(limits.globalConcurrency);
  }

  get inFlight(): number {
    return this.inFlightNow;
  }

  /** Runs `fn` holding one of the mailbox's slots; `uploadBytes` is the request body size. */
  async run<T>(mailbox: string, uploadBytes: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const state = this.state(mailbox);
    await state.slots.acquire();
    try {
      await this.waitForBudget(state, uploadBytes, signal);
      await this.global.acquire();
      this.inFlightNow++;
      try {
        return await fn();
      } finally {
        this.inFlightNow--;
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
      if (wait <= 0) break;
      await this.clock.sleep(wait, signal);
    }
    const now = this.clock.now();
    if (bytes > 0) state.uploads.push({ at: now, bytes });
    state.requests.push(now);
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
