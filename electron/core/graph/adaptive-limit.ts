/**
 * How many Graph requests this app has in flight overall, found rather than fixed.
 *
 * Microsoft states per-mailbox limits (4 concurrent, 10,000 requests per 10 minutes) and a per-app
 * limit across all tenants (130,000 requests per 10 seconds), but no overall concurrency: with
 * hundreds of mailboxes the right number depends on the service's latency and on this machine's
 * CPU. A fixed cap either leaves most of Graph's allowance unused (64 in flight at 300 ms is
 * ~200 requests/s while 300 mailboxes allow 4,000/s) or overloads a small machine. So the cap
 * behaves like TCP's congestion window (and Netflix's concurrency-limits "gradient" idea):
 *
 * - **slow start**: while nothing pushes back, each answered request that found the cap binding
 *   raises it by one, which doubles it every round trip;
 * - **congestion avoidance** after the first push-back: about +1 per round trip;
 * - **push-back** is a 429 or 503 from Graph, or latency rising to twice the best seen recently
 *   (our own CPU or the service saturating): the cap drops to 70 % of its size, at most once per
 *   round trip, never below `min`.
 *
 * Hand-written because the libraries that exist (p-limit, bottleneck) fix their concurrency; none
 * adapts it to latency and throttling.
 */
export interface AdaptiveLimitOptions {
  initial: number;
  min: number;
  max: number;
}

export class AdaptiveLimit {
  private limitNow: number;
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  private slowStart = true;
  /** Best latency in the current and the previous window of samples (a windowed minimum). */
  private minRtt = Number.POSITIVE_INFINITY;
  private previousMinRtt = Number.POSITIVE_INFINITY;
  private samplesInWindow = 0;
  private smoothedRtt = 0;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private growth = 0;

  constructor(private readonly options: AdaptiveLimitOptions) {
    if (!(options.min >= 1 && options.initial >= options.min && options.max >= options.initial)) {
      throw new RangeError(`adaptive limit needs 1 ≤ min ≤ initial ≤ max (got ${options.min}, ${options.initial}, ${options.max})`);
    }
    this.limitNow = options.initial;
  }

  get limit(): number {
    return Math.floor(this.limitNow);
  }

  get inFlight(): number {
    return this.active;
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    // A shrunken limit lets the slot go instead of handing it on, until in-flight fits again.
    if (this.active <= this.limit) {
      const next = this.waiters.shift();
      if (next) return next();
    }
    this.active--;
    this.wake();
  }

  /** An answered request (any status but push-back) that took `rttMs`, started at `startedAt`. */
  onAnswer(rttMs: number, startedAt: number, inFlightAtStart: number): void {
    this.sample(rttMs);
    const best = Math.min(this.minRtt, this.previousMinRtt);
    if (this.smoothedRtt > 2 * best && this.samplesInWindow > 8) {
      this.decrease(startedAt);
      return;
    }
    // Only grow when the cap was what held requests back; an idle cap says nothing.
    if (inFlightAtStart + 1 < this.limit * 0.9) return;
    if (this.slowStart) this.limitNow += 1;
    else {
      this.growth += 1 / this.limitNow;
      if (this.growth >= 1) {
        this.limitNow += 1;
        this.growth -= 1;
      }
    }
    this.limitNow = Math.min(this.limitNow, this.options.max);
    this.wake();
  }

  /** Graph said 429 or 503 to a request started at `startedAt`. */
  onPushBack(startedAt: number): void {
    this.decrease(startedAt);
  }

  private decrease(startedAt: number): void {
    this.slowStart = false;
    // One decrease per round trip: the answers of requests sent before the last decrease
    // describe the old, larger window and must not shrink the new one again.
    if (startedAt <= this.lastDecreaseAt) return;
    this.lastDecreaseAt = startedAt + Math.max(1, Number.isFinite(this.minRtt) ? this.minRtt : 1);
    this.limitNow = Math.max(this.options.min, Math.floor(this.limitNow * 0.7));
  }

  private sample(rttMs: number): void {
    this.smoothedRtt = this.smoothedRtt === 0 ? rttMs : 0.9 * this.smoothedRtt + 0.1 * rttMs;
    this.minRtt = Math.min(this.minRtt, rttMs);
    // A fresh window every 500 samples lets the minimum follow a service that got slower for good.
    if (++this.samplesInWindow >= 500) {
      this.previousMinRtt = this.minRtt;
      this.minRtt = Number.POSITIVE_INFINITY;
      this.samplesInWindow = 0;
    }
  }

  private wake(): void {
    while (this.active < this.limit && this.waiters.length) {
      this.active++;
      this.waiters.shift()!();
    }
  }
}

/**
 * A sliding count of requests in a window (Graph's per-app 130,000 per 10 seconds), in buckets
 * of a tenth of the window so it costs a few numbers, not one timestamp per request.
 */
export class WindowCounter {
  private readonly buckets: number[];
  private readonly bucketMs: number;
  private bucketStart = 0;
  private index = 0;
  private total = 0;

  constructor(
    readonly windowMs: number,
    readonly max: number,
    bucketCount = 10,
  ) {
    this.buckets = new Array<number>(bucketCount).fill(0);
    this.bucketMs = windowMs / bucketCount;
  }

  /** Milliseconds to wait before one more request fits (0 = now). */
  waitMs(now: number): number {
    this.advance(now);
    if (this.total < this.max) return 0;
    return Math.max(1, this.bucketStart + this.bucketMs - now);
  }

  record(now: number): void {
    this.advance(now);
    this.buckets[this.index]! += 1;
    this.total++;
  }

  private advance(now: number): void {
    if (this.bucketStart === 0) this.bucketStart = now;
    while (now >= this.bucketStart + this.bucketMs) {
      this.index = (this.index + 1) % this.buckets.length;
      this.total -= this.buckets[this.index]!;
      this.buckets[this.index] = 0;
      this.bucketStart += this.bucketMs;
      // A long idle gap: everything has expired; jump instead of stepping through it.
      if (now - this.bucketStart > this.windowMs) {
        this.buckets.fill(0);
        this.total = 0;
        this.bucketStart = now;
      }
    }
  }
}
