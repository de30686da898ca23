process.env.TZ = 'UTC';
import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleSettingsSchema, type ScheduleSettings } from '../../shared/contract';
import { dueRun, inWindow, nextSlot, type LastRun } from '../../electron/core/runs/schedule';

/**
 * The scheduler's decision (schedule.ts `dueRun`) is a pure function of the schedule, the last run,
 * the jitter and now, so weeks of ticks are simulated here without a clock: between two ticks
 * nothing changes, and the simulation jumps straight to the next tick at which a run can start.
 * The Scheduler itself is driven over days on a ManualClock in scheduler-slots.test.ts.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK = 30_000;
const T0 = Date.UTC(2026, 2, 2, 12, 0);

interface Disruption {
  /** When, from the start. */
  atMs: number;
  /** A sleep (the clock moves on, no ticks) or a wall-clock change (negative: set back). */
  kind: 'sleep' | 'clock';
  ms: number;
}

interface SimRun {
  startedMs: number;
  slotMs: number;
  dueMs: number;
  coveredMs: number;
  late: boolean;
}

/** Ticks every TICK from T0 (plus `offset`) until `durationMs` of ticking, as the Scheduler does. */
function simulate(schedule: ScheduleSettings, options: { anchorMs: number; offsetMs: number; durationMs: number; jitterMs: number; disruptions?: Disruption[] }): SimRun[] {
  const runs: SimRun[] = [];
  const disruptions = [...(options.disruptions ?? [])].sort((a, b) => a.atMs - b.atMs);
  let last: LastRun | null = null;
  let now = T0 + options.offsetMs;
  let ticked = 0;
  let catchUp = true;
  const input = () => ({ schedule, last, anchorMs: options.anchorMs, connectorId: 'connector-1', maxJitterMs: options.jitterMs });
  while (ticked < options.durationMs) {
    const due = dueRun({ ...input(), nowMs: now, catchUp, lateAfterMs: 2 * TICK });
    catchUp = false;
    if (due) {
      runs.push({ startedMs: now, slotMs: due.slotMs, dueMs: due.dueMs, coveredMs: due.coveredMs, late: due.late });
      last = { startedMs: now, slotMs: due.coveredMs };
    }
    // The next tick at which something can happen: the next due time, or the next disruption.
    const slot = nextSlot(input());
    let step = TICK;
    if (slot && slot.dueMs > now + TICK) step = Math.ceil((slot.dueMs - now) / TICK) * TICK;
    else if (!slot) step = options.durationMs;
    const next = disruptions[0];
    if (next && ticked + step >= next.atMs) {
      disruptions.shift();
      const toDisruption = Math.max(TICK, Math.ceil((next.atMs - ticked) / TICK) * TICK);
      ticked += toDisruption;
      now += toDisruption + next.ms;
      // A sleep shows as a tick far later than expected; a forward clock change looks the same.
      catchUp = next.ms > Math.max(2 * TICK, MINUTE);
      continue;
    }
    ticked += step;
    now += step;
  }
  return runs;
}

const cronExpressions = ['* * * * *', '*/5 * * * *', '0 * * * *', '30 2 * * *', '0 9 * * 1-5', '15 */6 * * *', '45 23 * * 0'];
const windows: [string, string][] = [
  ['', ''],
  ['01:00', '03:00'],
  ['22:00', '06:00'],
  ['09:00', '17:30'],
];

const scheduleArb = fc.oneof(
  fc.record({ kind: fc.constant('interval' as const), intervalHours: fc.constantFrom(0.25, 1, 2, 6, 24, 72) }),
  fc.record({ kind: fc.constant('cron' as const), cron: fc.constantFrom(...cronExpressions) }),
);

/** The nominal slots croner names in (from, to], the oracle for cron schedules. */
function cronTimes(expression: string, fromMs: number, toMs: number): number[] {
  const cron = new Cron(expression, { paused: true });
  const out: number[] = [];
  for (let at = cron.nextRun(new Date(fromMs)); at && at.getTime() <= toMs; at = cron.nextRun(at)) out.push(at.getTime());
  return out;
}

/** Weeks of time, but at most a few thousand slots (every minute for two weeks is 20,000 runs). */
function durationFor(schedule: ScheduleSettings, weeks: number): number {
  if (schedule.kind === 'cron' && schedule.cron.startsWith('* ')) return 2 * DAY;
  if (schedule.kind === 'cron' && schedule.cron.startsWith('*/')) return 7 * DAY;
  return weeks * 7 * DAY;
}

function gapOf(schedule: ScheduleSettings, slotMs: number): number {
  if (schedule.kind !== 'cron') return schedule.intervalHours * HOUR;
  return new Cron(schedule.cron, { paused: true }).nextRun(new Date(slotMs))!.getTime() - slotMs;
}

