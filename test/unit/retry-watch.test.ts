import { describe, expect, it } from 'vitest';
import type { RunProgress } from '../../shared/contract';
import { ManualClock } from '../../electron/core/platform/clock';
import { watchRetries, withRetry, type RetryNotice } from '../../electron/core/platform/retry';
import { ProgressTracker } from '../../electron/core/runs/progress';

/** Fails `times` times with a retryable error, then answers. */
const flaky = (times: number) => {
  let left = times;
  return async () => {
    if (left-- > 0) throw new Error('reset');
    return 'ok';
  };
};
const retryable = { classify: () => ({ retry: true as const, reason: 'network error' }), baseMs: 1, maxMs: 2 };

describe('retry waits reach the run that started them', () => {
  it('sees every retry of every withRetry started inside, however deep and however parallel, and none outside', async () => {
    const seen: RetryNotice[] = [];
    const outside: RetryNotice[] = [];
    await watchRetries(
      (n) => seen.push(n),
      async () => {
        // Nested in timers and parallel promises, as the importer's queue and the Symphony client run them.
        await Promise.all([withRetry(flaky(2), retryable), new Promise((r) => setTimeout(r, 1)).then(() => withRetry(flaky(1), retryable))]);
      },
    );
    await watchRetries((n) => outside.push(n), async () => undefined);
    await withRetry(flaky(3), retryable);
    expect(seen).toHaveLength(3);
    expect(seen.every((n) => n.reason === 'network error' && n.waitMs > 0)).toBe(true);
    expect(outside).toEqual([]);
  });

  it('shows the wait in the current stage until its time is up, and keeps the count', async () => {
    const clock = new ManualClock();
    const emitted: RunProgress[] = [];
    const tracker = new ProgressTracker(7, 'c1', clock, (p) => emitted.push(p));
    tracker.enter('import');
    tracker.retried({ attempt: 1, waitMs: 1000, reason: '429 TooManyRequests', at: clock.now() });
    // The first wait goes out at once, with the time of the next try.
    expect(emitted.at(-1)!.stages.import).toMatchObject({ retries: 1, retrying: { reason: '429 TooManyRequests', until: new Date(clock.now() + 1000).toISOString() } });
    tracker.retried({ attempt: 1, waitMs: 300, reason: '503 ServiceUnavailable', at: clock.now() });
    // The later end wins: the stage waits until the last of its waits is over.
    expect(tracker.snapshot().import).toMatchObject({ retries: 2, retrying: { reason: '429 TooManyRequests' } });
    await clock.advance(1001);
    tracker.update('import', { done: 5, total: 10 });
    expect(tracker.snapshot().import).toMatchObject({ done: 5, retries: 2, retrying: null });
  });
});
