import { useState } from 'react';
import { reasonWords, type RunStage, type StageProgress } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { conversationName, formatBytes } from '../../components/format';
import { Table } from '../../components/Table';
import { useCall } from '../../state/api-context';
import { stageLabels } from './CurrentRun';
import { ItemTrail } from './ItemTrail';
import { ReconciliationTable } from './Reconciliation';

/** One run: its reconciliation in full and its conversations; a conversation opens its item trail. */
export function RunDetail({ runId, connectorId }: { runId: number; connectorId: string }) {
  const run = useCall('runs.get', { runId, conversationsOffset: 0, conversationsLimit: 200 }, { refreshOn: ['runs.changed'] });
  const names = useCall('capture.conversations', { connectorId });
  const [streamId, setStreamId] = useState<string | null>(null);
  const nameOf = (id: string) => {
    const c = names.state === 'ready' ? names.value.find((x) => x.streamId === id) : undefined;
    return c ? conversationName(c) : id;
  };
  if (run.state === 'loading') return <p className="muted">Loading run {runId}…</p>;
  if (run.state === 'error') return <ErrorNotice error={run.error} />;
  const r = run.value;
  return (
    <section aria-labelledby="run-detail-title" className="panel" data-testid="run-detail">
      <h3 id="run-detail-title">Run {r.id}</h3>
      {r.error && <p className="error-text" data-testid="run-error">{reasonWords(r.error)}</p>}
      <RetriedRequests progress={r.progress} />
      {r.reconciliation ? <ReconciliationTable rec={r.reconciliation} /> : <p className="muted">Reconciled when the run ends.</p>}
      <h3>Conversations ({r.conversationsTotal.toLocaleString()})</h3>
      <Table
        label={`Conversations of run ${r.id}`}
        testId="run-conversations"
        rows={r.conversations}
        rowKey={(c) => c.streamId}
        selectedKey={streamId}
        onActivate={(c) => setStreamId(c.streamId)}
        empty="This run took in no items."
        columns={[
          { key: 'stream', header: 'Conversation', render: (c) => <span title={c.streamId}>{nameOf(c.streamId)}</span> },
          { key: 'captured', header: 'Captured', align: 'right', render: (c) => c.captured.toLocaleString() },
          { key: 'delivered', header: 'Delivered', align: 'right', render: (c) => c.delivered.toLocaleString() },
          { key: 'blocked', header: 'Blocked', align: 'right', render: (c) => c.blocked.toLocaleString() },
          { key: 'failed', header: 'Failed', align: 'right', render: (c) => c.failed.toLocaleString() },
          { key: 'held', header: 'Held', align: 'right', render: (c) => c.held.toLocaleString() },
          { key: 'skipped', header: 'Skipped', align: 'right', render: (c) => c.skipped.toLocaleString() },
          { key: 'bytes', header: 'Size', align: 'right', render: (c) => formatBytes(c.bytes) },
          { key: 'balanced', header: 'Balanced', render: (c) => (c.balanced ? <span className="ok-text">✓</span> : <span className="error-text">✗</span>) },
        ]}
      />
      {streamId && <ItemTrail connectorId={connectorId} filter={{ runId: r.id, streamId }} title={`Items of ${nameOf(streamId)} in run ${r.id}`} />}
    </section>
  );
}

/** Requests the run had to try again, per stage: throttling, outages and network trouble leave this trace. */
function RetriedRequests({ progress }: { progress: Record<string, StageProgress> }) {
  const stages = (Object.keys(stageLabels) as RunStage[]).filter((s) => (progress[s]?.retries ?? 0) > 0);
  if (stages.length === 0) return null;
  return (
    <p className="muted" data-testid="run-retries">
      Requests tried again after throttling, an outage or a network error: {stages.map((s) => `${progress[s]!.retries.toLocaleString()} in ${stageLabels[s]}`).join(', ')}.
    </p>
  );
}
