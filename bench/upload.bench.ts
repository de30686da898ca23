import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { BenchRow } from './types';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HEADER = 'symphony_user_id,symphony_email,target_upn,also_deliver_to,exclude,note';

/**
 * A mapping CSV imported through the browser host's upload path (POST /uploads, then
 * mapping.previewCsv and mapping.applyCsv by upload id) into the built host, in a fresh process
 * per size. What is compared: the host's peak RSS growth over its idle RSS (Linux VmHWM after
 * resetting it) for a 50 MB and a 200 MB file. Memory bounded by a piece of the file, not the
 * file, means the growth stays far below the file and does not grow 4× with it.
 */
export async function runUploadBench(sizesMb = [50, 200]): Promise<BenchRow[]> {
  const serve = path.join(root, 'dist', 'host', 'serve.js');
  if (!fs.existsSync(serve)) throw new Error('dist/host/serve.js is missing: run "npm run build" first.');
  if (!fs.existsSync('/proc/self/status')) throw new Error('This benchmark reads peak RSS from /proc (Linux only).');
  const rows: BenchRow[] = [];
  const growth: number[] = [];
  for (const mb of sizesMb) {
    const result = await importOnce(serve, mb * 1024 * 1024);
    growth.push(result.growthMb);
    const name = `${mb} MB CSV (${result.rows.toLocaleString('en')} rows)`;
    rows.push(
      { name: `${name}: upload`, value: round(result.uploadS), unit: 's', note: `${result.progressEvents} progress updates on the client` },
      { name: `${name}: preview + apply`, value: round(result.importS), unit: 's', note: `${result.added.toLocaleString('en')} rows added` },
      { name: `${name}: host idle RSS`, value: round(result.idleMb), unit: 'MiB' },
      { name: `${name}: host peak RSS growth`, value: round(result.growthMb), unit: 'MiB', note: 'VmHWM after the import − VmRSS before it (V8 heap headroom, SQLite cache)' },
    );
  }
  if (growth.length === 2) rows.push({ name: `peak RSS growth ratio ${sizesMb[1]} MB / ${sizesMb[0]} MB`, value: round(growth[1]! / growth[0]!, 2), unit: '×', note: `file ${sizesMb[1]! / sizesMb[0]!}× larger; expected well below that` });
  return rows;
}

async function importOnce(serve: string, bytes: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archiver-upload-bench-'));
  const csvFile = path.join(dir, 'mapping.csv');
  const rows = await writeCsv(csvFile, bytes);
  const child = spawn(process.execPath, [serve, '--port', '0', '--data', path.join(dir, 'data')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await printedUrl(child);
    const session = await openSession(url);
    const ws = await openSocket(url, session);
    const connector = (await call(ws, 'connectors.create', { name: 'Bench pod', settings: { mapping: { mode: 'custom-only', fallbackMailbox: '' } } })) as { id: string };
    // Reset the peak to what the idle host holds now, then read it back after the import.
    fs.writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    const idleKb = statusKb(child.pid!, 'VmRSS');

    let progressEvents = 0;
    const uploadStart = performance.now();
    const upload = await new Promise<{ id: string }>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/uploads', headers: { cookie: session.cookie, 'x-archiver-csrf': session.csrf, 'content-type': 'application/octet-stream', 'content-length': fs.statSync(csvFile).size } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => (res.statusCode === 201 ? resolve((JSON.parse(body) as { value: { id: string } }).value) : reject(new Error(`upload: HTTP ${res.statusCode} ${body}`))));
        },
      );
      req.on('error', reject);
      fs.createReadStream(csvFile, { highWaterMark: 1024 * 1024 })
        .on('data', () => progressEvents++)
        .pipe(req);
    });
    const uploadS = (performance.now() - uploadStart) / 1000;

    const importStart = performance.now();
    const preview = (await call(ws, 'mapping.previewCsv', { connectorId: connector.id, upload: upload.id })) as { errors: unknown[]; rowCount: number; revision: number };
    if (preview.errors.length > 0) throw new Error(`preview found ${preview.errors.length} errors`);
    const applied = (await call(ws, 'mapping.applyCsv', { connectorId: connector.id, upload: upload.id, expectedRevision: preview.revision })) as { applied: boolean; changes: { added: number } };
    const importS = (performance.now() - importStart) / 1000;
    if (!applied.applied || applied.changes.added !== rows) throw new Error(`applied ${applied.changes.added} of ${rows} rows`);
    const peakKb = statusKb(child.pid!, 'VmHWM');
    ws.close();
    return { rows, added: applied.changes.added, uploadS, importS, progressEvents, idleMb: idleKb / 1024, growthMb: (peakKb - idleKb) / 1024 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows of a realistic shape (ids, addresses, a note of ~150 characters) until the file has `bytes`. */
async function writeCsv(file: string, bytes: number): Promise<number> {
  const out = fs.createWriteStream(file);
  let written = 0;
  let rows = 0;
  const note = 'Desk EMEA rates, moved from the London floor in March; copies to compliance while the desk review runs, per ticket CMP-2291.';
  out.write(`${HEADER}\r\n`);
  while (written < bytes) {
    const chunk: string[] = [];
    for (let i = 0; i < 5000 && written < bytes; i++, rows++) {
      const line = `${300000000000 + rows},user${rows}@symphony.example,user${rows}@contoso.com,${rows % 10 === 0 ? 'supervisor@contoso.com' : ''},false,"${note} #${rows}"\r\n`;
      written += line.length;
      chunk.push(line);
    }
    if (!out.write(chunk.join(''))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return rows;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]);
}

function printedUrl(child: ChildProcess): Promise<URL> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Open: (\S+)/.exec(out);
      if (match) resolve(new URL(match[1]!));
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

function openSession(url: URL): Promise<{ cookie: string; csrf: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let html = '';
        res.on('data', (c: Buffer) => (html += c.toString()));
        res.on('end', () => resolve({ cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: /<meta name="archiver-csrf" content="([\w-]+)">/.exec(html)?.[1] ?? '' }));
      })
      .on('error', reject);
  });
}

function openSocket(url: URL, session: { cookie: string; csrf: string }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${url.host}/ws?csrf=${session.csrf}`, { headers: { cookie: session.cookie, origin: `http://${url.host}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

let nextId = 1;
function call(ws: WebSocket, name: string, input: unknown): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { type: string; id: number; result: { ok: boolean; value?: unknown; error?: { message: string } } };
      if (message.type !== 'result' || message.id !== id) return;
      ws.off('message', onMessage);
      if (message.result.ok) resolve(message.result.value);
      else reject(new Error(`${name}: ${message.result.error!.message}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, name, input }));
  });
}

function round(x: number, digits = 1): number {
  return Number(x.toFixed(digits));
}
