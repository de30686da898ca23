/**
 * A workload shaped like the archiver's: a steady live set and pages of short-lived objects that
 * survive a few turns (long enough to reach the old generation), then become garbage. Prints the
 * live data (after a full collection, with the last pages still held) and the peak heap in use.
 * `--bound` applies boundHeapGrowth() first, as the Core does. Run with --expose-gc.
 */
import { boundHeapGrowth } from '../../electron/core/platform/heap';

if (process.argv.includes('--bound')) boundHeapGrowth();
const gc = (globalThis as { gc?: () => void }).gc!;
const live: Array<{ a: string; b: number[] }> = [];
for (let i = 0; i < 170_000; i++) live.push({ a: 'x'.repeat(60) + i, b: [i, i + 1] });
const pages: Array<Array<{ s: string; n: number[] }>> = [];
let peak = 0;
for (let round = 0; round < 70; round++) {
  const page: Array<{ s: string; n: number[] }> = [];
  for (let i = 0; i < 12_000; i++) page.push({ s: 'y'.repeat(100) + i + round, n: [i, round] });
  pages.push(page);
  if (pages.length > 4) pages.shift();
  await new Promise((resolve) => setImmediate(resolve));
  peak = Math.max(peak, process.memoryUsage().heapUsed);
}
gc();
const liveBytes = process.memoryUsage().heapUsed;
process.stdout.write(JSON.stringify({ live: liveBytes, peak, kept: live.length + pages.length }));
