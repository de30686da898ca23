import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** SHA-256 (the ledger key) and MD5 (what Symphony's .md5 files hold) of a file, in one read. */
export async function hashFile(file: string): Promise<{ sha256: string; md5: string; size: number }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  await pipeline(fs.createReadStream(file), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.length;
    }
    yield* [];
  });
  return { sha256: sha256.digest('hex'), md5: md5.digest('hex'), size };
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * The digest in an .md5 file: either the bare hex digest or md5sum's `<digest>  <name>` line.
 * Returns undefined when the file holds no MD5 digest at all.
 */
export function parseMd5File(content: Buffer | string): string | undefined {
  const text = typeof content === 'string' ? content : content.toString('latin1');
  const match = /(?:^|\s)([0-9a-fA-F]{32})(?:\s|$)/.exec(text.trim());
  return match?.[1]?.toLowerCase();
}
