import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import Papa from 'papaparse';
import yazl from 'yazl';
import { ArchiverError } from '../../../shared/errors';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import { ItemLogRepository } from '../store/repos/item-log';
import { RunRepository, toSummary } from '../store/repos/runs';

export interface LogExportInput {
  store: Store;
  paths: AppPaths;
  runId: number;
  format: 'csv' | 'zip';
  destination?: string;
  /** Rows per read (tests use small ones to cross many pages). */
  batchRows?: number;
}

const COLUMNS = ['item_id', 'stream_id', 'sender', 'item_status', 'event', 'at', 'mailbox', 'graph_id', 'archive_key', 'run_id', 'detail'];
const BATCH = 1000;

/**
 * Writes a run's item log as CSV, or a ZIP with that CSV, the run summary, the reconciliation and
 * the application logs. Rows are streamed from SQLite in batches, so a run of half a million
 * items never sits in memory.
 */
export async function exportRunLog(input: LogExportInput): Promise<{ path: string; bytes: number }> {
  const runs = new RunRepository(input.store);
  const run = runs.get(input.runId);
  if (!run) throw new ArchiverError({ code: 'not-found', message: `There is no run ${input.runId}.`, target: String(input.runId) });
  const base = `run-${run.id}-${run.startedAt.slice(0, 10)}`;
  const target = path.resolve(input.destination ?? path.join(input.paths.exports, `${base}.${input.format}`));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  try {
    if (input.format === 'csv') {
      await writeCsv(input.store, run.id, run.connectorId, partial, input.batchRows ?? BATCH);
    } else {
      const csv = path.join(input.paths.exports, `.${base}-${process.pid}.csv`);
      try {
        await writeCsv(input.store, run.id, run.connectorId, csv, input.batchRows ?? BATCH);
        await writeZip(partial, csv, `${base}-items.csv`, base, runs, run.id, input.paths.logs);
      } finally {
        fs.rmSync(csv, { force: true });
      }
    }
    // Renamed at the end, so a half-written file never carries the final name.
    fs.renameSync(partial, target);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new ArchiverError(
      { code: 'internal', message: `The log of run ${run.id} could not be written to ${target}.`, fix: 'Choose a folder you can write to, with free space.', detail: String(error) },
      { cause: error },
    );
  }
  return { path: target, bytes: fs.statSync(target).size };
}

async function writeCsv(store: Store, runId: number, connectorId: string, file: string, batchRows: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(Papa.unparse([COLUMNS]) + '\r\n');
  const items = new ItemLogRepository(store);
  for (let after = { itemId: 0, id: 0 }; ; ) {
    const page = items.pageRunLog(runId, connectorId, after, batchRows);
    if (page.length === 0) break;
    const last = page.at(-1)!;
    after = { itemId: last.itemId, id: last.id };
    const rows = page.map((e) => [e.itemId, e.streamId, e.sender, e.status, e.event, e.at, e.mailbox ?? '', e.graphId ?? '', e.archiveKey ?? '', e.runId ?? '', e.detail ?? '']);
    await write(Papa.unparse(rows, { escapeFormulae: true }) + '\r\n');
  }
  out.end();
  await once(out, 'finish');
}

async function writeZip(file: string, csv: string, csvName: string, base: string, runs: RunRepository, runId: number, logsDir: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const run = runs.get(runId)!;
  zip.addFile(csv, csvName);
  zip.addBuffer(Buffer.from(JSON.stringify({ ...toSummary(run), progress: run.progress }, null, 2)), `${base}-summary.json`);
  zip.addBuffer(Buffer.from(JSON.stringify(run.reconciliation, null, 2)), `${base}-reconciliation.json`);
  if (fs.existsSync(logsDir)) {
    for (const name of fs.readdirSync(logsDir).filter((n) => n.endsWith('.log')).sort()) {
      // The current log grows while we zip it: take the bytes it has now.
      const full = path.join(logsDir, name);
      const size = fs.statSync(full).size;
      if (size === 0) zip.addBuffer(Buffer.alloc(0), `logs/${name}`);
      else zip.addReadStream(fs.createReadStream(full, { start: 0, end: size - 1 }), `logs/${name}`, { size });
    }
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(file));
}
