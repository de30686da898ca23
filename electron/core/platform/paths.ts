import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

export const APP_DIR_NAME = 'Symphony Archiver';

/**
 * The data folder layout, the same for every host so that the app, the browser host and the
 * headless command share one database:
 *
 *   <dataDir>/archiver.db          the store (SQLite, WAL)
 *   <dataDir>/spool/<connector>/   downloaded attachments awaiting delivery
 *   <dataDir>/secrets/             encrypted token caches and the local key file (0700)
 *   <dataDir>/exports/             .eml exports and downloaded log bundles
 *   <dataDir>/backups/             database backups
 *   <dataDir>/logs/                rotating application logs
 */
export interface AppPaths {
  dataDir: string;
  database: string;
  spool: string;
  secrets: string;
  exports: string;
  backups: string;
  logs: string;
}

/** Same folder Electron's `app.getPath('userData')` gives for our product name. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SYMPHONY_ARCHIVER_HOME) return path.resolve(env.SYMPHONY_ARCHIVER_HOME);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
}

export function appPaths(dataDir: string): AppPaths {
  return {
    dataDir,
    database: path.join(dataDir, 'archiver.db'),
    spool: path.join(dataDir, 'spool'),
    secrets: path.join(dataDir, 'secrets'),
    exports: path.join(dataDir, 'exports'),
    backups: path.join(dataDir, 'backups'),
    logs: path.join(dataDir, 'logs'),
  };
}

export function ensureAppPaths(paths: AppPaths): AppPaths {
  for (const dir of [paths.dataDir, paths.spool, paths.exports, paths.backups, paths.logs]) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(paths.secrets, { recursive: true, mode: 0o700 });
  return paths;
}
