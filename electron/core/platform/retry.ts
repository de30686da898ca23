import { AsyncLocalStorage } from 'node:async_hooks';
import { ArchiverError } from '../../../shared/errors';
import { systemClock, type Clock } from './clock';

/** How a failed attempt should be treated. */
export type RetryDecision =
  | { retry: false }
  /** Retry after the backoff; `afterMs` (from Retry-After) wins when it is longer. */
  | { retry: true; afterMs?: number; reason: string };

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  /** Longest single wait honoured from a Retry-After header. */
  maxRetryAfterMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
  /** Random source in [0, 1) for jitter; injectable for tests. */
  random?: () => number;
  classify: (error: unknown) => RetryDecision;
  onRetry?: (info: { attempt: number; waitMs: number; reason: string; error: unknown }) => void;
}

/**
 * Retries with exponential backoff and full jitter, honouring a server's Retry-After. Symphony's
 * BDKs and Microsoft's guidance both ask for exactly this; one implementation serves both clients.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 8;
  const baseMs = options.baseMs ?? 500;
  const maxMs = options.maxMs ?? 60_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 5 * 60_000;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw cancelled(options.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      const decision = options.classify(error);
      if (!decision.retry) throw error;
      if (attempt >= attempts) {
        if (typeof error === 'object' && error !== null) exhausted.add(error);
        throw error;
      }
      const backoff = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const jittered = backoff / 2 + random() * (backoff / 2);
      const waitMs = Math.max(jittered, Math.min(decision.afterMs ?? 0, maxRetryAfterMs));
      options.onRetry?.({ attempt, waitMs, reason: decision.reason, error });
      watchers.getStore()?.({ attempt, waitMs, reason: decision.reason, at: clock.now() });
      try {
        await clock.sleep(waitMs, options.signal);
      } catch {
        throw cancelled(options.signal);
      }
    }
  }
}

const exhausted = new WeakSet<object>();

/** One wait before a retry, as a watcher sees it. */
export interface RetryNotice {
  attempt: number;
  waitMs: number;
  reason: string;
  /** When the wait began (the retry's clock). */
  at: number;
}

const watchers = new AsyncLocalStorage<(notice: RetryNotice) => void>();

/**
 * Calls `onRetry` for every retry wait of every `withRetry` that `fn` starts, however deep (the
 * Symphony client, Graph deliveries, directory look-ups): a run shows the officer that it waits on
 * a throttled tenant or an unreachable pod without each client passing a callback through.
 */
export function watchRetries<T>(onRetry: (notice: RetryNotice) => void, fn: () => Promise<T>): Promise<T> {
  return watchers.run(onRetry, fn);
}

/**
 * True for an error withRetry gave up on although it was worth retrying (a transient failure that
 * lasted): callers that keep going without the answer (directory look-ups) stop asking for a while
 * instead of waiting out the whole backoff again for every other request.
 */
export function retriesExhausted(error: unknown): boolean {
  return typeof error === 'object' && error !== null && exhausted.has(error);
}

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function cancelled(signal?: AbortSignal): ArchiverError {
  return new ArchiverError({ code: 'cancelled', message: 'The operation was cancelled.', detail: signal?.reason ? String(signal.reason) : undefined });
}
