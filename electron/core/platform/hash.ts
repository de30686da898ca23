import { createHash } from 'node:crypto';

/** SHA-256 as lower-case hex: the chain-of-custody hashes, content checks and derived ids. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}