describe('every slot runs exactly once (pure scheduler decision over weeks)', () => {
  it('without a window or disruptions: each slot once, started in its tick after slot + jitter', () => {
    fc.assert(
      fc.property(scheduleArb, fc.constantFrom(0, 5 * MINUTE), fc.integer({ min: 0, max: 59 }), (partial, jitterMs, offsetMin) => {
        const schedule = scheduleSettingsSchema.parse(partial);
        const durationMs = durationFor(schedule, 2);
        const runs = simulate(schedule, { anchorMs: T0, offsetMs: offsetMin * MINUTE, durationMs, jitterMs });
        const end = T0 + offsetMin * MINUTE + durationMs;
        expect(runs.length).toBeGreaterThan(0);
        for (const run of runs.slice(1)) {
          // On time: in the first tick at or after slot + jitter, the jitter below a tenth of the gap.
          expect(run.late).toBe(false);
          expect(run.startedMs - run.slotMs).toBeGreaterThanOrEqual(0);
          expect(run.startedMs - run.slotMs).toBeLessThan(Math.min(jitterMs, gapOf(schedule, run.slotMs) / 10) + TICK);
          expect(run.coveredMs).toBe(run.slotMs);
        }
        const slots = runs.map((r) => r.coveredMs);
        if (schedule.kind === 'cron') {
          // Every time the expression names between the first run and the end (less the jitter
          // and a tick), exactly once, in order.
          const expected = cronTimes(schedule.cron, slots[0]!, end - Math.min(jitterMs, gapOf(schedule, slots[0]!) / 10) - TICK);
          expect(slots.slice(1, expected.length + 1)).toEqual(expected);
          expect(slots.length - 1 - expected.length).toBeLessThanOrEqual(1);
        } else {
          const interval = schedule.intervalHours * HOUR;
          // A never-run interval connector starts at once; then one run per interval, no drift.
          expect(runs[0]!.slotMs).toBe(T0);
          expect(runs[0]!.startedMs - (T0 + offsetMin * MINUTE)).toBeLessThan(Math.min(jitterMs, interval / 10) + TICK);
          slots.slice(1).forEach((slot, i) => expect(slot - slots[i]!).toBe(interval));
          expect(end - slots.at(-1)!).toBeLessThanOrEqual(interval + jitterMs + TICK);
        }
        expect(new Set(slots).size).toBe(slots.length);
      }),
      { numRuns: 40 },
    );
  });

  it('with windows, sleeps and clock changes: never a slot twice, never outside the window, nothing left behind', () => {
    const disruptionArb = fc.record({
      atMs: fc.integer({ min: 0, max: 20 * DAY }),
      kind: fc.constantFrom('sleep' as const, 'clock' as const),
      ms: fc.integer({ min: -2 * DAY, max: 3 * DAY }),
    }).map((d) => (d.kind === 'sleep' ? { ...d, ms: Math.abs(d.ms) } : d));
    fc.assert(
      fc.property(scheduleArb, fc.constantFrom(...windows), fc.array(disruptionArb, { maxLength: 6 }), fc.integer({ min: -3 * DAY, max: 0 }), (partial, [windowStart, windowEnd], disruptions, anchorOffset) => {
        const schedule = scheduleSettingsSchema.parse({ ...partial, windowStart, windowEnd });
        const durationMs = durationFor(schedule, 3);
        const runs = simulate(schedule, { anchorMs: T0 + anchorOffset, offsetMs: 0, durationMs, jitterMs: 5 * MINUTE, disruptions });
        expect(runs.length).toBeGreaterThan(0);
        for (const run of runs) expect(inWindow(schedule, run.startedMs)).toBe(true);
        // Each run stands for the slots after the previous run's up to its own: strictly increasing,
        // so no slot is run twice, whatever the clock did.
        for (let i = 1; i < runs.length; i++) {
          expect(runs[i]!.coveredMs).toBeGreaterThan(runs[i - 1]!.coveredMs);
          if (schedule.kind === 'interval') expect(runs[i]!.coveredMs - runs[i - 1]!.coveredMs).toBeGreaterThanOrEqual(schedule.intervalHours * HOUR);
          // A run never starts before its slot is due.
          expect(runs[i]!.startedMs).toBeGreaterThanOrEqual(runs[i]!.dueMs);
        }
        // Nothing left behind: after the last disruption (4 days of ticks at most) the schedule
        // keeps running, so the last run is recent (a window delays by a day at most).
        const lastDisruption = Math.max(0, ...disruptions.map((d) => d.atMs));
        if (lastDisruption < 14 * DAY) {
          const afterwards = runs.filter((r) => !r.late);
          expect(afterwards.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a due time once reached stays reached until the run starts', () => {
    fc.assert(
      fc.property(scheduleArb, fc.constantFrom(...windows), fc.integer({ min: 0, max: 7 * DAY }), fc.integer({ min: 0, max: 10 * DAY }), (partial, [windowStart, windowEnd], lastAgo, later) => {
        const schedule = scheduleSettingsSchema.parse({ ...partial, windowStart, windowEnd });
        const input = { schedule, last: { startedMs: T0 - lastAgo, slotMs: T0 - lastAgo }, anchorMs: T0 - 30 * DAY, connectorId: 'c', maxJitterMs: 5 * MINUTE };
        const slot = nextSlot(input)!;
        // Asked at any later moment, the same slot and due time: nothing depends on now.
        const again = nextSlot(input)!;
        expect(again).toEqual(slot);
        const at = slot.dueMs + later;
        const due = dueRun({ ...input, nowMs: at, catchUp: false, lateAfterMs: 2 * TICK });
        expect(due === null).toBe(!inWindow(schedule, at));
        if (due) expect(due.slotMs).toBe(slot.slotMs);
      }),
      { numRuns: 200 },
    );
  });
});
