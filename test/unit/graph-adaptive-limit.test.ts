import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, WindowCounter } from '../../electron/core/graph/adaptive-limit';

/**
 * A discrete-event model of Graph: every request takes `latencyMs` of simulated time; above
 * `capacity` requests in flight the service answers 429 instead. The limiter is driven exactly as
 * the scheduler drives it, with simulated times, so the test is independent of machine load.
 */
async function simulate(options: { capacity: number; latencyMs: number; requests: number; initial: number; max: number }) {
  const limit = new AdaptiveLimit({ initial: options.initial, min: 4, max: options.max });
  let now = 0;
  let inService = 0;
  let throttled = 0;
  let answered = 0;
  const limits: number[] = [];
  const done: Array<{ at: number; run: () => void }> = [];
  let started = 0;
  const startOne = async () => {
    await limit.acquire();
    const startedAt = now;
    const inFlightAtStart = limit.inFlight - 1;
    inService++;
    const refused = inService > options.capacity;
    await new Promise<void>((resolve) => done.push({ at: now + options.latencyMs, run: resolve }));
    inService--;
    if (refused) {
      throttled++;
      limit.onPushBack(startedAt);
    } else {
      answered++;
      limit.onAnswer(options.latencyMs, startedAt, inFlightAtStart);
    }
    limit.release();
    limits.push(limit.limit);
  };
  const all: Array<Promise<void>> = [];
  for (; started < options.requests; started++) all.push(startOne());
  // Advance simulated time answer by answer until every request has been answered.
  while (answered + throttled < options.requests) {
    await flush();
    done.sort((a, b) => a.at - b.at);
    const next = done.shift();
    if (!next) continue;
    now = next.at;
    next.run();
  }
  await Promise.all(all);
  return { limit, throttled, answered, limits };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('adaptive global concurrency', () => {
  it('grows from its start to the maximum while the service answers fast and never throttles', async () => {
    const { limit, throttled } = await simulate({ capacity: 10_000, latencyMs: 300, requests: 6_000, initial: 16, max: 512 });
    expect(throttled).toBe(0);
    expect(limit.limit).toBe(512);
  });

  it('settles near what the service accepts when it pushes back above a capacity', async () => {
    const { limits, throttled, answered } = await simulate({ capacity: 200, latencyMs: 300, requests: 20_000, initial: 16, max: 2_048 });
    const tail = limits.slice(-5_000);
    const average = tail.reduce((a, b) => a + b, 0) / tail.length;
    // AIMD oscillates below and a little above the capacity; it neither sticks at the floor nor runs away.
    expect(average).toBeGreaterThan(0.5 * 200);
    expect(average).toBeLessThan(1.3 * 200);
    // Push-back stays a small share of the traffic once the cap has found its level.
    expect(throttled / (throttled + answered)).toBeLessThan(0.1);
  });

  it('backs off when latency doubles (a saturated machine or service), at most once per round trip', () => {
    const limit = new AdaptiveLimit({ initial: 100, min: 4, max: 1_000 });
    for (let i = 0; i < 50; i++) limit.onAnswer(100, i, 99);
    const before = limit.limit;
    for (let i = 0; i < 40; i++) limit.onAnswer(400, 1_000, 99);
    expect(limit.limit).toBe(Math.floor(before * 0.7));
  });

  it('keeps in-flight within the limit and the limit within its bounds for any sequence of events', async () => {
    type Step = { kind: 'acquire' } | { kind: 'release' } | { kind: 'answer'; rtt: number } | { kind: 'pushBack' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constant({ kind: 'acquire' as const }),
      fc.constant({ kind: 'release' as const }),
      fc.integer({ min: 1, max: 5_000 }).map((rtt) => ({ kind: 'answer' as const, rtt })),
      fc.constant({ kind: 'pushBack' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 400 }), fc.integer({ min: 4, max: 64 }), async (steps, initial) => {
        const limit = new AdaptiveLimit({ initial, min: 4, max: 128 });
        let holders = 0;
        let waiting = 0;
        let t = 0;
        for (const s of steps) {
          t += 10;
          if (s.kind === 'acquire') {
            waiting++;
            void limit.acquire().then(() => {
              waiting--;
              holders++;
            });
          } else if (s.kind === 'release' && holders > 0) {
            holders--;
            limit.release();
          } else if (s.kind === 'answer') limit.onAnswer(s.rtt, t, limit.inFlight - 1);
          else if (s.kind === 'pushBack') limit.onPushBack(t);
          await flush();
          expect(limit.limit).toBeGreaterThanOrEqual(4);
          expect(limit.limit).toBeLessThanOrEqual(128);
          // Slots are counted exactly: every slot handed out is held by someone, none twice.
          expect(limit.inFlight).toBe(holders);
          expect(holders).toBeLessThanOrEqual(128);
        }
        // Every waiter gets a slot once the holders let go: nobody is stranded.
        while (holders > 0) {
          holders--;
          limit.release();
          await flush();
        }
        expect(waiting).toBe(0);
        expect(limit.inFlight).toBe(0);
      }),
      { seed: 20261201, numRuns: 200 },
    );
  });
});

describe("the app's request window", () => {
  it('lets the window fill, then waits until its oldest tenth has passed', () => {
    const counter = new WindowCounter(10_000, 100);
    const start = 1_000_000;
    for (let i = 0; i < 100; i++) counter.record(start + i * 10);
    expect(counter.waitMs(start + 999)).toBeGreaterThan(0);
    // After the whole window the allowance is back.
    expect(counter.waitMs(start + 10_000 + 1_000)).toBe(0);
  });

  it('never admits more than its maximum in any window (checked against a list of timestamps)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 2_000 }), (gaps) => {
        const counter = new WindowCounter(1_000, 50);
        const admitted: number[] = [];
        let now = 1;
        for (const gap of gaps) {
          now += gap;
          const wait = counter.waitMs(now);
          if (wait > 0) now += wait;
          while (counter.waitMs(now) > 0) now += counter.waitMs(now);
          counter.record(now);
          admitted.push(now);
        }
        // Buckets round the window up by at most one tenth; no 900 ms span may hold more than 50.
        for (let i = 0, j = 0; j < admitted.length; j++) {
          while (admitted[j]! - admitted[i]! >= 900) i++;
          expect(j - i + 1).toBeLessThanOrEqual(50);
        }
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});
