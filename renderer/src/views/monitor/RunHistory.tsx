import type { RunSummary } from '../../../../shared/contract';
import { runStatusLabel } from '../../../../shared/contract/run-words';
import { formatBytes, formatDateTime, formatDuration } from '../../components/format';
import { Table } from '../../components/Table';
import { badgeOf } from './CurrentRun';

function duration(run: RunSummary): string {
  if (!run.finishedAt) return 'running';
  return formatDuration((new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime()) / 1000);
}

/** Past runs with their reconciliation: captured = delivered + blocked + failed + held + skipped, or why not. */
export function RunHistory({ runs, selectedId, onSelect }: { runs: RunSummary[]; selectedId: number | null; onSelect: (run: RunSummary) => void }) {
  return (
    <Table
      label="Run history"
      testId="run-history"
      rows={runs}
      rowKey={(r) => r.id}
      selectedKey={selectedId}
      onActivate={onSelect}
      empty="No run yet. Press Run now, or wait for the schedule."
      columns={[
        { key: 'id', header: 'Run', render: (r) => r.id, align: 'right' },
        { key: 'started', header: 'Started', render: (r) => formatDateTime(r.startedAt) },
        { key: 'trigger', header: 'Trigger', render: (r) => r.trigger },
        { key: 'status', header: 'Result', render: (r) => <span className={`badge ${badgeOf(r.status)}`}>{runStatusLabel(r.status)}</span> },
        { key: 'duration', header: 'Took', render: duration },
        { key: 'captured', header: 'Captured', align: 'right', render: (r) => r.reconciliation?.captured.count.toLocaleString() ?? '—' },
        { key: 'delivered', header: 'Delivered', align: 'right', render: (r) => r.reconciliation?.delivered.count.toLocaleString() ?? '—' },
        { key: 'blocked', header: 'Blocked', align: 'right', render: (r) => r.reconciliation?.blocked.count.toLocaleString() ?? '—' },
        { key: 'failed', header: 'Failed', align: 'right', render: (r) => r.reconciliation?.failed.count.toLocaleString() ?? '—' },
        { key: 'held', header: 'Held', align: 'right', render: (r) => r.reconciliation?.held.count.toLocaleString() ?? '—' },
        { key: 'skipped', header: 'Skipped', align: 'right', render: (r) => r.reconciliation?.skipped.count.toLocaleString() ?? '—' },
        { key: 'bytes', header: 'Size', align: 'right', render: (r) => (r.reconciliation ? formatBytes(r.reconciliation.captured.bytes) : '—') },
        {
          key: 'balanced',
          header: 'Balanced',
          render: (r) =>
            !r.reconciliation ? '—' : r.reconciliation.balanced ? <span className="ok-text">✓ yes</span> : <span className="error-text">✗ {r.reconciliation.unaccounted.count} unaccounted</span>,
        },
      ]}
    />
  );
}
