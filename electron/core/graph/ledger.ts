import type { DeliveryRepository } from '../store/repos/deliveries';

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
