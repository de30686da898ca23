import fs from 'node:fs';
import path from 'node:path';
import electronLog from 'electron-log/node';
import type { ConsoleTransport, LogFunctions, LogMessage, Logger as ElectronLogger } from 'electron-log';
import { storageProblem } from './storage-errors';

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
  guardFileErrors(electronLog);
  return wrap(log.scope(''), log);
}

/** How often a log file that cannot be written is reported on the console (once per 10 minutes). */
const FILE_PROBLEM_EVERY_MS = 10 * 60_000;

/**
 * electron-log reports every failed write of its file on the console — bypassing the console's
 * level, with the stack — so a full disk turned every log line into a stack trace (hundreds a
 * second). The report goes through the console transport of the process's first logger (its
 * default instance: the file registry is shared and keeps the first listener), which writes
 * through `writeFn`; this one lets those reports through as one plain line with the fix, at most
 * once per 10 minutes, and everything else unchanged.
 */
const guarded = new WeakSet<object>();

function guardFileErrors(log: ElectronLogger): void {
  if (guarded.has(log)) return;
  guarded.add(log);
  const consoleTransport = log.transports.console as ConsoleTransport;
  const write = consoleTransport.writeFn.bind(consoleTransport);
  let shownAt = Number.NEGATIVE_INFINITY;
  consoleTransport.writeFn = ({ message }: { message: LogMessage }) => {
    const text = message.data.map((d: unknown) => (typeof d === 'string' ? d : d instanceof Error ? `${(d as NodeJS.ErrnoException).code ?? ''} ${d.message}` : safeJson(d))).join(' ');
    if (!text.includes('electron-log.transports.file')) return write({ message });
    const now = Date.now();
    if (now - shownAt < FILE_PROBLEM_EVERY_MS) return;
    shownAt = now;
    const file = /Can't write to (\S+)/.exec(text)?.[1];
    const problem = storageProblem(new Error(text), file && path.dirname(file));
    process.stderr.write(`Symphony Archiver cannot write its log file${file ? ` ${file}` : ''}: ${problem ? `${problem.message} ${problem.fix}` : text.replace(/\s+/g, ' ').slice(0, 300)}\n`);
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
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
