import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import Papa from 'papaparse';
import yazl from 'yazl';
import { ArchiverError } from '../../../shared/errors';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import { CaptureRepository } from '../store/repos/capture';
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

/** `reason_*`: why the item stands where it does (its outcome reason: code, words, fix, detail), on each of its lines. */
const COLUMNS = ['item_id', 'message_id', 'stream_id', 'sender', 'item_status', 'event', 'at', 'mailbox', 'graph_id', 'archive_key', 'run_id', 'detail', 'reason_code', 'reason', 'reason_fix', 'reason_detail'] as const;
type Column = (typeof COLUMNS)[number];
/**
 * Free text a spreadsheet could take for a formula (OWASP "CSV injection"): these get the guard.
 * Identifiers never do: an altered id no longer finds its message. They come from Symphony and
 * Graph in base64-like alphabets, without the parentheses a formula call needs, and are written
 * exactly; the JSON Lines file in the ZIP has every value untouched for machines.
 */
const TEXT_COLUMNS = new Set<Column>(['sender', 'mailbox', 'detail', 'reason', 'reason_fix', 'reason_detail']);
const BATCH = 1000;

/**
 * Writes a run's item log (the lines this run wrote, nothing of other runs) as CSV, or a ZIP with
 * that CSV, the same rows as JSON Lines, the run summary, the reconciliation and the application
 * logs. Rows are streamed from SQLite in batches, so a run of half a million items never sits in memory.
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
      await writeRows(input.store, run.id, run.connectorId, { csv: partial }, input.batchRows ?? BATCH);
    } else {
      fs.mkdirSync(input.paths.exports, { recursive: true });
      const csv = path.join(input.paths.exports, `.${base}-${process.pid}.csv`);
      const jsonl = path.join(input.paths.exports, `.${base}-${process.pid}.jsonl`);
      try {
        await writeRows(input.store, run.id, run.connectorId, { csv, jsonl }, input.batchRows ?? BATCH);
        await writeZip(partial, { csv, jsonl }, base, runs, run.id, input.paths.logs);
      } finally {
        fs.rmSync(csv, { force: true });
        fs.rmSync(jsonl, { force: true });
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

function guard(column: Column, value: string | number): string | number {
  if (typeof value !== 'string' || !TEXT_COLUMNS.has(column)) return value;
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

async function writeRows(store: Store, runId: number, connectorId: string, files: { csv: string; jsonl?: string }, batchRows: number): Promise<void> {
  const outputs = [fs.createWriteStream(files.csv), ...(files.jsonl ? [fs.createWriteStream(files.jsonl)] : [])];
  const [csvOut, jsonOut] = outputs;
  const write = async (out: fs.WriteStream, chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(csvOut!, Papa.unparse([[...COLUMNS]]) + '\r\n');
  const items = new ItemLogRepository(store);
  const capture = new CaptureRepository(store);
  for (let after = { itemId: 0, id: 0 }; ; ) {
    const page = items.pageRunLog(runId, connectorId, after, batchRows);
    if (page.length === 0) break;
    const last = page.at(-1)!;
    after = { itemId: last.itemId, id: last.id };
    const messageIds = capture.messageIds([...new Set(page.map((e) => e.itemId))]);
    const records = page.map((e) => ({
      item_id: e.itemId,
      message_id: messageIds.get(e.itemId) ?? '',
      stream_id: e.streamId,
      sender: e.sender,
      item_status: e.status,
      event: e.event,
      at: e.at,
      mailbox: e.mailbox ?? '',
      graph_id: e.graphId ?? '',
      archive_key: e.archiveKey ?? '',
      run_id: e.runId ?? '',
      detail: e.detail ?? '',
      reason_code: e.reason?.code ?? '',
      reason: e.reason?.message ?? '',
      reason_fix: e.reason?.fix ?? '',
      reason_detail: e.reason?.detail ?? '',
    }));
    await write(csvOut!, Papa.unparse(records.map((r) => COLUMNS.map((c) => guard(c, r[c])))) + '\r\n');
    if (jsonOut) await write(jsonOut, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  for (const out of outputs) {
    out.end();
    await once(out, 'finish');
  }
}

async function writeZip(file: string, rows: { csv: string; jsonl: string }, base: string, runs: RunRepository, runId: number, logsDir: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const run = runs.get(runId)!;
  zip.addFile(rows.csv, `${base}-items.csv`);
  zip.addFile(rows.jsonl, `${base}-items.jsonl`);
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
