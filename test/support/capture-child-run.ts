import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(ROOT, 'test/support/capture-child.ts');

/** A capture child process (test/support/capture-child.ts) and the JSON lines it printed so far. */
export interface CaptureChildRun<Line> {
  child: ChildProcess;
  lines: Line[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a capture of the connector in its own process, for the kill tests. */
export function startCaptureChild<Line = { phase?: string; finished?: unknown }>(dataDir: string, connectorId: string, tuningJson?: string): CaptureChildRun<Line> {
  const args = ['--import', 'tsx', CHILD, dataDir, connectorId, ...(tuningJson ? [tuningJson] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: CaptureChildRun<Line> = { child, lines: [], exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      run.lines.push(JSON.parse(buffer.slice(0, i)) as Line);
      buffer = buffer.slice(i + 1);
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`capture child failed (${code}): ${stderr}`);
  });
  return run;
}

/** Resolves once `predicate` holds or the child has ended (whichever first). */
export function waitForChild(run: CaptureChildRun<unknown>, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (predicate() || run.child.exitCode !== null || run.child.signalCode !== null) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}
