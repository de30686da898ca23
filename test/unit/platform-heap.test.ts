import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MB = 1024 * 1024;

async function churn(bound: boolean): Promise<{ live: number; peak: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--expose-gc', new URL('../support/heap-churn-child.ts', import.meta.url).pathname, ...(bound ? ['--bound'] : [])]);
  return JSON.parse(stdout) as { live: number; peak: number };
}

describe('bounded heap growth', () => {
  it('keeps the heap near 1.5× the live data under churn, where V8 by default lets garbage reach several times it', async () => {
    const [bounded, unbounded] = await Promise.all([churn(true), churn(false)]);
    // 1.5× what is live, plus the young generation (up to 3 × 16 MB semi-spaces) and slack.
    const limit = 1.6 * bounded.live + 80 * MB;
    expect(bounded.live).toBeGreaterThan(40 * MB);
    expect(bounded.peak).toBeLessThan(limit);
    // The same workload without it: the bound is what made the difference.
    expect(unbounded.peak).toBeGreaterThan(limit);
  }, 120_000);
});
