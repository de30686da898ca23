import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { ItemPreview } from '../../../shared/contract/convert';
import type { ConvertedEmail } from '../model/email';
import { toMimeStream } from './mime';

const HEADER_LIMIT = 256 * 1024;

/** Reads the whole message once: its size, and its header block (kept, the rest only counted). */
export async function measureMime(stream: Readable): Promise<{ bytes: number; headerBlock: string }> {
  let bytes = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (headBytes < HEADER_LIMIT) {
      head.push(chunk);
      headBytes += chunk.length;
    }
  }
  const text = Buffer.concat(head).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return { bytes, headerBlock: end >= 0 ? text.slice(0, end) : text };
}

/** Header fields in order, unfolded, as written (encoded words left encoded). */
export function parseHeaderBlock(block: string): Array<{ name: string; value: string }> {
  const headers: Array<{ name: string; value: string }> = [];
  for (const line of block.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

const MAX_INLINE_IMAGE = 2 * 1024 * 1024;
const MAX_INLINE_TOTAL = 8 * 1024 * 1024;

async function inlineImages(email: ConvertedEmail): Promise<ItemPreview['inlineImages']> {
  const result: ItemPreview['inlineImages'] = [];
  let total = 0;
  for (const a of email.attachments) {
    if (!a.inline || !a.contentId || !a.contentType.startsWith('image/') || a.size > MAX_INLINE_IMAGE || total + a.size > MAX_INLINE_TOTAL) continue;
    total += a.size;
    result.push({ contentId: a.contentId, dataUrl: `data:${a.contentType};base64,${(await fs.promises.readFile(a.path)).toString('base64')}` });
  }
  return result;
}

export async function previewOf(email: ConvertedEmail, mode: ItemPreview['mode'], day?: string): Promise<ItemPreview> {
  const { bytes, headerBlock } = await measureMime(toMimeStream(email));
  return {
    archiveKey: email.archiveKey,
    mode,
    ...(day ? { day } : {}),
    headers: parseHeaderBlock(headerBlock),
    subject: email.subject,
    from: email.from,
    to: email.to,
    cc: email.cc,
    date: email.date.toISOString(),
    html: email.html,
    text: email.text,
    attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256, inline: a.inline })),
    emlBytes: bytes,
    inlineImages: await inlineImages(email),
  };
}
