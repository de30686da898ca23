process.env.TZ = 'UTC';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleSettingsSchema, type Connector, type ScheduleSettings } from '../../shared/contract';
import { ManualClock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { RunRepository, type RunRecord } from '../../electron/core/store/repos/runs';
import { RunController } from '../../electron/core/runs/runner';
import { Scheduler } from '../../electron/core/runs/scheduler';
import { createTestStages, openMailboxes } from '../support/pipeline-stages';
import { makeTempDir } from '../support/tmp';

/**
 * The Scheduler on a ManualClock with the real RunController and pipeline (in-test stages over
 * SQLite): connectors are created and left alone — nobody presses Run now — and their first and
 * following runs must start in their slots. The default 5-minute jitter is on.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK = 30_000;
const JITTER = 5 * MINUTE;
const T0 = Date.UTC(2026, 2, 2, 12, 0);

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function world(schedules: Record<string, Partial<ScheduleSettings>>) {
  const temp = makeTempDir();
  const clock = new ManualClock(T0);
  const store = Store.open(path.join(temp.dir, 'archiver.db'));
  const mailboxes = openMailboxes(path.join(temp.dir, 'graph.db'));
  const repo = new ConnectorRepository(store);
  const connectors = Object.entries(schedules).map(([name, schedule]) => repo.create(name, { schedule: scheduleSettingsSchema.parse(schedule) }, new Date(clock.now())));
  const stages = new Map(connectors.map((c) => [c.id, createTestStages({ store, pod: { messages: 6, streams: 2, convertFailEvery: 0, tooLargeEvery: 0 }, mailboxes })]));
  const controller = new RunController({ store, clock, logger: silentLogger, connector: (id) => repo.get(id), stagesFor: (c) => stages.get(c.id)! });
  const scheduler = new Scheduler({ store, clock, logger: silentLogger, controller, connectors: () => repo.list(), tickMs: TICK, jitterMs: JITTER });
  cleanups.push(async () => {
    await scheduler.dispose();
    store.dispose();
    mailboxes.close();
    temp.cleanup();
  });
  const runs = new RunRepository(store);
  const runsOf = (c: Connector): RunRecord[] => runs.list({ connectorId: c.id, offset: 0, limit: 10_000 }).runs.reverse();
  /** Advances in ticks, letting every started run finish before the next tick. */
  const advance = async (ms: number) => {
    for (let done = 0; done < ms; done += TICK) {
      await clock.advance(TICK);
      await scheduler.idle();
    }
  };
  return { clock, scheduler, connectors, runsOf, advance, byName: (name: string) => connectors.find((c) => c.name === name)! };
}

/** Every start lies in [slot, slot + jitter + one tick) for the slots the test expects. */
function expectInSlots(runs: RunRecord[], slots: number[]): void {
  expect(runs.map((r) => new Date(r.slotMs!).toISOString())).toEqual(slots.map((s) => new Date(s).toISOString()));
  runs.forEach((run, i) => {
    expect(run.startedMs).toBeGreaterThanOrEqual(slots[i]!);
    expect(run.startedMs - slots[i]!).toBeLessThan(JITTER + TICK);
    expect(run.status).toBe('succeeded');
  });
}

