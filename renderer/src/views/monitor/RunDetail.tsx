import { useState } from 'react';
import type { Reconciliation, RunStage, StageProgress } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { conversationName, formatBytes } from '../../components/format';
import { Table } from '../../components/Table';
import { useCall } from '../../state/api-context';
import { stageLabels } from './CurrentRun';
import { ItemTrail } from './ItemTrail';

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
      {r.error && <p className="error-text">{r.error}</p>}
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

function ReconciliationTable({ rec }: { rec: Reconciliation }) {
  const row = (label: string, v: { count: number; bytes: number }, id: string) => (
    <tr data-testid={`rec-items-${id}`}>
      <th scope="row">{label}</th>
      <td>{v.count.toLocaleString()}</td>
      <td>{formatBytes(v.bytes)}</td>
    </tr>
  );
  const d = rec.deliveries;
  const drow = (label: string, n: number, id: string) => (
    <tr data-testid={`rec-deliveries-${id}`}>
      <th scope="row">{label}</th>
      <td>{n.toLocaleString()}</td>
    </tr>
  );
  const reasons = Object.entries(rec.skipped.byReason);
  return (
    <div className="reconciliation" data-testid="reconciliation" data-balanced={rec.balanced}>
      <table className="table compact" aria-label="Reconciliation per item">
        <thead>
          <tr>
            <th scope="col">Items</th>
            <th scope="col">Count</th>
            <th scope="col">Size</th>
          </tr>
        </thead>
        <tbody>
          {row('Captured', rec.captured, 'captured')}
          {row('Delivered', rec.delivered, 'delivered')}
          {row('Blocked', rec.blocked, 'blocked')}
          {row('Failed', rec.failed, 'failed')}
          {row('of which stopped retrying', rec.stoppedRetrying, 'stopped')}
          {row('Held', rec.held, 'held')}
          {row('Skipped', rec.skipped, 'skipped')}
          {row('Unaccounted', rec.unaccounted, 'unaccounted')}
        </tbody>
      </table>
      <table className="table compact" aria-label="Reconciliation per delivery">
        <thead>
          <tr>
            <th scope="col">Deliveries (item × mailbox)</th>
            <th scope="col">Count</th>
          </tr>
        </thead>
        <tbody>
          {drow('Planned', d.planned, 'planned')}
          {drow('Delivered', d.delivered, 'delivered')}
          {drow('Already there', d.alreadyThere, 'already-there')}
          {drow('Partially delivered', d.partial, 'partial')}
          {drow('Blocked', d.blocked, 'blocked')}
          {drow('Failed', d.failed, 'failed')}
          {drow('Held', d.held, 'held')}
          {drow('Skipped', d.skipped, 'skipped')}
          {drow('Not finished', d.open, 'open')}
        </tbody>
      </table>
      <div>
        <p className={rec.balanced ? 'ok-text' : 'error-text'}>
          <strong>{rec.balanced ? '✓ Balanced:' : '✗ Not balanced:'}</strong> captured {rec.captured.count.toLocaleString()} = delivered {rec.delivered.count.toLocaleString()} + blocked{' '}
          {rec.blocked.count.toLocaleString()} + failed {rec.failed.count.toLocaleString()} + held {rec.held.count.toLocaleString()} + skipped {rec.skipped.count.toLocaleString()}
          {rec.unaccounted.count ? ` + ${rec.unaccounted.count.toLocaleString()} unaccounted` : ''}
        </p>
        {reasons.length > 0 && <p className="muted">Skipped because: {reasons.map(([k, v]) => `${k} ${v}`).join(', ')}</p>}
        {rec.blockedMailboxes.map((m) => (
          <p key={m.mailbox} className="warn-text" data-testid="rec-blocked-mailbox">
            <strong>{m.mailbox}</strong>: {m.deliveries.toLocaleString()} blocked. {m.message} <strong>How to fix it:</strong> {m.fix}
          </p>
        ))}
        {rec.read !== undefined && <p className="muted" data-testid="run-read">Read {rec.read.toLocaleString()} new message(s) from Symphony.</p>}
        {rec.takenOver && (
          <p className="muted" data-testid="run-taken-over">
            {rec.takenOver.items.toLocaleString()} of these items were taken over from interrupted run(s) {rec.takenOver.runIds.join(', ')}, whose process stopped before it could reconcile them.
          </p>
        )}
        {Object.entries(rec.waiting ?? {}).map(([why, n]) => (
          <p key={why} className={why === 'lookup-failed' ? 'error-text' : 'muted'} data-testid={`run-waiting-${why}`}>
            {n.toLocaleString()} item(s) wait for the next run: {why === 'lookup-failed' ? 'the directory look-up of their participants failed' : 'their transcript day is still open or an attachment is still downloading'}.
          </p>
        ))}
        {rec.problems.map((p) => (
          <p key={p} className="error-text">
            {p}
          </p>
        ))}
      </div>
    </div>
  );
}
