import pLimit from 'p-limit';
import type { ConvertedEmail } from '../model/email';
import type { Destination, DestinationRouter, RemoteItem, Routed } from '../model/destination';
import type { DeliveryKey, DeliveryRepository } from '../store/repos/deliveries';
import type { FoundItem } from './items';
import { type MemoryBudget, deliveryBytes } from './memory-budget';
import { RoutedEmails } from './routed-emails';

/** A delivery's e-mail as its destination writes it, and the hand-back of its memory budget. */
export interface Admitted extends Routed {
  /** Gives the delivery's bytes back to the memory budget: once it ends, whichever way. */
  giveBack: () => void;
}

export interface ImportEmailsDeps {
  loadEmail: (archiveKey: string) => ConvertedEmail | Promise<ConvertedEmail>;
  router: DestinationRouter;
  budget: MemoryBudget;
  repo: DeliveryRepository;
}

/**
 * Loading a delivery's e-mail within the memory budget, and which destination it goes to. The
 * router picks each e-mail's destination once; the e-mail as that destination writes it is used
 * throughout, and an e-mail fanned out to several mailboxes is loaded (converted) once while its
 * deliveries run.
 */
export class ImportEmails {
  private readonly recent: RoutedEmails;
  /**
   * One delivery at a time loads and waits for its budget, so at most one loaded e-mail waits
   * outside the budget: memory stays under the budget plus one e-mail, however high the cap grows.
   */
  private readonly admission = pLimit(1);

  constructor(private readonly deps: ImportEmailsDeps) {
    this.recent = new RoutedEmails(
      (archiveKey) =>
        Promise.resolve()
          .then(() => deps.loadEmail(archiveKey))
          .then((loaded) => deps.router.route(loaded)),
      { entries: 256, chars: deps.budget.maxBytes / 8 },
    );
  }

  routed(archiveKey: string): Promise<Routed> {
    return this.recent.get(archiveKey);
  }

  async email(archiveKey: string): Promise<ConvertedEmail> {
    return (await this.routed(archiveKey)).email;
  }

  /** A delivery's e-mail, with its bytes taken from the budget. */
  admit(archiveKey: string): Promise<Admitted> {
    return this.admission(async () => {
      const found = await this.routed(archiveKey);
      return { ...found, giveBack: await this.deps.budget.take(deliveryBytes(found.email)) };
    });
  }

  /** Where an item of this delivery may already be: the destination the ledger recorded, else the one chosen now. */
  finderOf(key: DeliveryKey, chosen: Destination): Destination {
    const recorded = this.deps.repo.get(key)?.route;
    return (recorded && this.deps.router.byRoute(recorded)) || chosen;
  }

  /** Copies of an archive item where its destination wrote it (settling asks this). */
  async findCopies(key: DeliveryKey, folderId: string, signal?: AbortSignal): Promise<FoundItem[]> {
    const { destination, email } = await this.routed(key.archiveKey);
    return toFoundItems(await this.finderOf(key, destination).find({ mailbox: key.mailbox, folderId, signal }, email));
  }
}

export function toFoundItems(items: readonly RemoteItem[]): FoundItem[] {
  return items.map(toFoundItem);
}

export function toFoundItem(item: RemoteItem): FoundItem {
  return { id: item.id, isDraft: item.isDraft, createdDateTime: item.createdDateTime ?? '' };
}
