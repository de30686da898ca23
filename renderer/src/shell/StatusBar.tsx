import { useCallback, useEffect, useState } from 'react';
import type { AuthStatus, ConnectorRunStatus, RunStatus } from '../../../shared/contract';
import { runOutcomeWords, runStatusTone } from '../../../shared/contract/run-words';
import { formatNextRun } from '../components/format';
import { useApi, useCall, useEvent } from '../state/api-context';
import { useAuthVersion, useSelectedConnectorId } from '../views/connectors/selection';

/** Bottom bar: version and host; the signed-in account, the next scheduled run and the last run's result. */
export function StatusBar() {
  const info = useCall('app.info', {});
  const runs = useCall('runs.status', {}, { refreshOn: ['runs.changed', 'connectors.changed'] });
  const selectedId = useSelectedConnectorId();
  const statuses = runs.state === 'ready' ? runs.value : [];
  const selected = statuses.find((s) => s.connectorId === selectedId) ?? statuses[0];
  const auth = useAuthStatus(selected?.connectorId);
  const next = nextRun(statuses);
  const last = selected?.current ?? selected?.last;
  return (
    <footer className="status-bar">
      <div className="status-bar-items" role="status" aria-live="polite">
        {info.state === 'ready' && (
          <span data-testid="status-version">
            Symphony Archiver {info.value.version} · {info.value.host === 'browser' ? 'browser host' : info.value.host}
            {info.value.sandbox && <strong data-testid="status-sandbox"> · SANDBOX</strong>}
          </span>
        )}
        {info.state === 'error' && <span className="error">Core unreachable: {info.error.message}</span>}
        <span className="spacer" />
        {selected && auth && (
          <span data-testid="status-account" title={auth.problem}>
            {auth.signedIn ? `● ${auth.account ?? 'signed in'}` : `○ ${selected.name}: not signed in`}
          </span>
        )}
        {next && (
          <span data-testid="status-next-run" title={`${next.name}: next run ${formatNextRun(next.at)}`}>
            Next run: {formatNextRun(next.at)} · {next.name}
          </span>
        )}
        {selected && last && (
          <span data-testid="status-last-run" data-status={last.status} className={statusClass(last.status)} title={lastRunText(last)}>
            {lastRunText(last)}
          </span>
        )}
      </div>
    </footer>
  );
}

function statusClass(status: RunStatus): string | undefined {
  const tone = runStatusTone(status);
  return tone === 'bad' ? 'status-bad' : tone === 'problems' ? 'status-warn' : undefined;
}

function nextRun(statuses: ConnectorRunStatus[]): { at: string; name: string } | undefined {
  return statuses
    .filter((s) => s.nextRunAt && !s.paused)
    .map((s) => ({ at: s.nextRunAt!, name: s.name }))
    .sort((a, b) => a.at.localeCompare(b.at))[0];
}

/** auth.status of the connector, refreshed when connectors or runs change; absent when the call fails. */
function useAuthStatus(connectorId: string | undefined): AuthStatus | undefined {
  const api = useApi();
  const [status, setStatus] = useState<AuthStatus>();
  const [tick, setTick] = useState(0);
  const authVersion = useAuthVersion();
  const bump = useCallback(() => setTick((t) => t + 1), []);
  useEvent('connectors.changed', bump);
  useEvent('runs.changed', bump);
  useEffect(() => {
    if (!connectorId) return;
    let live = true;
    api.invoke('auth.status', { connectorId }).then(
      (s) => live && setStatus(s),
      () => live && setStatus(undefined),
    );
    return () => {
      live = false;
    };
  }, [api, connectorId, tick, authVersion]);
  return connectorId ? status : undefined;
}

function lastRunText(last: NonNullable<ConnectorRunStatus['last']>): string {
  if (last.status === 'running') return `Run ${last.id} running…`;
  // The Monitor's and the CLI's words (shared/contract/run-words.ts).
  return `Last run ${runOutcomeWords(last.status, last.reconciliation)}`;
}
