import fs from 'node:fs';
import path from 'node:path';
import type { ContentExportSettings } from '../../../../shared/contract/content-export';
import { ArchiverError } from '../../../../shared/errors';
import { systemClock, type Clock } from '../../platform/clock';
import { silentLogger, type Logger } from '../../platform/logger';
import type { Store } from '../../store/database';
import { CaptureWriter } from '../../store/repos/capture-writer';
import { ContentExportRepository } from '../../store/repos/content-export';
import { ConversationRepository } from '../../store/repos/conversations';
import { checksumNamesFor, compareExportFiles, isChecksumFile, isExportFile, parseExportFileName } from './file-names';
import { readExportFile, type ReadExport } from './read-export';
import { toCaptureBatch } from './batch';
import { openTransport } from './open-transport';
import type { ExportTransport, RemoteEntry } from './transport';

/** Points of an ingest a crash test can stop at (see test/integration/content-export.crash.test.ts). */
export type IngestStage = 'downloaded' | 'parsed' | 'stored-uncommitted' | 'committed' | 'deleted';

export interface ContentExportPollOptions {
  connectorId: string;
  /** Host name of the pod (part of each item's Message-ID). */
  pod: string;
  settings: ContentExportSettings;
  store: Store;
  /** The data folder's spool (paths.spool); files go under <spool>/<connector>/content-export/. */
  spoolDir: string;
  logger?: Logger;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** The capture writer of the run (the Content Export source passes its own); else one over `store` for this connector and pod. */
  writer?: CaptureWriter;
  signal?: AbortSignal;
  onStage?: (stage: IngestStage, file: string) => void;
  /** After each export file, however it went. */
  onProgress?: (progress: { done: number; total: number; inserted: number }) => void;
}

export type FileOutcome = 'ingested' | 'already-ingested' | 'waiting' | 'failed';

export interface FileReport {
  name: string;
  outcome: FileOutcome;
  sha256: string | null;
  conversations: number;
  items: number;
  /** Items new to the store (the others were already captured, by this or another source). */
  inserted: number;
  message: string | null;
  fix: string | null;
}

export interface PollReport {
  source: string;
  files: FileReport[];
  ingested: number;
  failed: number;
  items: number;
  inserted: number;
}

/**
 * One poll of the Content Export location: every export file not yet ingested is downloaded,
 * checked (.md5), decrypted when it is PGP, read, and stored with its "ingested" record in one
 * transaction. A bad file is reported and skipped (and tried again next poll); the others go on.
 */
export async function pollContentExport(options: ContentExportPollOptions): Promise<PollReport> {
  const logger = (options.logger ?? silentLogger).scope('content-export');
  const transport = await openTransport(options.settings, { env: options.env });
  try {
    return await pollWith(transport, options, logger);
  } finally {
    await transport.close();
  }
}

