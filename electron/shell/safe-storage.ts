import { safeStorage } from 'electron';
import type { Logger } from '../core/platform/logger';
import { NodeSecretCipher, type SecretCipher } from '../core/platform/secrets';

/**
 * Token caches sealed by the OS keychain (DPAPI on Windows, Keychain on macOS, libsecret/kwallet on
 * Linux) through Electron's safeStorage. Where Linux has no keyring, safeStorage would fall back
 * to a hard-coded key ('basic_text'), so the key-file cipher is used instead and the log says so.
 */
export function createShellCipher(secretsDir: string, logger: Logger): SecretCipher {
  const weakLinuxBackend = process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  if (!safeStorage.isEncryptionAvailable() || weakLinuxBackend) {
    logger.warn('the OS keychain is not available; token caches are sealed with the key file in the secrets folder');
    return new NodeSecretCipher(secretsDir);
  }
  return {
    encrypt: async (plain) => safeStorage.encryptString(plain.toString('base64')),
    decrypt: async (sealed) => Buffer.from(safeStorage.decryptString(sealed), 'base64'),
  };
}
