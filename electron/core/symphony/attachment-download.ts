import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Response } from 'undici';
import { ArchiverError } from '../../../shared/errors';
import { EXCHANGE_MAX_MESSAGE_BYTES } from '../model/limits';
import { cancelledError, TruncatedDownloadError } from './http';

/**
 * The most capture downloads of one attachment: no e-mail carrying a larger file could be
 * archived (model/limits.ts), so a larger declared file is refused before download.
 */
export const MAX_ATTACHMENT_BYTES = EXCHANGE_MAX_MESSAGE_BYTES;

export interface DownloadLimits {
  declaredSize: number;
  maxBytes: number;
}

/**
 * Decodes base64 text arriving in arbitrary chunks. Symphony may wrap lines and may use either
 * alphabet; anything else is refused rather than silently dropped by Buffer's lenient decoder.
 */
export class Base64DecodeStream extends Transform {
  private carry = '';
  private ended = false;
  decodedBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly declaredSize = Number.POSITIVE_INFINITY,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let text = this.carry + chunk.toString('latin1').replace(/[\s"]/g, '');
    if (/[^A-Za-z0-9+/=_-]/.test(text)) return done(new TruncatedDownloadError('The attachment body is not base64 text.'));
    if (this.ended && text.length > 0) return done(new TruncatedDownloadError('The attachment body has data after its base64 padding.'));
    const padAt = text.indexOf('=');
    if (padAt >= 0) {
      this.ended = true;
      text = text.replace(/=+$/, '');
      if (text.includes('=')) return done(new TruncatedDownloadError('The attachment body has padding inside its base64 text.'));
      this.carry = '';
      return this.emit4(text, true, done);
    }
    const whole = text.length - (text.length % 4);
    this.carry = text.slice(whole);
    this.emit4(text.slice(0, whole), false, done);
  }

  override _flush(done: TransformCallback): void {
    if (this.carry.length === 1) return done(new TruncatedDownloadError('The attachment body ends in the middle of a base64 group.'));
    this.emit4(this.carry, true, done);
    this.carry = '';
  }

  private emit4(text: string, last: boolean, done: TransformCallback): void {
    if (text.length === 0) return done();
    if (last && text.length % 4 === 1) return done(new TruncatedDownloadError('The attachment body ends in the middle of a base64 group.'));
    const bytes = Buffer.from(text, 'base64');
    this.decodedBytes += bytes.length;
    if (this.decodedBytes > this.maxBytes) return done(new AttachmentTooLargeError(this.maxBytes));
    // Stop at once rather than stream an unbounded body that already broke its declaration.
    if (this.decodedBytes > this.declaredSize) return done(new TruncatedDownloadError(`The attachment is larger than the ${this.declaredSize} bytes Symphony declared.`));
    done(null, bytes);
  }
}

export class AttachmentTooLargeError extends ArchiverError {
  constructor(limit: number) {
    super({
      code: 'too-large',
      message: `The attachment is larger than ${formatBytes(limit)}, the most the archiver keeps; it was not archived.`,
      fix: 'Keep the original in Symphony or retrieve it from Symphony\'s content export.',
    });
  }
}

/**
 * Streams a base64 answer into `dest` (through `dest.part`, renamed once complete and synced):
 * checks the decoded size against the declared one, hashes on the way and never holds the file
 * in memory.
 */
export async function saveBase64Body(response: Response, dest: string, limits: DownloadLimits, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  if (!response.body) throw new TruncatedDownloadError('The attachment answer has no body.');
  const part = `${dest}.part`;
  const decoder = new Base64DecodeStream(limits.maxBytes, limits.declaredSize);
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const file = fs.createWriteStream(part, { flags: 'w' });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), decoder, tap, file, { signal });
    if (decoder.decodedBytes !== limits.declaredSize) {
      throw new TruncatedDownloadError(`The attachment arrived with ${decoder.decodedBytes} bytes but Symphony declared ${limits.declaredSize}.`);
    }
    const fd = fs.openSync(part, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(part, dest);
    return { size: decoder.decodedBytes, sha256: hash.digest('hex') };
  } catch (error) {
    // The file may still be opening when the pipeline fails; remove it only once it is closed,
    // or the late open would leave a stray .part behind.
    file.destroy();
    if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
    fs.rmSync(part, { force: true });
    if (signal?.aborted) throw cancelledError(signal);
    if (error instanceof TruncatedDownloadError || ArchiverError.is(error)) throw error;
    // The connection dropped mid-body: worth another try.
    throw new TruncatedDownloadError(`The attachment download broke off after ${decoder.decodedBytes} bytes: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}
