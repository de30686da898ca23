import { errorText } from '../../../shared/errors';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { DeliveryKey, DeliveryRepository } from '../store/repos/deliveries';
import type { RouteName } from '../model/destination';
import type { UnknownOutcomeRepository } from '../store/repos/delivery-unknowns';
import { GraphRequestError } from './errors';

/**
 * How long the ledger waits after one commit before the next one, while writes keep coming: under
 * load every write of that window shares one commit (one fsync, `synchronous = FULL`), so commits
 * per second stay at most 1000 / LEDGER_COMMIT_WINDOW_MS however many deliveries run; a write that
 * comes after a quiet moment is committed at once. 4 ms is about 1 % of a create's 300 ms.
 */
export const LEDGER_COMMIT_WINDOW_MS = 4;

/**
 * Group commit for the delivery ledger: writes requested close together are committed together in
 * one transaction, and each caller resumes only once its write is on disk. Hundreds of deliveries
 * in flight then share one fsync instead of paying one each, while `sending` is still durable
 * before the create request leaves (the request waits for the commit of its `beforeSend`).
 *
 * Hand-written rather than a library: it is the ordering rule of the exactly-once ledger (resolve
 * only after commit, one failing write never fails the others), and it is a few lines around
 * better-sqlite3's synchronous transaction.
 */
export class LedgerWriter {
  private queue: Array<{ write: () => void; resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  /** When the last commit ended (performance.now()); the next one waits for the window after it. */
  private lastCommit = Number.NEGATIVE_INFINITY;
  /** Commits made and writes they carried (for benchmarks and tests). */
  readonly stats = { commits: 0, writes: 0 };

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly windowMs = LEDGER_COMMIT_WINDOW_MS,
  ) {}

  write(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      this.arm(true);
    });
  }

  /**
   * After a quiet moment the commit comes at once (the writes made in this turn of the event loop
   * still join it), else at the window's end. The time is checked again when the timer fires:
   * Node starts a timer from the event loop's cached time, which lags behind while a commit's
   * fsync holds the loop, so a timer alone could fire early and the window would not hold.
   */
  private arm(fromWrite: boolean): void {
    const wait = this.lastCommit + this.windowMs - performance.now();
    if (wait > 0) setTimeout(() => this.arm(false), Math.ceil(wait));
    else if (fromWrite) setImmediate(() => this.flush());
    else this.flush();
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    this.scheduled = false;
    this.stats.commits++;
    this.stats.writes += items.length;
    try {
      this.repo.batch(() => {
        for (const item of items) item.write();
      });
      for (const item of items) item.resolve();
    } catch {
      // One bad write must not fail the others: apply them one by one.
      for (const item of items) {
        try {
          this.repo.batch(item.write);
          item.resolve();
        } catch (error) {
          item.reject(error);
        }
      }
    } finally {
      this.lastCommit = performance.now();
    }
  }
}

export interface TrackDeps {
  ledger: LedgerWriter;
  repo: DeliveryRepository;
  unknowns: UnknownOutcomeRepository;
  clock: Clock;
  /** GraphClient.settleMarginMs: how long after abandonment Graph may still apply a request. */
  marginMs: number;
  /** Every ledger transition is traced at debug level (the evidence used to study kills). */
  logger: Logger;
}

/**
 * The ledger's hooks around one request that may change the mailbox (a create, an attachment
 * POST, an upload PUT). `beforeSend` commits the request's deadline, and for a create `sending`
 * and the route it goes by, in one transaction, right before the request leaves; `failed` records
 * the outcome of a request that got no answer as unknown, settleable at abandonment + margin (a
 * create abandoned at T cannot be applied after T + the service's longest processing time), or,
 * for a refusal made before any work (429, other 4xx), that nothing happened. A success is
 * recorded by the caller with `unknowns.answered` in the same write as the item id.
 */
export function trackRequest(deps: TrackDeps, key: DeliveryKey, what: string, create?: { route: RouteName }) {
  let deadline: Date | undefined;
  const trace = (step: string) => deps.logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: ${step}`);
  return {
    beforeSend: (at: Date): Promise<void> => {
      deadline = at;
      const sentAt = new Date(deps.clock.now());
      trace(`${create ? 'sending, ' : ''}${what} out until ${at.toISOString()}`);
      return deps.ledger.write(() => {
        if (create) deps.repo.markSending(key, sentAt, create.route);
        deps.unknowns.beginRequest(key, sentAt, at, new Date(at.getTime() + deps.marginMs), what);
      });
    },
    /** True once `beforeSend` was called: a destination that writes no request (the .eml folder) never calls it. */
    get sent(): boolean {
      return deadline !== undefined;
    },
    /** Resolves true when the request's outcome is unknown (an item may exist). */
    failed: async (error: unknown): Promise<boolean> => {
      if (!deadline) return false;
      deadline = undefined;
      if (error instanceof GraphRequestError && error.definitelyNotApplied) {
        trace(`${what} refused before any work (${error.status})`);
        await deps.ledger.write(() => deps.unknowns.answered(key));
        return false;
      }
      const at = new Date(deps.clock.now());
      const settleAt = new Date(at.getTime() + deps.marginMs);
      const reason = `${what}: ${errorText(error)}`;
      trace(`unknown outcome (${reason}); settle after ${settleAt.toISOString()}`);
      await deps.ledger.write(() => deps.unknowns.becameUnknown(key, at, settleAt, reason));
      return true;
    },
  };
}
