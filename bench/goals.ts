import type { BenchRow } from './types';

/**
 * The performance goals of the issues, each checked against a row of one `npm run bench` run.
 * One owner: a benchmark only measures; whether a figure meets its goal is decided here, so the
 * goals table of docs/benchmarks.md cannot drift from what the issue asks.
 */
export interface BenchGoal {
  goal: string;
  /** The row (by name) the goal is read from, in the benchmark file whose name starts with `file`. */
  file: string;
  row: RegExp;
  atLeast?: number;
  atMost?: number;
}

const ceiling = (n: string): BenchGoal => ({ file: 'import', goal: `import ≥ 0.8 of the limits' ceiling, ${n} at 300 ms`, row: new RegExp(`^ratio to limits' ceiling, ${n}$`), atLeast: 0.8 });

export const benchGoals: BenchGoal[] = [
  ceiling('1 mailbox'),
  ceiling('10 mailboxes'),
  ceiling('300 mailboxes'),
  ceiling('5000 mailboxes'),
  { file: 'convert', goal: 'conversion ≥ 0.67× bare MailComposer, no attachments', row: /^ratio convert \+ \.eml \/ bare, no attachments/, atLeast: 0.67 },
  { file: 'convert', goal: 'conversion ≥ 0.67× bare MailComposer, with attachments', row: /^ratio convert \+ \.eml \/ bare, with attachments/, atLeast: 0.67 },
  // Capture must commit each page with its position (synchronous=FULL), so the fair baseline is a
  // bare insert making the same commits; the one-transaction ratio is reported beside it.
  { file: 'store', goal: 'capture store ≥ 0.8× a bare prepared insert with the same commits', row: /^store ratio (repository|writer) \/ bare, same commits/, atLeast: 0.8 },
  { file: 'day', goal: 'day benchmark peak RSS ≤ 300 MiB (largest day)', row: /peak RSS$/, atMost: 300 },
  { file: 'day', goal: 'day benchmark peak RSS flat (largest / smallest ≤ 1.2)', row: /^peak RSS ratio, largest \/ smallest day/, atMost: 1.2 },
];

export interface GoalResult {
  goal: string;
  value: number | undefined;
  unit: string;
  met: boolean | undefined;
}

/** Every goal against the rows of a run; a goal whose row is missing is unmeasured, never met. */
export function checkGoals(rowsByFile: Array<{ file: string; rows: BenchRow[] }>, goals = benchGoals): GoalResult[] {
  return goals.map((g) => {
    const matches = rowsByFile.filter((s) => s.file.startsWith(g.file)).flatMap((s) => s.rows).filter((r) => g.row.test(r.name));
    // For a limit (atMost) the worst row counts; for a floor (atLeast) the first.
    const row = g.atMost !== undefined ? matches.sort((a, b) => b.value - a.value)[0] : matches[0];
    if (!row) return { goal: g.goal, value: undefined, unit: '', met: undefined };
    const met = (g.atLeast === undefined || row.value >= g.atLeast) && (g.atMost === undefined || row.value <= g.atMost);
    return { goal: g.goal, value: row.value, unit: row.unit, met };
  });
}
