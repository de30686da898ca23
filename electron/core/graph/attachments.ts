import fs from 'node:fs/promises';
import type { Attachment } from '@microsoft/microsoft-graph-types';
import { withRetry } from '../platform/retry';
import type { Clock } from '../platform/clock';
import type { ConvertedEmail, EmailAttachment } from '../model/email';
import { type GraphClient, userPath } from './client';
import { classifyGraphError, GraphNetworkError, GraphRequestError } from './errors';
import { inlineAttachment, MAX_SIMPLE_ATTACHMENT_BYTES } from './message';
import type { UploadGate } from './scheduler';

/** Every chunk but the last must be a multiple of 320 KiB; 10 of them stay under the 4 MB request limit. */
export const UPLOAD_UNIT = 320 * 1024;
export const DEFAULT_CHUNK_BYTES = 10 * UPLOAD_UNIT;

/**
 * The session is gone (expired, or completed while its answer was lost): whether the attachment
 * landed is unknown, so it is retried like a lost answer, after re-reading the item's attachments.
 */
export class UploadSessionLost extends GraphNetworkError {}

interface UploadSession {
  uploadUrl: string;
  nextExpectedRanges?: string[];
}

export interface AttachOptions {
  clock: Clock;
  signal?: AbortSignal;
  chunkBytes?: number;
  /** Bounds the upload sessions running at once (and so the chunk buffers held). */
  gate?: UploadGate;
}

/** Is this refusal about the item not being a draft (the unsettled case of the decision record)? */
export function refusesNonDraft(error: unknown): boolean {
  return (
    error instanceof GraphRequestError &&
    (error.code === 'ErrorInvalidOperation' || ((error.status === 400 || error.status === 403) && /draft|read-?only/i.test(error.message)))
  );
}

/**
 * Adds one attachment to an existing item: a plain POST under 3 MB, an upload session above,
 * streamed from the spool file one chunk at a time. Throws with an unknown outcome (network,
 * 5xx) rather than guessing; the caller re-reads the item's attachments before trying again.
 */
export async function addAttachment(graph: GraphClient, mailbox: string, messageId: string, attachment: EmailAttachment, options: AttachOptions): Promise<void> {
  if (attachment.size < MAX_SIMPLE_ATTACHMENT_BYTES) {
    await graph.request({ method: 'POST', path: `${userPath(mailbox)}/messages/${encodeURIComponent(messageId)}/attachments`, body: await inlineAttachment(attachment), mailbox, signal: options.signal });
    return;
  }
  const upload = () => uploadBySession(graph, mailbox, messageId, attachment, options);
  await (options.gate ? options.gate.run(mailbox, upload) : upload());
}

async function uploadBySession(graph: GraphClient, mailbox: string, messageId: string, attachment: EmailAttachment, options: AttachOptions): Promise<void> {
  const item: Record<string, unknown> = { attachmentType: 'file', name: attachment.filename, size: attachment.size, contentType: attachment.contentType, isInline: attachment.inline };
  if (attachment.contentId) item.contentId = attachment.contentId;
  // Creating a session changes nothing visible, so it may be retried freely.
  const session = await withRetry(
    () => graph.request<UploadSession>({ method: 'POST', path: `${userPath(mailbox)}/messages/${encodeURIComponent(messageId)}/attachments/createUploadSession`, body: { AttachmentItem: item }, mailbox, signal: options.signal }),
    { ...graph.retry, classify: classifyGraphError, clock: options.clock, signal: options.signal, attempts: 6 },
  );
  const uploadUrl = session.body.uploadUrl;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (chunkBytes % UPLOAD_UNIT !== 0 || chunkBytes > 4 * 1024 * 1024) throw new Error(`chunk size ${chunkBytes} must be a multiple of 320 KiB under 4 MB`);
  const file = await fs.open(attachment.path, 'r');
  const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, attachment.size));
  let position = 0;
  try {
    while (position < attachment.size) {
      const length = Math.min(chunkBytes, attachment.size - position);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      if (bytesRead !== length) throw new Error(`${attachment.path} is shorter than its recorded size ${attachment.size}`);
      const chunk = buffer.subarray(0, length);
      const range = { start: position, end: position + length - 1, total: attachment.size };
      const next = await withRetry(
        async () => {
          try {
            const response = await graph.putChunk<UploadSession>(mailbox, uploadUrl, chunk, range, options.signal);
            if (response.status === 201) return attachment.size;
            return parseNext(response.body?.nextExpectedRanges) ?? range.end + 1;
          } catch (error) {
            if (error instanceof GraphRequestError && error.status === 416) {
              // Our previous PUT of this range arrived although its answer did not.
              const resumed = parseNext((error.body as UploadSession | undefined)?.nextExpectedRanges);
              if (resumed !== undefined) return resumed;
            }
            if (error instanceof GraphRequestError && error.status === 404) throw new UploadSessionLost(error.message);
            throw error;
          }
        },
        // A lost session is not retried here: the caller re-reads the item first.
        { ...graph.retry, classify: (error) => (error instanceof UploadSessionLost ? { retry: false } : classifyGraphError(error)), clock: options.clock, signal: options.signal, attempts: 8 },
      );
      position = next;
    }
  } catch (error) {
    if (!(error instanceof UploadSessionLost)) await graph.deleteUploadSession(mailbox, uploadUrl);
    throw error;
  } finally {
    await file.close();
  }
}

function parseNext(ranges: string[] | undefined): number | undefined {
  const first = ranges?.[0];
  if (!first) return undefined;
  const start = Number(first.split('-')[0]);
  return Number.isFinite(start) ? start : undefined;
}

/**
 * Which of the e-mail's attachments an existing item already has: each attachment is matched to
 * an unused one on the item with the same name and at least its size (Graph's `size` may include
 * some overhead).
 */
export async function attachmentsPresent(graph: GraphClient, mailbox: string, messageId: string, email: ConvertedEmail, signal?: AbortSignal): Promise<Set<number>> {
  const response = await graph.request<{ value: Attachment[] }>({
    method: 'GET',
    path: `${userPath(mailbox)}/messages/${encodeURIComponent(messageId)}/attachments`,
    query: { $select: 'id,name,size', $top: '250' },
    mailbox,
    signal,
  });
  const available = [...response.body.value];
  const present = new Set<number>();
  email.attachments.forEach((attachment, index) => {
    const match = available.findIndex((a) => a.name === attachment.filename && (a.size ?? 0) >= attachment.size);
    if (match >= 0) {
      present.add(index);
      available.splice(match, 1);
    }
  });
  return present;
}
