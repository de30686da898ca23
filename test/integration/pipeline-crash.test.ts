import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reconciliation } from '../../shared/contract';
import { Store } from '../../electron/core/store/database';
import { RunRepository } from '../../electron/core/store/repos/runs';
import { actualDeliveries, expectedDeliveries } from '../support/pipeline-harness';
import { messageOf, openMailboxes, type FakePod } from '../support/pipeline-stages';
import { makeTempDir } from '../support/tmp';
import { Prng } from '../../electron/sandbox/emulators/prng';
import { itemsInSeveralRuns, outcomeCounts } from '../support/store-reads';

const CHILD = path.resolve(__dirname, '../support/pipeline-child.ts');
const pod: FakePod = { messages: 300, streams: 12, convertFailEvery: 0, tooLargeEvery: 75 };

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  outcome?: { status: string; error: string | null; reconciliation: Reconciliation | null };
  stderr: string;
}

function runChild(dir: string, kill?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, JSON.stringify(pod), ...(kill ? [kill] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1);
      resolve({ code, signal, stderr, outcome: last?.startsWith('{') ? JSON.parse(last) : undefined });
    });
  });
}

// Six kills per scenario, in pipeline order, each at a random hit of its point within the work
// the previous kills left (300 messages: 2 capture pages of 200, 2 planner pages of 250, ~196
// deliverable messages with ~3 mailboxes each, so ~590 deliveries).
const STAGES: Array<{ points: string[]; max: number }> = [
  { points: ['capture:in-transaction', 'capture:page'], max: 1 },
  { points: ['capture:in-transaction', 'capture:page'], max: 1 },
  { points: ['convert'], max: 1 },
  // Inside the transaction that plans a page: the whole page must roll back.
  { points: ['map:enqueue'], max: 150 },
  // After `sending` is committed, before the mailbox has the message.
  { points: ['import:sending'], max: 350 },
  // After the mailbox has the message, before `delivered` is committed.
  { points: ['import:created'], max: 200 },
];

describe('pipeline killed with SIGKILL', () => {
  const temps: (() => void)[] = [];
  afterAll(() => temps.forEach((fn) => fn()));
  const seed = Number(process.env.CRASH_SEED ?? 20260301);
  // Seeded, so a failing sequence of kill points can be replayed (CRASH_SEED).
  const rng = new Prng(seed);
  const random = () => rng.next();

  let kills = 0;
  const killedAt: string[] = [];
  // Five scenarios of six kills, each its own test so a slow machine does not hit one long timeout.
  for (let scenario = 1; scenario <= 5; scenario++) {
    it(`scenario ${scenario}: killed once in each stage, then resumed, gives the same result (seed ${seed})`, async () => {
      const temp = makeTempDir();
      temps.push(temp.cleanup);
      // Every resume starts from whatever the previous kill left.
      for (const stage of STAGES) {
        const point = stage.points[Math.floor(random() * stage.points.length)]!;
        const n = 1 + Math.floor(random() * stage.max);
        const result = await runChild(temp.dir, `${point}:${n}`);
        expect(result.signal, `${point}:${n} was not reached: ${result.stderr}`).toBe('SIGKILL');
        kills++;
        killedAt.push(`${point}:${n}`);
      }
      const final = await runChild(temp.dir);
      expect(final.code, final.stderr).toBe(0);
      expectOnlyHeld(final.outcome);
      expect(final.outcome?.reconciliation?.balanced).toBe(true);
      verify(temp.dir);
    });
  }

  it('killed 30 times in all, at points of every stage', () => {
    expect(kills, killedAt.join(', ')).toBe(30);
    expect(new Set(killedAt.map((k) => k.slice(0, k.lastIndexOf(':')))).size).toBeGreaterThanOrEqual(5);
  });

  it('a run that was never killed gives the same mailboxes (the reference)', async () => {
    const temp = makeTempDir();
    temps.push(temp.cleanup);
    const result = await runChild(temp.dir);
    // Stream 3's people have no mailbox: held, amber.
    expect(result.outcome?.status).toBe('completed-with-problems');
    expectOnlyHeld(result.outcome);
    verify(temp.dir);
  });
});

/** Items held for participants without a mailbox make a run amber (completed with problems); nothing else may be open. */
function expectOnlyHeld(outcome: { status: string; error: string | null; reconciliation: Reconciliation | null } | undefined, context = ''): void {
  const r = outcome?.reconciliation;
  expect(r, context || outcome?.error || '').toBeTruthy();
  const d = r!.deliveries;
  expect(r!.failed.count + r!.blocked.count + d.failed + d.blocked + d.open + d.partial, context).toBe(0);
  expect(outcome!.status, outcome!.error ?? context).toBe(r!.held.count > 0 ? 'completed-with-problems' : 'succeeded');
}

/** Every deliverable message is in every mapped member's mailbox exactly once; every item has its final outcome. */
function verify(dir: string): void {
  const mailboxes = openMailboxes(path.join(dir, 'graph.db'));
  const actual = actualDeliveries(mailboxes);
  mailboxes.close();
  expect(actual.duplicates).toBe(0);
  expect(Object.fromEntries(actual.perMailbox)).toEqual(Object.fromEntries(expectedDeliveries(pod)));
  const store = Store.open(path.join(dir, 'archiver.db'));
  try {
    const statuses = outcomeCounts(store);
    let skipped = 0;
    let unmapped = 0;
    for (let i = 0; i < pod.messages; i++) {
      const s = i % pod.streams;
      if (messageOf(i, pod).bytes > 150 * 1024 * 1024 || s % 10 === 3 || s % 10 === 5) skipped++;
      if (messageOf(i, pod).bytes <= 150 * 1024 * 1024 && s % 10 === 3) unmapped++;
    }
    expect(statuses).toEqual({ delivered: pod.messages - skipped, skipped });
    // Killed runs are not left "running": the run that took over the lock marked them interrupted.
    const runs = new RunRepository(store).list({ offset: 0, limit: 100 }).runs;
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    expect(runs.every((r) => r.status === 'succeeded' || r.status === 'completed-with-problems' || r.status === 'interrupted')).toBe(true);
    // The books: every item's final outcome in exactly one run's reconciliation, so the sum over
    // all runs equals the ledger — also the items that interrupted runs (no reconciliation) had
    // already finished, which the run after them took over.
    const books = runs.filter((r) => r.reconciliation).map((r) => r.reconciliation!);
    const sum = (pick: (r: Reconciliation) => number) => books.reduce((n, r) => n + pick(r), 0);
    // Stream 3's items (nobody with a mailbox) are held, not skipped: a gap, not a decision.
    expect({ captured: sum((r) => r.captured.count), delivered: sum((r) => r.delivered.count), skipped: sum((r) => r.skipped.count), held: sum((r) => r.held.count), failed: sum((r) => r.failed.count) }).toEqual({
      captured: pod.messages,
      delivered: pod.messages - skipped,
      skipped: skipped - unmapped,
      held: unmapped,
      failed: 0,
    });
    expect(runs.filter((r) => r.status === 'interrupted' && r.takenOverBy === null)).toEqual([]);
    expect(itemsInSeveralRuns(store)).toBe(0);
  } finally {
    store.dispose();
  }
}
