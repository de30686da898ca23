import fs from 'node:fs';
import type { GraphCall } from '../context';
import { GraphError } from '../graph-error';
import { readJson, send } from '../http';
import { messageSize, type StoredMessage } from '../model';
import { renderAttachment } from '../render';
import { validateAttachmentPost } from '../validate';

/** `…/messages/{id}/attachments`: list, add inline (up to 3 MB), read one, read its bytes. */

export function listAttachments({ res, message, query }: GraphCall): void {
  send(res, 200, { value: message!.attachments.map((a) => renderAttachment(a, query.get('$select'))) });
}

export async function addAttachment(call: GraphCall): Promise<void> {
  const { tenant, req, res, message } = call;
  assertAttachable(call, message!);
  const attachment = tenant.directory.storeAttachment(validateAttachmentPost(await readJson(req, tenant.limits.maxRequestBytes)), new Date(tenant.now()).toISOString());
  if (messageSize(message!) + attachment.size > tenant.limits.maxItemBytes) throw new GraphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
  message!.attachments.push(attachment);
  send(res, 201, renderAttachment(attachment, null));
}

export function getAttachment({ res, attachment, query }: GraphCall): void {
  send(res, 200, renderAttachment(attachment!, query.get('$select'), true));
}

/** `…/attachments/{id}/$value`: the raw bytes, from memory or from the blob folder. */
export function attachmentValue({ res, attachment }: GraphCall): void {
  const a = attachment!;
  res.writeHead(200, { 'Content-Type': a.contentType, 'Content-Length': a.size });
  if (a.bytes) res.end(a.bytes);
  else if (a.file) fs.createReadStream(a.file).pipe(res);
  else res.end();
}

export function assertAttachable({ tenant }: Pick<GraphCall, 'tenant'>, message: StoredMessage): void {
  if (tenant.attachmentsOnDraftsOnly() && !message.isDraft) {
    throw new GraphError(400, 'ErrorInvalidOperation', 'Attachments can only be added to a draft item; this item is not a draft.');
  }
}
