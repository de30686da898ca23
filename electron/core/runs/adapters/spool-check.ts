import fs from 'node:fs';
import type { CaptureRepository } from '../../store/repos/capture';
import type { DeliveryRepository } from '../../store/repos/deliveries';
import type { ItemLogRepository } from '../../store/repos/item-log';

const KEYS_PER_PAGE = 500;

/**
 * Stored attachments of items with deliveries still to send whose spool file has disappeared.
 * Three owners answer in turn, a page of archive keys at a time so memory stays flat: the ledger
 * (keys still open), the item log (their items), capture (those items' spooled attachments).
 */
export function lostSpooledAttachments(
  repos: { capture: CaptureRepository; itemLog: ItemLogRepository; deliveries: DeliveryRepository },
  connectorId: string,
): { itemId: number; position: number; spoolPath: string }[] {
  const lost: { itemId: number; position: number; spoolPath: string }[] = [];
  for (let after = ''; ; ) {
    const keys = repos.deliveries.openKeys(connectorId, after, KEYS_PER_PAGE);
    if (keys.length === 0) return lost;
    after = keys.at(-1)!;
    const itemIds = repos.itemLog.itemsOfKeys(connectorId, keys);
    lost.push(...repos.capture.spooledAttachments(itemIds).filter((a) => !fs.existsSync(a.spoolPath)));
  }
}