export async function pollWith(transport: ExportTransport, options: ContentExportPollOptions, logger: Logger = silentLogger): Promise<PollReport> {
  const clock = options.clock ?? systemClock;
  const ledger = new ContentExportRepository(options.store);
  const writer = options.writer ?? new CaptureWriter(options.store, options.connectorId, options.pod, () => new Date(clock.now()));
  const base = path.join(options.spoolDir, options.connectorId, 'content-export');
  const stagingRoot = path.join(base, 'staging');
  const staging = path.join(stagingRoot, `${process.pid}-${Date.now()}`);
  const attachmentsDir = path.join(base, 'attachments');
  removeAbandonedStaging(stagingRoot);
  fs.mkdirSync(staging, { recursive: true });
  fs.mkdirSync(attachmentsDir, { recursive: true });
  activeStaging.add(staging);
  try {
    return await pollFiles(transport, options, logger, { ledger, writer, staging, attachmentsDir, clock });
  } finally {
    activeStaging.delete(staging);
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

async function pollFiles(
  transport: ExportTransport,
  options: ContentExportPollOptions,
  logger: Logger,
  dirs: { ledger: ContentExportRepository; writer: CaptureWriter; staging: string; attachmentsDir: string; clock: Clock },
): Promise<PollReport> {
  const { ledger, writer, staging, attachmentsDir, clock } = dirs;
  const listing = await transport.list();
  const names = new Set(listing.map((e) => e.name));
  const candidates = listing.filter((e) => isExportFile(e.name)).sort((a, b) => compareExportFiles(parseExportFileName(a.name), parseExportFileName(b.name)));
  const report: PollReport = { source: transport.description, files: [], ingested: 0, failed: 0, items: 0, inserted: 0 };

  for (const entry of candidates) {
    if (options.signal?.aborted) throw new ArchiverError({ code: 'cancelled', message: 'The Content Export poll was cancelled.' });
    const file = await ingestOne(entry, { transport, options, ledger, writer, staging, attachmentsDir, names, clock, logger });
    report.files.push(file);
    if (file.outcome === 'ingested') report.ingested++;
    if (file.outcome === 'failed') report.failed++;
    report.items += file.items;
    report.inserted += file.inserted;
    options.onProgress?.({ done: report.files.length, total: candidates.length, inserted: report.inserted });
  }
  logger.info(`poll of ${transport.description}: ${report.ingested} ingested, ${report.failed} failed, ${report.inserted} new items`);
  return report;
}

interface IngestContext {
  transport: ExportTransport;
  options: ContentExportPollOptions;
  ledger: ContentExportRepository;
  writer: CaptureWriter;
  staging: string;
  attachmentsDir: string;
  names: ReadonlySet<string>;
  clock: Clock;
  logger: Logger;
}

async function ingestOne(entry: RemoteEntry, ctx: IngestContext): Promise<FileReport> {
  const { options, ledger, transport } = ctx;
  const { connectorId, settings } = options;
  const blank = { sha256: null, conversations: 0, items: 0, inserted: 0, message: null, fix: null };
  const participants = new ConversationRepository(options.store);

  // Name and size are enough to skip a file; deleting one needs its SHA-256 checked (below).
  const seen = ledger.ingestedBySize(connectorId, entry.name, entry.size);
  if (seen && !settings.deleteAfterIngest) return { ...blank, name: entry.name, outcome: 'already-ingested', sha256: seen.sha256 };
  const ageMs = entry.modifiedAt ? ctx.clock.now() - entry.modifiedAt.getTime() : Number.POSITIVE_INFINITY;
  if (!seen && ageMs < settings.minFileAgeSeconds * 1000) {
    return { ...blank, name: entry.name, outcome: 'waiting', message: `${entry.name} is younger than ${settings.minFileAgeSeconds} s and may still be being written; it is read on a later poll.` };
  }

  const local = path.join(ctx.staging, `${sanitize(entry.name)}.download`);
  let read: ReadExport | undefined;
  let sha256 = '';
  try {
    await transport.download(entry.name, local);
    read = await readExportFile({
      local,
      name: entry.name,
      staging: ctx.staging,
      attachmentsDir: ctx.attachmentsDir,
      settings,
      env: options.env,
      besideChecksum: await besideChecksum(entry.name, ctx),
      onDownloaded: (hash) => {
        sha256 = hash;
        options.onStage?.('downloaded', entry.name);
      },
      isIngested: (hash) => ledger.ingestedByHash(connectorId, entry.name, hash) !== undefined,
      knownUserId: (email) => participants.participantIdByEmail(connectorId, email),
    });
    if (read.alreadyIngested) {
      await removeIfOptedIn(entry.name, read.sha256, ctx);
      return { ...blank, name: entry.name, outcome: 'already-ingested', sha256: read.sha256 };
    }
    options.onStage?.('parsed', entry.name);
    const done = read;
    const now = new Date(ctx.clock.now());
    // The file's conversations and items, and its "ingested" record (the source's position), in one transaction.
    const { inserted: stored } = ctx.writer.write(toCaptureBatch(done.conversations), ({ inserted }) => {
      options.onStage?.('stored-uncommitted', entry.name);
      ledger.recordIngested(connectorId, { name: entry.name, sha256: done.sha256, size: done.size, format: done.format, conversations: done.conversations.length, items: done.items, inserted }, now);
    });
    options.onStage?.('committed', entry.name);
    ctx.logger.info(`${entry.name}: ${done.conversations.length} conversations, ${done.items} items, ${stored} new`);
    await removeIfOptedIn(entry.name, done.sha256, ctx);
    return { name: entry.name, outcome: 'ingested', sha256: done.sha256, conversations: done.conversations.length, items: done.items, inserted: stored, message: done.warnings.join(' ') || null, fix: null };
  } catch (error) {
    const failure = ArchiverError.is(error)
      ? error
      : new ArchiverError({ code: 'internal', message: `${entry.name} could not be ingested.`, fix: 'The file is tried again on the next poll; if it keeps failing, send the log to support.', target: entry.name, detail: error instanceof Error ? error.message : String(error) }, { cause: error });
    ctx.logger.warn(`${entry.name}: ${failure.message}${failure.detail ? ` (${failure.detail})` : ''}`);
    ledger.recordFailure(connectorId, { name: entry.name, sha256: read?.sha256 ?? sha256, size: entry.size, format: read?.format ?? null }, failure.message, new Date(ctx.clock.now()));
    return { ...blank, name: entry.name, outcome: 'failed', sha256: read?.sha256 ?? (sha256 || null), message: failure.message, fix: failure.fix ?? null };
  } finally {
    read?.cleanup();
    fs.rmSync(local, { force: true });
  }
}

async function besideChecksum(name: string, ctx: IngestContext): Promise<{ name: string; content: Buffer } | undefined> {
  for (const candidate of checksumNamesFor(name)) {
    if (candidate !== name && ctx.names.has(candidate) && isChecksumFile(candidate)) {
      return { name: candidate, content: await ctx.transport.readSmall(candidate, 4096) };
    }
  }
  return undefined;
}

/** Deleting from the server is the officer's choice, and only ever after the commit. */
async function removeIfOptedIn(name: string, sha256: string, ctx: IngestContext): Promise<void> {
  if (!ctx.options.settings.deleteAfterIngest) return;
  try {
    await ctx.transport.remove(name);
    for (const candidate of checksumNamesFor(name)) {
      if (candidate !== name && ctx.names.has(candidate)) await ctx.transport.remove(candidate);
    }
    ctx.ledger.markDeletedFromSource(ctx.options.connectorId, name, sha256, new Date(ctx.clock.now()));
    ctx.options.onStage?.('deleted', name);
  } catch (error) {
    // The content is safely stored; a file left on the server is only tried again.
    ctx.logger.warn(`${name}: ingested but could not be deleted from the server: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Whatever a crashed run left half-written is thrown away (the ledger decides what is done); the
 * folder of a poll still running in another process (the app beside the headless command) stays.
 */
const activeStaging = new Set<string>();

function removeAbandonedStaging(root: string): void {
  if (!fs.existsSync(root)) return;
  for (const entry of fs.readdirSync(root)) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
    if (activeStaging.has(path.join(root, entry)) || (pid && pid !== process.pid && isAlive(pid))) continue;
    fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
