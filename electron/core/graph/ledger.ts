import { errorText } from '../../../shared/errors';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { DeliveryKey, DeliveryRepository } from '../store/repos/deliveries';
import type { UnknownOutcomeRepository } from '../store/repos/delivery-unknowns';
import { GraphRequestError } from './errors';

/**
 * Group commit for the delivery ledger: writes requested during the same turn of the event loop
 * are committed together in one transaction, and each caller resumes only once its write is on
 * disk. Dozens of deliveries in flight then share one fsync instead of paying one each, while
 * `sending` is still durable before the create request leaves.
 */
export class LedgerWriter {
  private queue: Array<{ write: () => void; resolve: () => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly repo: DeliveryRepository) {}

  write(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    this.scheduled = false;
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
 * POST, an upload PUT). `beforeSend` commits `sending` (for a create) and the request's deadline
 * in one transaction, right before the request leaves; `failed` records the outcome of a request
 * that got no answer as unknown, settleable at abandonment + margin (a create abandoned at T
 * cannot be applied after T + the service's longest processing time), or, for a refusal made
 * before any work (429, other 4xx), that nothing happened. A success is recorded by the caller
 * with `unknowns.answered` in the same write as the item id.
 */
export function trackRequest(deps: TrackDeps, key: DeliveryKey, what: string, markSending: boolean) {
  let deadline: Date | undefined;
  const trace = (step: string) => deps.logger.debug(`ledger ${key.archiveKey} ${key.mailbox}: ${step}`);
  return {
    beforeSend: (at: Date): Promise<void> => {
      deadline = at;
      const sentAt = new Date(deps.clock.now());
      trace(`${markSending ? 'sending, ' : ''}${what} out until ${at.toISOString()}`);
      return deps.ledger.write(() => {
        if (markSending) deps.repo.markSending(key, sentAt);
        deps.unknowns.beginRequest(key, sentAt, at, new Date(at.getTime() + deps.marginMs), what);
      });
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
