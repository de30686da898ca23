import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHILD = path.join(root, 'test', 'support', 'pipeline-bench-child.ts');

interface ChildResult {
  seconds: number;
  maxRssKb: number;
  status: string;
  error: string | null;
  captured: number;
  delivered: number;
  balanced: boolean;
}

/**
 * Peak memory of a whole pipeline run (capture → convert → map → import → reconcile, in-test
 * stages over real SQLite) for 10,000 and for 500,000 messages, each in a fresh process. The
 * pipeline pages through items by id, so the peak should not grow with the pod: the ratio of the
 * two peaks is expected below 2×. The 500k run takes several minutes.
 */
export async function runPipelineBench(sizes: readonly number[] = [10_000, 100_000, 500_000]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const results: ChildResult[] = [];
  for (const size of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archiver-bench-pipeline-'));
    try {
      const result = await runChild(dir, size);
      // The in-test pod holds every tenth conversation's items for members without a mailbox (by
      // design): its run ends completed-with-problems, balanced, and that is what is measured.
      if ((result.status !== 'succeeded' && result.status !== 'completed-with-problems') || !result.balanced || result.captured !== size) {
        throw new Error(`the ${size}-message run ended ${result.status} (captured ${result.captured}, balanced ${result.balanced}): ${result.error ?? ''}`);
      }
      results.push(result);
      rows.push({ name: `pipeline ${size.toLocaleString('en')} messages: peak RSS`, value: Math.round(result.maxRssKb / 1024), unit: 'MiB', note: 'fresh process, process.resourceUsage().maxRSS' });
      rows.push({ name: `pipeline ${size.toLocaleString('en')} messages: throughput`, value: Math.round(size / result.seconds), unit: 'messages/s', note: `${result.delivered} delivered to ~3 mailboxes each in ${result.seconds.toFixed(0)} s` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (results.length >= 2) {
    const ratio = results.at(-1)!.maxRssKb / results[0]!.maxRssKb;
    rows.push({ name: `peak RSS ratio ${sizes.at(-1)!.toLocaleString('en')} / ${sizes[0]!.toLocaleString('en')}`, value: Math.round(ratio * 100) / 100, unit: '×', note: 'expected < 2' });
  }
  return rows;
}

function runChild(dir: string, messages: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(messages)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{')) return reject(new Error(`benchmark child exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(last) as ChildResult);
    });
  });
}
