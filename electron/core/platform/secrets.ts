import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts small secrets (token caches) before they touch the disk. The Electron shell provides
 * one backed by safeStorage (the OS keychain); hosts without it use the Node one below.
 */
export interface SecretCipher {
  encrypt(plain: Buffer): Promise<Buffer>;
  decrypt(sealed: Buffer): Promise<Buffer>;
}

const MAGIC = Buffer.from('SAK1');

/**
 * AES-256-GCM with a random 32-byte key kept in <dataDir>/secrets/key (mode 0600, folder 0700).
 * Protects the cache against casual reading and copying of single files; whoever can read the whole
 * data folder as the same user can read the key too, which is why the Electron host prefers the keychain.
 */
export class NodeSecretCipher implements SecretCipher {
  private key: Buffer | undefined;

  constructor(private readonly secretsDir: string) {}

  async encrypt(plain: Buffer): Promise<Buffer> {
    const key = this.loadKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  async decrypt(sealed: Buffer): Promise<Buffer> {
    if (sealed.length < 32 || !sealed.subarray(0, 4).equals(MAGIC)) throw new Error('The secret file is not in the expected format.');
    const key = this.loadKey();
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(4, 16));
    decipher.setAuthTag(sealed.subarray(16, 32));
    return Buffer.concat([decipher.update(sealed.subarray(32)), decipher.final()]);
  }

  private loadKey(): Buffer {
    if (this.key) return this.key;
    fs.mkdirSync(this.secretsDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.secretsDir, 'key');
    try {
      const existing = fs.readFileSync(file);
      if (existing.length === 32) return (this.key = existing);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const key = randomBytes(32);
    try {
      // 'wx': never overwrite a key another process wrote first; that one wins.
      fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      this.key = key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      this.key = fs.readFileSync(file);
    }
    fs.chmodSync(file, 0o600);
    return this.key;
  }
}
