import { createHash } from 'node:crypto';
import { Prng } from '../prng';

/** What an attachment's content is generated from (EmAttachment has both). */
export interface AttachmentSeed {
  seed: number;
  size: number;
}

/** The attachment's bytes, generated in chunks (multiples of 3 so base64 pieces concatenate). */
export function* attachmentChunks(a: AttachmentSeed, chunkSize = 48 * 1024): Generator<Buffer> {
  const rng = new Prng(`attachment:${a.seed}`);
  for (let sent = 0; sent < a.size; ) {
    const n = Math.min(chunkSize, a.size - sent);
    yield rng.bytes(n);
    sent += n;
  }
}

export function attachmentSha256(a: AttachmentSeed): string {
  const hash = createHash('sha256');
  for (const chunk of attachmentChunks(a)) hash.update(chunk);
  return hash.digest('hex');
}
