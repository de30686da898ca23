import type { RunSummary } from '../../../../shared/contract';

export interface DayVolume {
  /** Local calendar day, yyyy-mm-dd. */
  day: string;
  items: number;
  bytes: number;
  failed: number;
}

function localDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/**
 * Archived volume per day over the last `days` days (today included), from the runs'
 * reconciliation: items and bytes delivered, and items that failed, by the day the run started.
 * A failed item is counted once, in the run it first failed in (later runs retry it; each item is
 * delivered in one run only, so delivered items count once too).
 */
export function dailyVolume(runs: RunSummary[], days = 30, now = new Date()): DayVolume[] {
  const byDay = new Map<string, DayVolume>();
  for (let i = days - 1; i >= 0; i--) {
    const date = new Date(now.getFullYear(), now.getMonth(), now.getDate() - i);
    const day = localDay(date);
    byDay.set(day, { day, items: 0, bytes: 0, failed: 0 });
  }
  for (const run of runs) {
    const entry = byDay.get(localDay(new Date(run.startedAt)));
    const r = run.reconciliation;
    if (!entry || !r) continue;
    entry.items += r.delivered.count;
    entry.bytes += r.delivered.bytes;
    entry.failed += r.failedFirstTime;
  }
  return [...byDay.values()];
}
