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
 *   <dataDir>/uploads/             files the officer hands over (CSV imports) while they are read
 *
 * Everything in it is private to the account that runs the archiver: folders 0700, files 0600 on
 * POSIX (see `secureDataDir`). On Windows the folder inherits the per-user profile ACL.
 */
export interface AppPaths {
  dataDir: string;
  database: string;
  spool: string;
  secrets: string;
  exports: string;
  backups: string;
  logs: string;
  uploads: string;
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
    uploads: path.join(dataDir, 'uploads'),
  };
}

/** Creates the data folder and its sub-folders owner-only, and tightens what is already there. */
export function ensureAppPaths(paths: AppPaths): AppPaths {
  secureDataDir(paths);
  return paths;
}

/** What `secureDataDir` changed: one entry per file or folder whose permissions were too wide. */
export interface TightenedEntry {
  path: string;
  /** The permission bits found, e.g. 0o755. */
  was: number;
  now: number;
}

const PRIVATE_DIR = 0o700;

/**
 * Makes the data folder private at rest: the process umask becomes 077 (so SQLite's WAL files,
 * electron-log's files, spool and exports files are all created owner-only, whoever writes them),
 * the folders are created 0700, and every entry already there with group or other bits (a folder
 * from an older version, a copy restored with `cp -r`) is tightened, down to the files of every
 * folder that was wide. Symbolic links are not
 * followed: the walk never changes anything outside the data folder. Returns what it tightened so
 * the host can log it once its logger exists. A no-op on Windows, where modes mean nothing and the
 * folder under %APPDATA% inherits the per-user profile ACL.
 */
export function secureDataDir(paths: AppPaths, platform: NodeJS.Platform = process.platform): TightenedEntry[] {
  const dirs = [paths.dataDir, paths.spool, paths.secrets, paths.exports, paths.backups, paths.logs, paths.uploads];
  if (platform === 'win32') {
    for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
    return [];
  }
  usePrivateUmask();
  for (const dir of dirs) fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const tightened: TightenedEntry[] = [];
  const known = new Set(dirs);
  const visit = (entry: string) => {
    const stat = fs.lstatSync(entry, { throwIfNoEntry: false });
    if (!stat || stat.isSymbolicLink()) return;
    const mode = stat.mode & 0o777;
    const wide = (mode & 0o077) !== 0;
    // Group and other bits go; folders become rwx for the owner, files keep the owner's bits.
    if (wide) {
      const next = stat.isDirectory() ? PRIVATE_DIR : mode & 0o700;
      fs.chmodSync(entry, next);
      tightened.push({ path: entry, was: mode, now: next });
    }
    // What is inside a folder that was already private was never reachable by anyone else, so
    // only the data folder's own folders and folders that were wide are walked: a start-up with
    // a large spool or exports tree costs a few directory listings, not one stat per file.
    if (stat.isDirectory() && (wide || known.has(entry))) for (const name of fs.readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(paths.dataDir);
  return tightened;
}

/**
 * umask 077 for this process. The archiver writes nothing that another account should read, and
 * a umask is the one setting that covers files created by libraries (SQLite, electron-log) too.
 * Worker threads cannot change it (the main thread's applies to them already).
 */
export function usePrivateUmask(): void {
  try {
    process.umask(process.umask() | 0o077);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_UNSUPPORTED_OPERATION') throw error;
  }
}

/** The log line for what `secureDataDir` tightened, or undefined when nothing was too wide. */
export function describeTightened(entries: readonly TightenedEntry[]): string | undefined {
  if (entries.length === 0) return undefined;
  const octal = (m: number) => `0${m.toString(8)}`;
  const shown = entries.slice(0, 5).map((e) => `${e.path} (${octal(e.was)} → ${octal(e.now)})`);
  const more = entries.length > 5 ? ` and ${entries.length - 5} more` : '';
  return `the data folder was readable by other accounts; tightened ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} to owner-only: ${shown.join(', ')}${more}`;
}
