import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { Attachment } from '@microsoft/microsoft-graph-types';
import { withRetry } from '../platform/retry';
import { systemClock, type Clock } from '../platform/clock';
import type { ConvertedEmail, EmailAttachment } from '../model/email';
import { type GraphClient, userPath } from './client';
import { classifyGraphError, GraphNetworkError, GraphRequestError } from './errors';
import { inlineAttachment, MAX_SIMPLE_ATTACHMENT_BYTES } from './message';
import type { UploadGate } from './throttle';

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
  /** Called right before each request that may add the attachment (see GraphRequest.beforeSend). */
  beforeSend?: (deadline: Date) => Promise<void>;
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
    await graph.request({
      method: 'POST',
      path: `${userPath(mailbox)}/messages/${encodeURIComponent(messageId)}/attachments`,
      body: await inlineAttachment(attachment),
      mailbox,
      signal: options.signal,
      beforeSend: options.beforeSend,
    });
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
            const response = await graph.putChunk<UploadSession>(mailbox, uploadUrl, chunk, range, options.signal, options.beforeSend);
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

/** Attachments up to this size are read back and hashed when an item is checked; larger ones are matched by name and size. */
export const HASH_READBACK_MAX_BYTES = 16 * 1024 * 1024;

/** What an existing item carries compared with its e-mail (see inspectAttachments). */
export interface AttachmentInspection {
  /** Indexes of the e-mail's attachments found on the item, intact. */
  present: Set<number>;
  /** Attachments on the item that belong to none of the e-mail's: a second copy, or different bytes. */
  foreign: Array<{ id: string; name: string; size: number; why: string }>;
}

/**
 * Which of the e-mail's attachments an existing item carries, and what it carries that it should
 * not. Each of the item's file attachments up to HASH_READBACK_MAX_BYTES is read back (`GET
 * …/attachments/{id}/$value`, the raw bytes Graph documents for file attachments) and matched by
 * name, size and SHA-256 to an unused attachment of the e-mail; for larger ones, and where Graph
 * refuses to give the bytes, name and size (Graph's `size` may carry some overhead, so at least
 * the file's) decide. An attachment applied twice (a late or
 * lost answer) is foreign, as is one whose bytes differ: the caller replaces such an item.
 */
export async function inspectAttachments(graph: GraphClient, mailbox: string, messageId: string, email: ConvertedEmail, signal?: AbortSignal): Promise<AttachmentInspection> {
  // Nothing of ours can be on an item whose e-mail has no attachments: no request ever added one.
  if (email.attachments.length === 0) return { present: new Set(), foreign: [] };
  const response = await graph.request<{ value: Attachment[] }>({
    method: 'GET',
    path: `${userPath(mailbox)}/messages/${encodeURIComponent(messageId)}/attachments`,
    query: { $select: 'id,name,size', $top: '250' },
    mailbox,
    signal,
  });
  const wanted = await Promise.all(email.attachments.map(async (a) => ({ name: a.filename, size: a.size, sha256: await fileHash(a), used: false })));
  const present = new Set<number>();
  const foreign: AttachmentInspection['foreign'] = [];
  for (const attachment of response.body.value) {
    const name = attachment.name ?? '';
    const size = attachment.size ?? 0;
    const candidates = wanted.map((w, index) => ({ w, index })).filter(({ w }) => !w.used && w.name === name && size >= w.size);
    if (candidates.length === 0) {
      foreign.push({ id: attachment.id!, name, size, why: wanted.some((w) => w.name === name) ? 'a second copy' : 'not part of the e-mail' });
      continue;
    }
    // Reading back costs a download: done for everything but the largest files, whose name and
    // size (they only ever come from our own upload sessions of that file) decide instead.
    const bytes = size <= HASH_READBACK_MAX_BYTES ? await readBackHash(graph, mailbox, messageId, attachment.id!, signal) : undefined;
    const match = bytes ? candidates.find(({ w }) => w.size === bytes.size && w.sha256 === bytes.sha256) : candidates[0];
    if (!match) {
      foreign.push({ id: attachment.id!, name, size, why: 'its bytes differ from the archived file' });
      continue;
    }
    match.w.used = true;
    present.add(match.index);
  }
  return { present, foreign };
}

/** The SHA-256 and length of a file attachment as Graph returns it, or undefined where Graph will not. */
async function readBackHash(graph: GraphClient, mailbox: string, messageId: string, attachmentId: string, signal?: AbortSignal): Promise<{ size: number; sha256: string } | undefined> {
  try {
    return await withRetry(() => graph.download(`${userPath(mailbox)}/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(attachmentId)}/$value`, mailbox, signal), {
      ...graph.retry,
      classify: classifyGraphError,
      clock: systemClock,
      signal,
      attempts: 4,
    });
  } catch (error) {
    // Item and reference attachments have no raw bytes to give: name and size decide for them.
    if (error instanceof GraphRequestError && error.status >= 400 && error.status < 500 && error.status !== 429) return undefined;
    throw error;
  }
}

const hashes = new Map<string, Promise<string>>();

/** The archived file's SHA-256: the converter's when it recorded one, else read from the spool file once. */
function fileHash(attachment: EmailAttachment): Promise<string> {
  if (attachment.sha256) return Promise.resolve(attachment.sha256);
  const key = `${attachment.path}\u0000${attachment.size}`;
  let hash = hashes.get(key);
  if (!hash) {
    hash = hashFile(attachment.path);
    hash.catch(() => hashes.delete(key));
    hashes.set(key, hash);
    if (hashes.size > 1024) hashes.delete(hashes.keys().next().value!);
  }
  return hash;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
