process.env.TZ = 'UTC';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleSettingsSchema, type Connector } from '../../shared/contract';
import { ManualClock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { LockRepository } from '../../electron/core/store/repos/locks';
import { RunRepository } from '../../electron/core/store/repos/runs';
import { RunController, runLockName } from '../../electron/core/runs/runner';
import { Scheduler } from '../../electron/core/runs/scheduler';
import { intoWindow, jitterFor, nextSlot } from '../../electron/core/runs/schedule';
import type { Stages } from '../../electron/core/runs/stages';
import { createTestStages, openMailboxes, type FakePod } from '../support/pipeline-stages';
import { makeTempDir } from '../support/tmp';

const HOUR = 3_600_000;
const TICK = 30_000;
// Three streams: none of them without a mailbox (stream 3 would hold its items, an amber run).
const pod: FakePod = { messages: 20, streams: 3, convertFailEvery: 0, tooLargeEvery: 0 };
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Setup {
  store: Store;
  clock: ManualClock;
  connector: Connector;
  repo: ConnectorRepository;
  runs: RunRepository;
  locks: LockRepository;
  controller: RunController;
  scheduler: Scheduler;
  gate: { open(): void; wait(): Promise<void> };
}

/** A store with one connector and a scheduler on a ManualClock; `gate` can hold a run in capture. */
function setup(options: { dir?: string; owner?: string; schedule?: Partial<Connector['settings']['schedule']>; gated?: boolean; staleMs?: number } = {}): Setup {
  let dir = options.dir;
  if (!dir) {
    const temp = makeTempDir();
    cleanups.push(temp.cleanup);
    dir = temp.dir;
  }
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 12, 0));
  const store = Store.open(path.join(dir, 'archiver.db'));
  const mailboxes = openMailboxes(path.join(dir, 'graph.db'));
  const repo = new ConnectorRepository(store);
  const connector =
    repo.findByName('Pod') ?? repo.create('Pod', { schedule: scheduleSettingsSchema.parse(options.schedule ?? {}) }, new Date(clock.now()));
  let gateOpen = !options.gated;
  const waiters: (() => void)[] = [];
  const gate = {
    open() {
      gateOpen = true;
      waiters.splice(0).forEach((w) => w());
    },
    wait: () => (gateOpen ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
  };
  const base = createTestStages({ store, pod, mailboxes });
  const stages: Stages = { ...base, capture: { ...base.capture, capture: async (ctx) => { await gate.wait(); return base.capture.capture(ctx); } } };
  const controller = new RunController({ store, clock, logger: silentLogger, connector: (id) => repo.get(id), stagesFor: () => stages, owner: options.owner, lockStaleMs: options.staleMs ?? 120_000 });
  const scheduler = new Scheduler({ store, clock, logger: silentLogger, controller, connectors: () => repo.list(), tickMs: TICK, jitterMs: 0 });
  cleanups.push(async () => {
    gate.open();
    await scheduler.dispose();
    store.dispose();
    mailboxes.close();
  });
  return { store, clock, connector, repo, runs: new RunRepository(store), locks: new LockRepository(store), controller, scheduler, gate };
}

function triggers(s: Setup): string[] {
  return s.runs.list({ connectorId: s.connector.id, offset: 0, limit: 100 }).runs.map((r) => r.trigger).reverse();
}

