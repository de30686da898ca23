import type { Delivery } from '../store/repos/deliveries';
import { DeliveryFeeder, type DeliverySource } from './feeder';
import type { ImportStop } from './deliver-one';
import type { ImportTally } from './import-tally';

export interface DeliveryRunnerDeps {
  /** Deliveries at once across all mailboxes, asked again as each one starts. */
  slots: () => number;
  /** Deliveries at once per mailbox. */
  perMailbox: number;
  /** Works one delivery to its end; rejects only when the ledger itself fails. */
  deliver: (delivery: Delivery) => Promise<void>;
  stop: ImportStop;
  tally: ImportTally;
  signal?: AbortSignal;
}

/** Works every delivery of a source through the feeder (mailboxes in rotation, as many at once as the slots allow). */
export class DeliveryRunner {
  /** The feeder of the deliveries running now: a mailbox found unwritable is dropped from it. */
  private feeder: DeliveryFeeder<unknown> | undefined;

  constructor(private readonly deps: DeliveryRunnerDeps) {}

  async run<C>(source: DeliverySource<C>): Promise<void> {
    const { deps } = this;
    const feed = new DeliveryFeeder<C>({
      source,
      slots: deps.slots,
      perMailbox: deps.perMailbox,
      deliver: (delivery) =>
        deps.deliver(delivery).catch((error: unknown) => {
          // Only the ledger itself failing gets here (deliver records every other outcome): stop.
          deps.stop.stop(error);
        }),
      stopped: () => deps.signal?.aborted === true || deps.stop.stopped,
    });
    this.feeder = feed as DeliveryFeeder<unknown>;
    try {
      await feed.run();
    } finally {
      this.feeder = undefined;
    }
  }

  /** Open deliveries of the mailbox just blocked that no running delivery accounts for are no longer pending. */
  swept(mailbox: string, blocked: number): void {
    const othersRunning = Math.max(0, (this.feeder?.runningIn(mailbox) ?? 0) - 1);
    this.feeder?.drop(mailbox);
    this.deps.tally.swept(Math.max(0, blocked - othersRunning));
  }
}
