import { useEffect, useState } from 'react';
import type { ScheduleSettings } from '../../../../../shared/contract';
import { formatNextRun } from '../../../components/format';
import { useApi } from '../../../state/api-context';

/**
 * The next start times of a schedule as the core's scheduler computes them (runs.preview), so
 * the wizard, the connector details and the status bar never disagree about when a run starts.
 */
export function useSchedulePreview(schedule: ScheduleSettings, connectorId: string | null, valid: boolean, count = 3): string[] | null {
  const api = useApi();
  const [times, setTimes] = useState<string[] | null>(null);
  const key = JSON.stringify(schedule);
  useEffect(() => {
    if (!valid || !schedule.enabled) {
      setTimes(null);
      return;
    }
    let live = true;
    // Typing in the interval or cron field asks once the officer pauses, not per key.
    const timer = setTimeout(() => {
      api.invoke('runs.preview', { schedule, count, ...(connectorId ? { connectorId } : {}) }).then(
        (r) => live && setTimes(r.nextRuns),
        () => live && setTimes(null),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, connectorId, valid, count]);
  return times;
}

export function NextRuns({ schedule, connectorId, valid }: { schedule: ScheduleSettings; connectorId: string | null; valid: boolean }) {
  const times = useSchedulePreview(schedule, connectorId, valid);
  if (!times || times.length === 0) return null;
  return (
    <p data-testid="next-runs">
      Next runs: {times.map((t) => formatNextRun(t)).join(' · ')}
    </p>
  );
}