describe('schedule arithmetic', () => {
  const daily = scheduleSettingsSchema.parse({});
  it('spaces interval runs from the last start and honours cron and the local window', () => {
    const t = Date.UTC(2026, 2, 2, 12, 0);
    const slot = (schedule: typeof daily, last: { startedMs: number; slotMs: number | null } | null) => nextSlot({ schedule, last, anchorMs: t, connectorId: 'c', maxJitterMs: 0 });
    // Never run: an interval starts at once (its creation), cron at its first time after creation.
    expect(slot(daily, null)).toEqual({ slotMs: t, dueMs: t });
    expect(slot(daily, { startedMs: t, slotMs: null })!.slotMs).toBe(t + 24 * HOUR);
    // A scheduled run follows from its slot, not from its (later) start.
    expect(slot(daily, { startedMs: t + 90_000, slotMs: t })!.slotMs).toBe(t + 24 * HOUR);
    const cron = scheduleSettingsSchema.parse({ kind: 'cron', cron: '0 2 * * *' });
    expect(new Date(slot(cron, null)!.slotMs).toISOString()).toBe('2026-03-03T02:00:00.000Z');
    expect(new Date(slot(cron, { startedMs: t, slotMs: null })!.slotMs).toISOString()).toBe('2026-03-03T02:00:00.000Z');
    expect(() => slot(scheduleSettingsSchema.parse({ kind: 'cron', cron: 'every day' }), null)).toThrow(/not a valid cron/);
    const night = scheduleSettingsSchema.parse({ windowStart: '22:00', windowEnd: '06:00' });
    expect(new Date(intoWindow(night, t)).toISOString()).toBe('2026-03-02T22:00:00.000Z');
    expect(intoWindow(night, Date.UTC(2026, 2, 3, 3, 0))).toBe(Date.UTC(2026, 2, 3, 3, 0));
  });

  it('spreads connectors over the jitter range, the same offset every time', () => {
    const offsets = Array.from({ length: 50 }, (_, i) => jitterFor(`connector-${i}`, 5 * 60_000));
    expect(offsets.every((o) => o >= 0 && o < 5 * 60_000)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(45);
    expect(jitterFor('connector-7', 5 * 60_000)).toBe(offsets[7]);
  });
});

describe('scheduler on a manual clock', () => {
  it('catches up a run missed while the app was closed, then keeps the interval', async () => {
    const s = setup();
    // The last run started 30 hours ago: the daily run is overdue.
    const old = s.runs.create({ connectorId: s.connector.id, trigger: 'schedule', owner: 'old', nowMs: s.clock.now() - 30 * HOUR });
    s.runs.finish(old.id, { status: 'succeeded', nowMs: s.clock.now() - 29 * HOUR });
    s.scheduler.start();
    await s.clock.advance(0);
    await s.scheduler.idle();
    expect(triggers(s)).toEqual(['schedule', 'catch-up']);
    const last = s.runs.last(s.connector.id)!;
    expect(last.status).toBe('succeeded');
    expect(last.startedMs).toBe(s.clock.now());
    expect(s.scheduler.status()[0]!.nextRunAt).toBe(new Date(s.clock.now() + 24 * HOUR).toISOString());

    await s.clock.advance(24 * HOUR - TICK);
    await s.scheduler.idle();
    expect(triggers(s)).toHaveLength(2);
    await s.clock.advance(TICK);
    await s.scheduler.idle();
    expect(triggers(s)).toEqual(['schedule', 'catch-up', 'schedule']);
  });

  it('notices a wall-clock jump (sleep) and catches up exactly once', async () => {
    const s = setup();
    s.scheduler.start();
    await s.clock.advance(0);
    await s.scheduler.idle();
    expect(triggers(s)).toEqual(['catch-up']);
    s.clock.jump(50 * HOUR);
    await s.clock.advance(TICK);
    await s.scheduler.idle();
    await s.clock.advance(10 * TICK);
    await s.scheduler.idle();
    expect(triggers(s)).toEqual(['catch-up', 'catch-up']);
    // The shell's powerMonitor resume only checks; nothing is due now.
    s.scheduler.onResume();
    await s.clock.advance(0);
    await s.scheduler.idle();
    expect(triggers(s)).toHaveLength(2);
  });

  it('waits for the time window, and does nothing while paused', async () => {
    const s = setup({ schedule: { windowStart: '01:00', windowEnd: '03:00' } });
    expect(s.scheduler.status()[0]!.nextRunAt).toBe('2026-03-03T01:00:00.000Z');
    s.scheduler.pause(s.connector.id);
    expect(s.scheduler.status()[0]).toMatchObject({ paused: true, nextRunAt: null });
    s.scheduler.start();
    await s.clock.advance(14 * HOUR);
    await s.scheduler.idle();
    expect(triggers(s)).toEqual([]);
    const status = s.scheduler.resume(s.connector.id);
    expect(status.paused).toBe(false);
    await s.clock.advance(TICK);
    await s.scheduler.idle();
    // Its 01:00 slot passed while paused: resumed at 02:00, inside the window, it catches up.
    expect(triggers(s)).toEqual(['catch-up']);
    expect(new Date(s.runs.last(s.connector.id)!.startedMs).getUTCHours()).toBe(2);
  });

  it('runs one run per connector across processes and takes over a stale lock', async () => {
    const temp = makeTempDir();
    cleanups.push(temp.cleanup);
    const a = setup({ dir: temp.dir, owner: 'process-a', gated: true });
    const b = setup({ dir: temp.dir, owner: 'process-b', gated: true });
    const first = await a.scheduler.runNow(a.connector.id);
    await expect(b.scheduler.runNow(b.connector.id)).rejects.toMatchObject({ code: 'busy' });
    expect(b.scheduler.status()[0]!.current?.id).toBe(first.runId);

    // Heartbeats keep A's lock fresh while the clock moves on.
    await a.clock.advance(5 * 60_000);
    expect(a.locks.holder(runLockName(a.connector.id))!.heartbeatMs).toBeGreaterThan(a.clock.now() - 60_000);

    // B's clock is 3 minutes later than A's last heartbeat: the lock is stale, B takes it over,
    // and A, finding its lock gone at its next heartbeat, stops its run.
    await b.clock.advance(5 * 60_000 + 3 * 60_000);
    const second = await b.scheduler.runNow(b.connector.id);
    expect(a.runs.get(first.runId)!.status).toBe('interrupted');
    await a.clock.advance(60_000);
    a.gate.open();
    const aOutcome = await first.done;
    expect(aOutcome.status).toBe('cancelled');
    b.gate.open();
    expect((await second.done).status).toBe('succeeded');
    expect(b.locks.holder(runLockName(b.connector.id))).toBeUndefined();
  });

  it('takes over the lock of a process that died, and refuses a live one', () => {
    const s = setup();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const name = runLockName(s.connector.id);
    s.store.db.prepare('INSERT INTO locks (name, owner, pid, hostname, acquired_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, ?)').run(name, 'dead-owner', dead, os.hostname(), s.clock.now(), s.clock.now());
    const taken = s.locks.acquire(name, 'me', s.clock.now(), 120_000, (h) => { try { process.kill(h.pid, 0); return true; } catch { return false; } });
    expect(taken).toMatchObject({ acquired: true, tookOverFrom: { owner: 'dead-owner', pid: dead } });
    const refused = s.locks.acquire(name, 'other', s.clock.now() + 1000, 120_000, () => true);
    expect(refused).toMatchObject({ acquired: false, holder: { owner: 'me' } });
  });
});
