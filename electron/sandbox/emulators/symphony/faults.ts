import { Prng } from '../prng';

export type FaultKind = '429' | '500' | '503' | 'slow' | 'expire' | 'truncate' | 'short';

export interface FaultOptions {
  /** Probability that a request (other than the admin API) gets a fault. */
  rate?: number;
  kinds?: FaultKind[];
  /** Deterministic faults: the n-th faultable request (1-based) gets `kind`. */
  schedule?: { request: number; kind: FaultKind }[];
  /** Only requests whose path matches get faults. */
  paths?: RegExp;
  retryAfterSeconds?: number;
  /** Delay of a `slow` answer. */
  slowMs?: number;
  seed?: number;
}

/**
 * Decides which requests fail and how. Faults are drawn from their own seeded generator so that
 * a test run is reproducible for a given request order.
 */
export class FaultPlan {
  private rng: Prng;
  private counted = 0;

  constructor(private options: FaultOptions = {}) {
    this.rng = new Prng(options.seed ?? 7);
  }

  set(options: FaultOptions): void {
    this.options = options;
    this.rng = new Prng(options.seed ?? 7);
    this.counted = 0;
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds ?? 1;
  }

  get slowMs(): number {
    return this.options.slowMs ?? 3000;
  }

  /** The fault for this request, if any. */
  draw(path: string): FaultKind | undefined {
    if (this.options.paths && !this.options.paths.test(path)) return undefined;
    const n = ++this.counted;
    const scheduled = this.options.schedule?.find((s) => s.request === n);
    if (scheduled) return scheduled.kind;
    const rate = this.options.rate ?? 0;
    if (rate <= 0 || !this.rng.chance(rate)) return undefined;
    const kinds = this.options.kinds ?? ['429', '500', '503', 'slow', 'expire', 'truncate', 'short'];
    return this.rng.pick(kinds);
  }
}
