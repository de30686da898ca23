import { itemReasonCodes } from '../../../../shared/contract';
import type { CaptureStage, StageContext } from '../stages';
import type { StageParts } from './parts';
import { lostSpooledAttachments } from './spool-check';

/**
 * Spooled attachments of items still to deliver whose file has disappeared are fetched again
 * from Symphony before the import (by the capture step, which downloads every pending
 * attachment), rather than failing their items. One the source no longer has fails its item's
 * open deliveries, saying so; the officer retries (the e-mail then notes the missing file) or skips it.
 */
export async function respoolLostAttachments(parts: StageParts, capture: CaptureStage, ctx: StageContext): Promise<void> {
  const { deps, captureRepo, itemLog, deliveries, recent } = parts;
  const lost = lostSpooledAttachments({ capture: captureRepo, itemLog, deliveries }, ctx.connector.id);
  if (lost.length === 0) return;
  ctx.logger.warn(`${lost.length} spooled attachment(s) of items still to deliver disappeared; downloading them again`);
  // The e-mails kept from planning name the old spool paths: convert afresh after the download.
  recent.clear();
  deps.store.transaction(() => lost.forEach((a) => captureRepo.markAttachmentLost(a.itemId, a.position)));
  await capture.capture(ctx);
  for (const itemId of new Set(lost.map((l) => l.itemId))) {
    const missing = (captureRepo.item(itemId)?.attachments ?? []).filter((a) => a.status !== 'stored' && lost.some((l) => l.itemId === itemId && l.position === a.position));
    const key = itemLog.get(ctx.connector.id, itemId)?.archiveKey;
    if (missing.length === 0 || !key) continue;
    const names = missing.map((a) => `"${a.name}" (${a.failure ?? 'not downloaded'})`).join(', ');
    const reason = {
      code: itemReasonCodes.attachmentLost,
      message: `The spooled attachment ${names} disappeared and could not be downloaded again from Symphony.`,
      fix: 'Retry the item to archive it with a note that the file is missing, or skip it with a reason.',
    };
    deliveries.batch(() => {
      for (const d of deliveries.ofKeys(ctx.connector.id, [key]).filter((x) => x.state === 'pending' || x.state === 'sending')) deliveries.markFailed({ connectorId: ctx.connector.id, archiveKey: key, mailbox: d.mailbox }, reason);
    });
  }
}
