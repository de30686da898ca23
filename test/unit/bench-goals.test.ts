import { describe, expect, it } from 'vitest';
import { checkGoals } from '../../bench/goals';

// The goals table of docs/benchmarks.md is decided by checkGoals: a missing row is "not measured",
// never "met"; a limit is judged on its worst row, a floor on its row.
describe('benchmark goals', () => {
  it('judges floors, limits and missing rows', () => {
    const results = checkGoals([
      { file: 'import.bench.ts', rows: [{ name: "ratio to limits' ceiling, 1 mailbox", value: 0.9, unit: 'ratio' }, { name: "ratio to limits' ceiling, 300 mailboxes", value: 0.1, unit: 'ratio' }] },
      { file: 'day.bench.ts', rows: [{ name: 'day ×0.01: peak RSS', value: 250, unit: 'MiB' }, { name: 'day ×0.04: peak RSS', value: 320, unit: 'MiB' }] },
      { file: 'pipeline.bench.ts', rows: [{ name: 'pipeline 10,000 messages: peak RSS', value: 900, unit: 'MiB' }] },
    ]);
    const byGoal = Object.fromEntries(results.map((r) => [r.goal, r]));
    expect(byGoal["import ≥ 0.8 of the limits' ceiling, 1 mailbox at 300 ms"]).toMatchObject({ value: 0.9, met: true });
    expect(byGoal["import ≥ 0.8 of the limits' ceiling, 300 mailboxes at 300 ms"]).toMatchObject({ value: 0.1, met: false });
    expect(byGoal["import ≥ 0.8 of the limits' ceiling, 5000 mailboxes at 300 ms"]).toMatchObject({ value: undefined, met: undefined });
    // The worst day counts, and the pipeline benchmark's RSS rows are not the day's.
    expect(byGoal['day benchmark peak RSS ≤ 300 MiB (largest day)']).toMatchObject({ value: 320, met: false });
  });
});
