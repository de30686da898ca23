import type { Ctx } from './context';
import { HttpError } from './exchange';
import { attachmentChunks, normaliseId } from './model';
import { streamOf } from './streams';

/**
 * GET /agent/v1/stream/{id}/attachment: the file as base64 text, streamed in chunks (a 100 MB
 * file is never held whole). `truncate` and `short` faults cut it in the middle.
 */
export async function attachment(ctx: Ctx): Promise<void> {
  const { answers, counters, options } = ctx.emulator;
  const stream = streamOf(ctx, ctx.params[0]!);
  const fileId = ctx.url.searchParams.get('fileId');
  const messageId = ctx.url.searchParams.get('messageId');
  if (!fileId || !messageId) throw new HttpError(400, 'fileId and messageId are required');
  if (!stream.members.has(ctx.session!.user.id) && (options.nonMemberRead ?? 'forbidden') !== 'allow') throw new HttpError(403, 'The user is not a member of this stream');
  const message = stream.messages.find((m) => m.id === normaliseId(messageId));
  const a = message?.attachments.find((x) => x.id === fileId);
  // The download lists no 404 (agent-api-public.yaml): an unknown file is a client error.
  if (!a) throw new HttpError(400, 'Attachment not found');
  const total = 4 * Math.ceil(a.size / 3);
  const cutAt = ctx.fault === 'truncate' || ctx.fault === 'short' ? Math.floor(total / 2) : Number.POSITIVE_INFINITY;
  const res = ctx.res;
  const contentType = answers.mediaTypeFor(ctx, 200);
  const headers: Record<string, string | number> = { 'content-type': contentType };
  if (ctx.fault !== 'short') headers['content-length'] = total;
  // The body streams: its status and media type are checked here, its text chunk by chunk.
  const head = answers.contract.checkStreamedResponse(ctx.bound!, 200, contentType);
  if (head.problems.length) answers.violation(ctx, 'response', 200, head.problems);
  const base64 = head.format === 'byte';
  res.writeHead(200, headers);
  counters.statuses['200'] = (counters.statuses['200'] ?? 0) + 1;
  let sent = 0;
  for (const chunk of attachmentChunks(a)) {
    let text = chunk.toString('base64');
    if (base64 && !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) answers.violation(ctx, 'response', 200, ['the attachment body is not base64 text (format: byte)']);
    if (sent + text.length > cutAt) text = text.slice(0, cutAt - sent);
    if (res.destroyed) return;
    if (!res.write(text)) await new Promise((r) => res.once('drain', r));
    sent += text.length;
    counters.attachmentBytesServed += Math.floor((text.length * 3) / 4);
    if (sent >= cutAt) break;
  }
  if (ctx.fault === 'truncate') res.socket?.destroy();
  else res.end();
}
