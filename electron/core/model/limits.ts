/**
 * Microsoft 365's size rules, declared once. Each is a different rule with its own owner:
 *
 * - `EXCHANGE_MAX_MESSAGE_BYTES`: the largest message Exchange Online accepts (and the largest
 *   file an upload session takes). Only the planner (runs/plan.ts) decides that an e-mail is too
 *   large: it skips it as `too-large`, once, with a fix. The converter never refuses an item for
 *   its size; it reports the size (convert/size.ts `estimateMimeSize`). Capture does not download
 *   an attachment larger than this (symphony/attachment-download.ts): no e-mail carrying it could
 *   ever be archived.
 * - `MAILBOX_UPLOAD_BUDGET`: how many upload bytes one mailbox takes per window (a throttling
 *   budget, not a size rule): graph/throttle.ts paces upload sessions by it.
 *
 * Sources: docs/decisions/message-size.md.
 */
export const EXCHANGE_MAX_MESSAGE_BYTES = 150 * 1024 * 1024;

export const MAILBOX_UPLOAD_BUDGET = { bytes: 150 * 1024 * 1024, windowMs: 5 * 60_000 } as const;

/** "150.0 MB": how the officer reads these sizes. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
