import fs from 'node:fs';
import path from 'node:path';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { SecretCipher } from '../../platform/secrets';

/**
 * MSAL's token cache, sealed with the host's SecretCipher before it is written: never plain text
 * on disk. One file per connector; written atomically (temp file + rename) so a crash mid-write
 * leaves the previous cache intact. An unreadable cache (key lost, file damaged) is treated as
 * empty: the officer signs in again rather than the app failing.
 */
export class EncryptedCachePlugin implements ICachePlugin {
  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
  ) {}

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    let sealed: Buffer;
    try {
      sealed = await fs.promises.readFile(this.file);
    } catch {
      return;
    }
    try {
      context.tokenCache.deserialize((await this.cipher.decrypt(sealed)).toString('utf8'));
    } catch {
      // Undecryptable: start over with an empty cache.
    }
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged) return;
    const sealed = await this.cipher.encrypt(Buffer.from(context.tokenCache.serialize(), 'utf8'));
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    await fs.promises.writeFile(temp, sealed, { mode: 0o600 });
    await fs.promises.rename(temp, this.file);
  }

  async clear(): Promise<void> {
    await fs.promises.rm(this.file, { force: true });
  }
}
