import { Cron } from 'croner';
import type { ScheduleSettings } from '../../../shared/contract';
import { ArchiverError, errorText } from '../../../shared/errors';

const HOUR = 3_600_000;

/**
 * When a connector's runs are due, as pure functions of (schedule, last run, jitter): nothing here
 * reads the clock, so a due time once reached stays reached (it only moves when a run starts) and
 * the arithmetic is tested without a clock.
 *
 * A **slot** is a nominal start the schedule names: for cron the times the expression names, for
 * an interval the last slot plus the interval (or the start of a manual run plus the interval —
 * *Run now* restarts the interval). A connector that never ran has its first slot at its creation
 * (interval: at once) or at the first time the cron expression names after its creation. A slot is
 * **due** at slot + jitter, moved into the local-time window; the jitter is fixed per connector and
 * per slot, and stays below a tenth of the gap to the following slot so that it never swallows one.
 */

/** What the scheduler needs of the connector's last run. */
export interface LastRun {
  startedMs: number;
  /** The slot the scheduler started it for; null for a manual or command-line run. */
  slotMs: number | null;
}

export interface SlotInput {
  schedule: ScheduleSettings;
  last: LastRun | null;
  /** When the connector was created: the first slot of a connector that never ran. */
  anchorMs: number;
  connectorId: string;
  /** Largest jitter (default 5 minutes); 0 turns it off. */
  maxJitterMs: number;
}

export interface Slot {
  /** The nominal time the schedule names. */
  slotMs: number;
  /** slot + jitter, moved into the window: the run starts at the first tick at or after it. */
  dueMs: number;
}

/** The connector's next slot and when it is due; null when the schedule names no future time. */
export function nextSlot(input: SlotInput): Slot | null {
  const { schedule, last } = input;
  const slotMs = last === null ? firstSlot(schedule, input.anchorMs) : slotAfter(schedule, last.slotMs ?? last.startedMs);
  if (slotMs === null) return null;
  const gap = gapAfter(schedule, slotMs);
  const jitter = slotJitter(input.connectorId, slotMs, Math.min(input.maxJitterMs, Math.floor(gap / 10)));
  return { slotMs, dueMs: intoWindow(schedule, slotMs + jitter) };
}

export interface DueRun extends Slot {
  /** Started well after it was due (a missed slot caught up), not in its tick. */
  late: boolean;
  /** The slot the run stands for (slotCoveredAt): what the next slot follows from. */
  coveredMs: number;
}

/**
 * The scheduler's whole decision for one connector at one tick: the run due now, or null. `catchUp`
 * is set on the first tick and after a clock jump (the machine slept); a run more than `lateAfterMs`
 * after its due time is late too.
 */
export function dueRun(input: SlotInput & { nowMs: number; lateAfterMs: number; catchUp: boolean }): DueRun | null {
  const slot = nextSlot(input);
  if (slot === null || startAt(input.schedule, slot.dueMs, input.nowMs) > input.nowMs) return null;
  const late = input.catchUp || input.nowMs - slot.dueMs > input.lateAfterMs;
  return { ...slot, late, coveredMs: slotCoveredAt(input.schedule, slot.slotMs, input.nowMs, late) };
}

/**
 * The slot a run started at `nowMs` for the due slot `slotMs` stands for, so that the next slot is
 * after now: for cron the latest time the expression names at or before now; for an interval the
 * latest slot of its grid at or before now, or — for a run that starts late (`late`: the machine
 * slept, the app was closed) — now itself, the interval starting again from the catch-up run.
 */
export function slotCoveredAt(schedule: ScheduleSettings, slotMs: number, nowMs: number, late: boolean): number {
  if (nowMs <= slotMs) return slotMs;
  if (schedule.kind === 'cron') {
    const cron = parseCron(schedule.cron);
    // previousRuns is strictly before its reference, at whole seconds.
    const previous = cron.previousRuns(1, new Date(Math.floor(nowMs / 1000) * 1000 + 1000))[0]?.getTime();
    return previous !== undefined && previous > slotMs ? previous : slotMs;
  }
  if (late) return nowMs;
  const interval = schedule.intervalHours * HOUR;
  return slotMs + Math.floor((nowMs - slotMs) / interval) * interval;
}

