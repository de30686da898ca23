import fs from 'node:fs';
import { fileTypeFromBuffer } from 'file-type';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';

/**
 * What an attachment really is. Symphony passes on whatever type the sender's client declared, so
 * the bytes decide: file-type (a maintained signature library) for binary formats, and a small
 * text check of our own for what file-type does not cover by design (SVG, HTML and plain text
 * have no magic number). Both types are kept for the custody record.
 */

const HEAD_BYTES = 64 * 1024;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
/** Shown in the body by mail readers; only these may be inline, and only when the bytes agree. */
export const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp']);
/** Formats that can run script or load content when a reader renders them. */
export const ACTIVE_TYPES = new Set(['image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/javascript', 'application/javascript', 'application/x-javascript', 'text/xml', 'application/xml']);
/** Containers file-type reports generically while the declared type names the real format. */
const GENERIC_CONTAINERS = new Set(['application/zip', 'application/x-cfb', 'application/gzip']);

export interface AttachmentType {
  /** The type written on the part (and on the Graph attachment). */
  contentType: string;
  /** As Symphony declared it, cleaned ('' when none). */
  declared: string;
  /** As the bytes say ('' when they say nothing recognisable). */
  sniffed: string;
  /** The bytes are a raster image a reader may show in the body. */
  inlineImage: boolean;
}

function validType(value: string): string {
  const base = (value.split(';')[0] ?? '').trim().toLowerCase();
  return CONTENT_TYPE.test(base) ? base : '';
}

function isTextual(type: string): boolean {
  return /^text\//.test(type) || /^message\//.test(type) || /[/+](json|xml|csv|javascript|x-yaml|yaml)$/.test(type);
}

/** UTF-8 (or ASCII) without NUL: what the text check may look at further. */
function textKind(head: Buffer): string | undefined {
  if (head.includes(0)) return undefined;
  // A multi-byte character may be cut at the end of the head; drop up to 3 trailing bytes of it.
  let end = head.length;
  for (let back = 0; back < 3 && end > 0 && ((head[end - 1] as number) & 0xc0) === 0x80; back++) end--;
  if (end > 0 && (head[end - 1] as number) >= 0xc0) end--;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end)).slice(0, 4096).toLowerCase();
    if (/<svg[\s>]/.test(text)) return 'image/svg+xml';
    if (/<!doctype html|<html[\s>]|<script[\s>]|<body[\s>]|<iframe[\s>]/.test(text)) return 'text/html';
    return 'text/plain';
  } catch {
    return undefined;
  }
}

/**
 * The first bytes of a spool file, read synchronously: a local read of at most 64 KiB takes
 * microseconds, less than the three thread-pool round trips (open, read, close) of an async read,
 * which were most of a conversion's wall time with attachments (issue #19).
 */
function readHead(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    return head.subarray(0, fs.readSync(fd, head, 0, HEAD_BYTES, 0));
  } finally {
    fs.closeSync(fd);
  }
}

export async function sniffFile(file: string): Promise<{ magic?: string; text?: string }> {
  const bytes = readHead(file);
  let magic = bytes.length > 0 ? validType((await fileTypeFromBuffer(bytes))?.mime ?? '') || undefined : undefined;
  // file-type reports an SVG with an XML declaration as XML: the text check tells which it is.
  if (magic && /[/+]xml$/.test(magic) && textKind(bytes) === 'image/svg+xml') magic = 'image/svg+xml';
  return { magic, text: magic ? undefined : bytes.length > 0 ? textKind(bytes) : 'text/plain' };
}

/**
 * The type to write: the bytes' type when they have a signature (a container keeps the more
 * specific declared type), an active text format when the text is one (so an SVG declared as PNG
 * is treated as the SVG it is), else the declared or extension's type when it fits, else a safe
 * default. A message/* or multipart/* type is written as application/octet-stream: RFC 2046 allows
 * no base64 for those, and base64 is the only encoding that keeps any attached bytes exact.
 */
export function chooseType(declaredRaw: string, filename: string, sniff: { magic?: string; text?: string }): AttachmentType {
  const declared = validType(declaredRaw);
  const stated = [declared, validType(detectMimeType(filename))].find((t) => t && t !== 'application/octet-stream') ?? '';
  let contentType: string;
  if (sniff.magic) contentType = GENERIC_CONTAINERS.has(sniff.magic) && stated && !isTextual(stated) ? stated : sniff.magic;
  else if (sniff.text === 'image/svg+xml' || sniff.text === 'text/html') contentType = sniff.text;
  else if (sniff.text) contentType = stated && isTextual(stated) ? stated : 'text/plain';
  else contentType = stated && !isTextual(stated) ? stated : 'application/octet-stream';
  if (/^(message|multipart)\//.test(contentType)) contentType = 'application/octet-stream';
  const sniffed = sniff.magic ?? sniff.text ?? '';
  return { contentType, declared, sniffed, inlineImage: !!sniff.magic && INLINE_IMAGE_TYPES.has(sniff.magic) && contentType === sniff.magic };
}
