import { describe, expect, it } from 'vitest';
import { abortWaiters, requestSignal } from '../../electron/core/platform/abort';
import { ManualClock, systemClock } from '../../electron/core/platform/clock';
import { withRetry } from '../../electron/core/platform/retry';

/** Hundreds of retries waiting at once on one run's signal: one listener, no leak, no warning. */
describe('waiting on a shared abort signal', () => {
  it('hundreds of concurrent back-offs on one signal raise no MaxListenersExceededWarning and leave nothing behind', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const run = new AbortController();
      let calls = 0;
      const flaky = () =>
        withRetry(
          async (attempt) => {
            calls++;
            if (attempt < 3) throw new Error('503');
            return attempt;
          },
          { signal: run.signal, baseMs: 1, maxMs: 2, clock: systemClock, classify: () => ({ retry: true, reason: '503' }) },
        );
      const results = await Promise.all(Array.from({ length: 300 }, flaky));
      expect(results.every((r) => r === 3)).toBe(true);
      expect(calls).toBe(900);
      expect(abortWaiters(run.signal)).toBe(0);
      // Waiting ones are all cancelled by one abort.
      const clock = new ManualClock();
      const waits = Array.from({ length: 50 }, () => clock.sleep(60_000, run.signal).then(() => 'slept', () => 'cancelled'));
      expect(abortWaiters(run.signal)).toBe(50);
      run.abort(new Error('cancelled by the officer'));
      expect(new Set(await Promise.all(waits))).toEqual(new Set(['cancelled']));
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

/** A request's signal under a run's: it keeps nothing on the run's signal once the request is over. */
describe('a request signal', () => {
  it('is aborted by the run, with the run\'s reason', () => {
    const run = new AbortController();
    const request = requestSignal(run.signal, 60_000);
    run.abort(new Error('cancelled by the officer'));
    expect(request.signal.aborted).toBe(true);
    expect((request.signal.reason as Error).message).toBe('cancelled by the officer');
    expect(request.timedOut()).toBe(false);
    request.dispose();
  });

  it('times out with the TimeoutError that AbortSignal.timeout gives', async () => {
    const request = requestSignal(new AbortController().signal, 1);
    await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect((request.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(request.timedOut()).toBe(true);
  });

  it('starts aborted under an aborted run', () => {
    const run = new AbortController();
    run.abort(new Error('stopped'));
    expect(requestSignal(run.signal, 60_000).signal.aborted).toBe(true);
  });

  it('leaves nothing on the run\'s signal after ten thousand requests (AbortSignal.any would keep each)', () => {
    const run = new AbortController();
    const open = Array.from({ length: 10_000 }, () => requestSignal(run.signal, 60_000));
    expect(abortWaiters(run.signal)).toBe(10_000);
    for (const request of open) request.dispose();
    expect(abortWaiters(run.signal)).toBe(0);
    // A disposed request is no longer aborted by the run.
    run.abort(new Error('late'));
    expect(open.some((r) => r.signal.aborted)).toBe(false);
  });
});
