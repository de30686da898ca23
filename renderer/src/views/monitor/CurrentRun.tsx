import { reasonWords, type RunStage, type RunStatus, type StageProgress } from '../../../../shared/contract';
import { runOutcomeDetail, runStatusLabel, runStatusTone } from '../../../../shared/contract/run-words';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatBytes, formatDateTime, formatDuration, formatNextRun } from '../../components/format';
import { ProgressBar } from '../../components/ProgressBar';
import { useAction } from '../../components/useAction';
import type { Monitor } from './useMonitor';

export const stageLabels: Record<RunStage, string> = {
  capture: 'Capture from Symphony',
  convert: 'Convert to e-mail',
  map: 'Find mailboxes',
  import: 'Import into Microsoft 365',
  reconcile: 'Reconcile',
};
const stageOrder: RunStage[] = ['capture', 'convert', 'map', 'import', 'reconcile'];
/** What each stage counts (capture works conversation by conversation; import counts item × mailbox). */
const stageUnits: Record<RunStage, string> = { capture: 'conversations', convert: 'items', map: 'items', import: 'deliveries', reconcile: 'items' };

/** The run in progress, stage by stage, or the last run's outcome and the next scheduled one. */
export function CurrentRun({ monitor, enabled }: { monitor: Monitor; enabled: boolean }) {
  const start = useAction(monitor.start);
  const cancel = useAction(monitor.cancel);
  const pause = useAction(() => (monitor.status?.paused ? monitor.resume() : monitor.pause()));
  const { current, progress, status } = monitor;
  const error = start.error ?? cancel.error ?? pause.error;
  return (
    <section aria-labelledby="current-run-title" className="panel">
      <div className="panel-header">
        <h2 id="current-run-title">{current ? `Run ${current.id} in progress` : 'Runs'}</h2>
        <div className="toolbar" role="toolbar" aria-label="Run actions">
          {current ? (
            <Button variant="danger" onClick={() => void cancel.run()} busy={cancel.busy} data-testid="cancel-run">
              Cancel run
            </Button>
          ) : (
            <Button variant="primary" onClick={() => void start.run()} busy={start.busy} disabled={!enabled} data-testid="run-now" title={enabled ? undefined : 'The connector is disabled'}>
              Run now
            </Button>
          )}
          {status?.scheduleEnabled && (
            <Button onClick={() => void pause.run()} busy={pause.busy}>
              {status.paused ? 'Resume schedule' : 'Pause schedule'}
            </Button>
          )}
        </div>
      </div>
      {error && <ErrorNotice error={error} onDismiss={() => (start.clear(), cancel.clear(), pause.clear())} />}
      {current ? (
        <div data-testid="current-run" aria-live="polite">
          <p className="muted">
            Started {formatDateTime(current.startedAt)} ({current.trigger}). Cancelling stops safely; the next run resumes where this one stopped.
          </p>
          {stageOrder.map((stage) => {
            const p = progress?.stages[stage];
            if (!p) return <ProgressBar key={stage} label={stageLabels[stage]} value={0} max={1} detail="waiting" />;
            const rate = p.itemsPerSecond > 0 ? `${p.itemsPerSecond.toLocaleString()} ${stageUnits[stage]}/s` : '';
            const eta = p.etaSeconds !== null && p.total !== null && p.done < p.total ? `ETA ${formatDuration(p.etaSeconds)}` : '';
            const counts = `${p.done.toLocaleString()}${p.total !== null ? ` / ${p.total.toLocaleString()}` : ''} ${stageUnits[stage]}`;
            const retries = p.retries ? `${p.retries.toLocaleString()} ${p.retries === 1 ? 'retry' : 'retries'}` : '';
            const waiting = progress?.stage === stage ? waitingFor(p.retrying) : undefined;
            return (
              <div key={stage}>
                <ProgressBar
                  label={`${stageLabels[stage]}${progress?.stage === stage ? ' (now)' : ''}`}
                  value={p.done}
                  max={p.total}
                  detail={[counts, p.bytes ? formatBytes(p.bytes) : '', rate, eta, retries].filter(Boolean).join(' · ')}
                />
                {waiting && (
                  <p className="warn-text retry-wait" data-testid="run-retrying">
                    {waiting}
                  </p>
                )}
              </div>
            );
          })}
        </div>
      ) : (
        <LastRun monitor={monitor} />
      )}
    </section>
  );
}

/** "Waiting to retry …" while a stage waits out a throttled tenant or an unreachable pod. */
function waitingFor(retrying: StageProgress['retrying'] | undefined): string | undefined {
  if (!retrying || Date.parse(retrying.until) <= Date.now()) return undefined;
  return `Waiting to retry (${retrying.reason}); next try at ${new Date(retrying.until).toLocaleTimeString()}. The run goes on by itself.`;
}

function LastRun({ monitor }: { monitor: Monitor }) {
  const last = monitor.status?.last;
  const next = monitor.status?.nextRunAt;
  return (
    <div data-testid="last-run">
      {last ? (
        <p>
          Last run <strong>{last.id}</strong>{' '}
          <span className={`badge ${badgeOf(last.status)}`} data-testid="last-run-status" data-status={last.status}>
            {runStatusLabel(last.status)}
          </span>{' '}
          {formatDateTime(last.finishedAt ?? last.startedAt)}
          {last.reconciliation && (
            <span className={runStatusTone(last.status) === 'problems' ? 'warn-text' : undefined} data-testid="last-run-words">
              {' '}
              — {runOutcomeDetail(last.reconciliation)}
              {last.reconciliation.unknownOutcomes?.straysDeleted ? `; ${last.reconciliation.unknownOutcomes.straysDeleted.toLocaleString()} stray copies deleted` : ''}
              {last.reconciliation.unknownOutcomes?.unsettled ? `; ${last.reconciliation.unknownOutcomes.unsettled.toLocaleString()} unknown outcome(s) wait for the next run` : ''}
            </span>
          )}
          {last.error && <span className="error-text" data-testid="last-run-error"> — {reasonWords(last.error)}</span>}
        </p>
      ) : (
        <p className="muted">No run yet.</p>
      )}
      <p className="muted">
        {monitor.status?.paused
          ? 'The schedule is paused.'
          : next
            ? `Next scheduled run: ${formatNextRun(next)}.`
            : 'No scheduled run: runs start when you press Run now.'}
      </p>
    </div>
  );
}

/** Green only for success; amber for a run that delivered what it could and names its gaps. */
export function badgeOf(status: RunStatus): string {
  const tone = runStatusTone(status);
  return tone === 'good' ? 'badge-ok' : tone === 'problems' ? 'badge-warn' : tone === 'bad' ? 'badge-error' : 'badge-muted';
}
