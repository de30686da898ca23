import { Cron } from 'croner';
import type { ScheduleSettings } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';

const HOUR = 3_600_000;

/**
 * When a connector's next run is due, from its schedule and the start of its last run. Pure
 * functions of time, so they are tested without a clock.
 */
export function nextDue(schedule: ScheduleSettings, lastStartMs: number | null, nowMs: number): number {
  let next: number;
  if (schedule.kind === 'cron') {
    const cron = parseCron(schedule.cron);
    // Without a previous run the first one waits for the next time the expression names.
    const from = new Date(lastStartMs ?? nowMs);
    next = cron.nextRun(from)?.getTime() ?? Number.POSITIVE_INFINITY;
  } else {
    next = lastStartMs === null ? nowMs : lastStartMs + schedule.intervalHours * HOUR;
  }
  return intoWindow(schedule, next);
}

export function parseCron(expression: string): Cron {
  try {
    return new Cron(expression, { paused: true });
  } catch (error) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `The schedule "${expression}" is not a valid cron expression.`,
      fix: 'Use five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" for 02:00 every day.',
      target: 'settings.schedule.cron',
      detail: error instanceof Error ? error.message : String(error),
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
  if (maxMs <= 0) return 0;
  let hash = 2166136261;
  for (let i = 0; i < connectorId.length; i++) hash = Math.imul(hash ^ connectorId.charCodeAt(i), 16777619);
  return (hash >>> 0) % maxMs;
}