function firstSlot(schedule: ScheduleSettings, anchorMs: number): number | null {
  if (schedule.kind !== 'cron') return anchorMs;
  // nextRun is strictly after its reference (whole seconds): a cron time equal to the anchor counts.
  return parseCron(schedule.cron).nextRun(new Date(anchorMs - 1000))?.getTime() ?? null;
}

function slotAfter(schedule: ScheduleSettings, refMs: number): number | null {
  if (schedule.kind === 'cron') return parseCron(schedule.cron).nextRun(new Date(refMs))?.getTime() ?? null;
  return refMs + schedule.intervalHours * HOUR;
}

function gapAfter(schedule: ScheduleSettings, slotMs: number): number {
  if (schedule.kind !== 'cron') return schedule.intervalHours * HOUR;
  const following = parseCron(schedule.cron).nextRun(new Date(slotMs))?.getTime();
  return following === undefined ? 0 : following - slotMs;
}

/** The start moment for a slot due at `dueMs`, seen at `nowMs`: a due slot waits only for the window. */
export function startAt(schedule: ScheduleSettings, dueMs: number, nowMs: number): number {
  if (dueMs > nowMs) return dueMs;
  return inWindow(schedule, nowMs) ? nowMs : intoWindow(schedule, nowMs);
}

/** Parsed expressions: the scheduler asks every tick, for every connector. Croner's Cron is immutable while paused. */
const parsed = new Map<string, Cron>();

export function parseCron(expression: string): Cron {
  const known = parsed.get(expression);
  if (known) return known;
  try {
    const cron = new Cron(expression, { paused: true });
    if (parsed.size > 256) parsed.clear();
    parsed.set(expression, cron);
    return cron;
  } catch (error) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `The schedule "${expression}" is not a valid cron expression.`,
      fix: 'Use five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" for 02:00 every day.',
      target: 'settings.schedule.cron',
      detail: errorText(error),
    });
  }
}

/** Minutes since local midnight of an HH:MM string. */
function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** True when `atMs` falls inside the schedule's local-time window (or there is none). */
export function inWindow(schedule: ScheduleSettings, atMs: number): boolean {
  if (!schedule.windowStart || !schedule.windowEnd) return true;
  const start = minutesOf(schedule.windowStart);
  const end = minutesOf(schedule.windowEnd);
  if (start === end) return true;
  const d = new Date(atMs);
  const minute = d.getHours() * 60 + d.getMinutes();
  // A window may cross midnight (22:00–06:00).
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The first moment at or after `atMs` inside the window. */
export function intoWindow(schedule: ScheduleSettings, atMs: number): number {
  if (!Number.isFinite(atMs) || inWindow(schedule, atMs)) return atMs;
  const start = minutesOf(schedule.windowStart);
  const d = new Date(atMs);
  const candidate = new Date(d.getFullYear(), d.getMonth(), d.getDate(), Math.floor(start / 60), start % 60, 0, 0);
  if (candidate.getTime() < atMs) candidate.setDate(candidate.getDate() + 1);
  return candidate.getTime();
}

/** A stable offset per connector so that many connectors on one schedule do not start together. */
export function jitterFor(connectorId: string, maxMs: number): number {
  return slotJitter(connectorId, null, maxMs);
}

/** The offset of one connector's slot: the same every time it is asked (FNV-1a of id and slot). */
export function slotJitter(connectorId: string, slotMs: number | null, maxMs: number): number {
  if (maxMs <= 0) return 0;
  const key = slotMs === null ? connectorId : `${connectorId}@${slotMs}`;
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return (hash >>> 0) % maxMs;
}