describe('connectors left alone run in their slots (Scheduler on a ManualClock)', () => {
  it('interval, cron and time-window schedules: first and following runs, over two days', async () => {
    const w = world({
      every6h: { kind: 'interval', intervalHours: 6 },
      hourlyAt15: { kind: 'cron', cron: '15 * * * *' },
      nightly: { kind: 'interval', intervalHours: 24, windowStart: '01:00', windowEnd: '03:00' },
    });
    w.scheduler.start();
    await w.advance(2 * DAY);
    const hours = (n: number) => Array.from({ length: n }, (_, i) => i);
    // Interval: the first slot is the connector's creation, then every 6 hours, without drift.
    expectInSlots(w.runsOf(w.byName('every6h')), hours(12).map((k) => T0 + k * 6 * HOUR).filter((s) => s + JITTER + TICK <= T0 + 2 * DAY));
    // Cron: every hh:15 from the first one after creation.
    const cronSlots = hours(72).map((k) => T0 + 15 * MINUTE + k * HOUR).filter((s) => s + JITTER <= T0 + 2 * DAY);
    expectInSlots(w.runsOf(w.byName('hourlyAt15')), cronSlots);
    // Window: created at 12:00, its slot waits for 01:00; once a day, always inside the window.
    const nightly = w.runsOf(w.byName('nightly'));
    expect(nightly.map((r) => new Date(r.startedMs).toISOString().slice(0, 16))).toEqual(['2026-03-03T01:00', '2026-03-04T01:00']);
    expect(nightly.every((r) => r.trigger === 'schedule')).toBe(true);
    // What status shows is the same slot the run then starts in.
    const status = w.scheduler.status().find((s) => s.name === 'every6h')!;
    expect(Date.parse(status.nextRunAt!) - (T0 + 8 * 6 * HOUR)).toBeLessThan(JITTER);
  });

  it('a never-run connector shows the same next time on every tick until it starts (the reported bug)', async () => {
    const w = world({ daily: {}, everyMinute: { kind: 'cron', cron: '* * * * *' } });
    w.scheduler.start();
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      if (w.runsOf(w.byName('daily')).length === 0) seen.add(w.scheduler.status().find((s) => s.name === 'daily')!.nextRunAt!);
      await w.advance(TICK);
    }
    expect(seen.size).toBe(1);
    expect(w.runsOf(w.byName('daily'))).toHaveLength(1);
    const minute = w.runsOf(w.byName('everyMinute'));
    expect(minute.length).toBeGreaterThanOrEqual(9);
    expect(minute.length).toBeLessThanOrEqual(11);
    // Once a minute, each in its minute (jitter below a tenth of the gap: 6 s).
    minute.forEach((r) => expect(r.startedMs - r.slotMs!).toBeLessThan(6_000 + TICK));
    expect(new Set(minute.map((r) => r.slotMs)).size).toBe(minute.length);
  });

  it('sleep and resume, and the wall clock set back: each missed slot caught up once, none run twice', async () => {
    const w = world({ every6h: { kind: 'interval', intervalHours: 6 }, daily2am: { kind: 'cron', cron: '0 2 * * *' } });
    w.scheduler.start();
    await w.advance(DAY);
    const before = { six: w.runsOf(w.byName('every6h')).length, daily: w.runsOf(w.byName('daily2am')).length };
    expect(before).toEqual({ six: 4, daily: 1 });
    // The laptop sleeps 2 days: on waking, one catch-up run each, not one per missed slot.
    w.clock.jump(2 * DAY);
    w.scheduler.onResume();
    await w.advance(TICK);
    const six = w.runsOf(w.byName('every6h'));
    const daily = w.runsOf(w.byName('daily2am'));
    expect(six.slice(before.six).map((r) => r.trigger)).toEqual(['catch-up']);
    expect(daily.slice(before.daily).map((r) => r.trigger)).toEqual(['catch-up']);
    // The cron catch-up stands for the latest 02:00 it missed; the next is tomorrow's.
    expect(new Date(daily.at(-1)!.slotMs!).toISOString()).toBe('2026-03-05T02:00:00.000Z');
    // The clock is set back 5 hours: nothing already run runs again.
    const counted = w.runsOf(w.byName('every6h')).length + w.runsOf(w.byName('daily2am')).length;
    w.clock.jump(-5 * HOUR);
    await w.advance(5 * HOUR);
    expect(w.runsOf(w.byName('every6h')).length + w.runsOf(w.byName('daily2am')).length).toBe(counted);
    // …and the schedule goes on from the catch-up: 6 hours after it (and 02:00 the next day).
    await w.advance(DAY);
    const after = w.runsOf(w.byName('every6h')).slice(before.six + 1);
    expect(after.length).toBeGreaterThanOrEqual(3);
    after.forEach((r, i) => expect(r.slotMs! - (i === 0 ? six.at(-1)!.slotMs! : after[i - 1]!.slotMs!)).toBe(6 * HOUR));
    const slots = w.runsOf(w.byName('daily2am')).map((r) => r.slotMs);
    expect(new Set(slots).size).toBe(slots.length);
  });
});
