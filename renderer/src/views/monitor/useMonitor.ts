import { useCallback, useEffect, useState } from 'react';
import type { ConnectorRunStatus, RunProgress, RunSummary } from '../../../../shared/contract';
import { useApi, useCall, useEvent } from '../../state/api-context';

/**
 * The live state of one connector's runs: its status (current run, last run, next scheduled run),
 * the latest progress of the current run from `runs.progress`, and the run history.
 */
export function useMonitor(connectorId: string) {
  const api = useApi();
  const status = useCall('runs.status', {}, { refreshOn: ['runs.changed', 'connectors.changed'] });
  const history = useCall('runs.list', { connectorId, offset: 0, limit: 200 }, { refreshOn: ['runs.changed'] });
  const [progress, setProgress] = useState<RunProgress | null>(null);

  const mine: ConnectorRunStatus | undefined = status.state === 'ready' ? status.value.find((s) => s.connectorId === connectorId) : undefined;
  const current: RunSummary | null = mine?.current ?? null;

  useEvent(
    'runs.progress',
    useCallback((p: RunProgress) => {
      if (p.connectorId === connectorId) setProgress(p);
    }, [connectorId]),
  );

  // A run that started before the view opened has had no event yet: take its progress from runs.get.
  useEffect(() => {
    if (!current) return;
    let live = true;
    api.invoke('runs.get', { runId: current.id, conversationsLimit: 1 }).then(
      (run) => live && setProgress((p) => (p && p.runId === run.id ? p : { runId: run.id, connectorId, stage: run.stage ?? 'capture', stages: run.progress })),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, connectorId, current]);

  const start = useCallback(async () => {
    setProgress(null);
    return api.invoke('runs.start', { connectorId });
  }, [api, connectorId]);
  const cancel = useCallback(() => api.invoke('runs.cancel', { connectorId }), [api, connectorId]);
  const pause = useCallback(() => api.invoke('runs.pause', { connectorId }), [api, connectorId]);
  const resume = useCallback(() => api.invoke('runs.resume', { connectorId }), [api, connectorId]);

  return {
    status: mine,
    statusError: status.state === 'error' ? status.error : undefined,
    current,
    progress: current && progress?.runId === current.id ? progress : null,
    history: history.state === 'ready' ? history.value : undefined,
    historyError: history.state === 'error' ? history.error : undefined,
    reload: () => {
      status.reload();
      history.reload();
    },
    start,
    cancel,
    pause,
    resume,
  };
}

export type Monitor = ReturnType<typeof useMonitor>;
