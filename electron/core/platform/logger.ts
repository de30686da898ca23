import fs from 'node:fs';
import path from 'node:path';
import electronLog from 'electron-log/node';
import type { LogFunctions, Logger as ElectronLogger } from 'electron-log';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The one logging interface of the core; hosts decide where it writes. */
export interface Logger {
  error(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
  /** A logger whose lines carry a scope such as `capture` or `graph`. */
  scope(name: string): Logger;
}

export interface LoggerOptions {
  /** Folder for the rotating log file; no file when absent. */
  dir?: string;
  fileName?: string;
  level?: LogLevel;
  console?: boolean;
  /** Bytes per file before it is rotated. */
  maxSize?: number;
  /** Rotated files kept beside the current one (main.1.log … main.N.log). */
  keep?: number;
}

let instanceCounter = 0;

/**
 * electron-log, used through its Node entry so that the same logger serves the Electron app,
 * the browser host and the headless command. Rotation keeps numbered files because
 * electron-log's default keeps only one old file, too little for a compliance trail.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const log = electronLog.create({ logId: `archiver-${process.pid}-${instanceCounter++}` });
  const level = options.level ?? 'info';
  const keep = options.keep ?? 5;
  if (options.dir) {
    fs.mkdirSync(options.dir, { recursive: true });
    const file = path.join(options.dir, options.fileName ?? 'main.log');
    log.transports.file.resolvePathFn = () => file;
    log.transports.file.level = level;
    log.transports.file.maxSize = options.maxSize ?? 5 * 1024 * 1024;
    log.transports.file.archiveLogFn = (oldLog) => rotate(oldLog.path, keep);
  } else {
    log.transports.file.level = false;
  }
  log.transports.console.level = options.console === false ? false : level;
  return wrap(log.scope(''), log);
}

function wrap(scoped: LogFunctions, root: ElectronLogger): Logger {
  return {
    error: (m, ...d) => scoped.error(m, ...d),
    warn: (m, ...d) => scoped.warn(m, ...d),
    info: (m, ...d) => scoped.info(m, ...d),
    debug: (m, ...d) => scoped.debug(m, ...d),
    scope: (name) => wrap(root.scope(name), root),
  };
}

function rotate(file: string, keep: number): void {
  const ext = path.extname(file);
  const base = file.slice(0, file.length - ext.length);
  const numbered = (n: number) => `${base}.${n}${ext}`;
  try {
    fs.rmSync(numbered(keep), { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      if (fs.existsSync(numbered(n))) fs.renameSync(numbered(n), numbered(n + 1));
    }
    fs.renameSync(file, numbered(1));
  } catch (error) {
    // Rotation failing must not stop logging; the next write retries.
    console.error('log rotation failed', error);
  }
}

/** A logger that writes nowhere, for tests that do not care. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  scope: () => silentLogger,
};
