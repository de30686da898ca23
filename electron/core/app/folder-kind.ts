import fs from 'node:fs';
import path from 'node:path';
import { ArchiverError } from '../../../shared/errors';
import type { AppPaths } from '../platform/paths';

/** The file that marks a data folder as a sandbox's (`npm run demo`). */
export const SANDBOX_MARKER = 'SANDBOX';

/**
 * A sandbox's data and a real archive's never share a folder: the sandbox's connectors point at
 * emulators and its mailboxes are make-believe, so a real host refuses a sandbox folder and the
 * sandbox refuses a folder that already holds a real archive. Checked before the store opens.
 */
export function claimDataFolder(paths: AppPaths, sandbox: boolean): void {
  const marker = path.join(paths.dataDir, SANDBOX_MARKER);
  const isSandbox = fs.existsSync(marker);
  if (sandbox && !isSandbox) {
    if (fs.existsSync(paths.database)) {
      throw new ArchiverError({
        code: 'invalid-input',
        message: `${paths.dataDir} holds a real archive; the sandbox never runs on it.`,
        fix: 'Start the sandbox without --data (it makes a fresh folder), or give it an empty folder.',
      });
    }
    fs.mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(marker, 'This folder belongs to the Symphony Archiver sandbox (npm run demo): emulated pod and tenant.\n', { mode: 0o600 });
  }
  if (!sandbox && isSandbox) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `${paths.dataDir} is a sandbox folder (emulated pod and tenant); a real archive never runs on it.`,
      fix: 'Choose another data folder for the real archive, or open this one with npm run demo.',
    });
  }
}
