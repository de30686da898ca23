import { useState } from 'react';
import { BarChart } from '../../components/BarChart';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { formatBytes } from '../../components/format';
import { Tabs } from '../../components/Tabs';
import { NoConnector, useConnectorPicker } from '../connectors/ConnectorPicker';
import { BlockedMailboxes } from './BlockedMailboxes';
import { Conversations } from './Conversations';
import { CurrentRun } from './CurrentRun';
import { dailyVolume } from './daily';
import { FailedItems } from './FailedItems';
import { ItemTrail } from './ItemTrail';
import { RunDetail } from './RunDetail';
import { RunHistory } from './RunHistory';
import { useMonitor, type Monitor } from './useMonitor';
import './monitor.css';

/** The import monitor: the run in progress, the history with its reconciliation, volume and failures. */
export function MonitorView() {
  const { picker, connector, loading } = useConnectorPicker();
  if (!connector) return loading ? null : <NoConnector />;
  return (
    <section className="view monitor" aria-labelledby="monitor-title">
      <div className="view-header">
        <h1 id="monitor-title">Import monitor</h1>
        {picker}
      </div>
      <MonitorBody key={connector.id} connectorId={connector.id} enabled={connector.enabled} />
    </section>
  );
}

function MonitorBody({ connectorId, enabled }: { connectorId: string; enabled: boolean }) {
  const monitor = useMonitor(connectorId);
  const [tab, setTab] = useState('overview');
  return (
    <>
      {monitor.statusError && <ErrorNotice error={monitor.statusError} />}
      <CurrentRun monitor={monitor} enabled={enabled} />
      <BlockedMailboxes connectorId={connectorId} />
      <Tabs
        label="Monitor sections"
        active={tab}
        onChange={setTab}
        tabs={[
          { id: 'overview', label: 'Volume' },
          { id: 'history', label: 'Run history' },
          { id: 'conversations', label: 'Conversations' },
          { id: 'failed', label: 'Failed and blocked items' },
          { id: 'people', label: 'By person' },
        ]}
      >
        {tab === 'overview' && <Volume monitor={monitor} />}
        {tab === 'history' && <History monitor={monitor} connectorId={connectorId} />}
        {tab === 'conversations' && <Conversations connectorId={connectorId} />}
        {tab === 'failed' && <FailedItems connectorId={connectorId} />}
        {tab === 'people' && <People connectorId={connectorId} />}
      </Tabs>
    </>
  );
}

function Volume({ monitor }: { monitor: Monitor }) {
  if (monitor.historyError) return <ErrorNotice error={monitor.historyError} />;
  const days = dailyVolume(monitor.history?.runs ?? []);
  const label = (d: string) => String(Number(d.slice(8)));
  const totals = days.reduce((t, d) => ({ items: t.items + d.items, bytes: t.bytes + d.bytes, failed: t.failed + d.failed }), { items: 0, bytes: 0, failed: 0 });
  const empty = monitor.history && monitor.history.runs.length === 0 ? 'No runs yet: this chart fills in after the first run.' : 'Nothing in the last 30 days.';
  return (
    <>
      <p className="muted" data-testid="volume-totals">
        Last 30 days: {totals.items.toLocaleString()} items ({formatBytes(totals.bytes)}) delivered, {totals.failed.toLocaleString()} failed.
      </p>
      <div className="charts">
        <BarChart testId="chart-items" emptyText={empty} title="Items delivered per day" bars={days.map((d) => ({ label: label(d.day), value: d.items, title: `${d.day}: ${d.items.toLocaleString()} items` }))} />
        <BarChart testId="chart-bytes" emptyText={empty} title="Size delivered per day" format={formatBytes} bars={days.map((d) => ({ label: label(d.day), value: d.bytes, title: `${d.day}: ${formatBytes(d.bytes)}` }))} />
        <BarChart testId="chart-failures" emptyText={monitor.history && monitor.history.runs.length === 0 ? empty : 'No failures in the last 30 days.'} title="Failures per day" tone="danger" bars={days.map((d) => ({ label: label(d.day), value: d.failed, title: `${d.day}: ${d.failed.toLocaleString()} failed` }))} />
      </div>
    </>
  );
}

function History({ monitor, connectorId }: { monitor: Monitor; connectorId: string }) {
  const [runId, setRunId] = useState<number | null>(null);
  if (monitor.historyError) return <ErrorNotice error={monitor.historyError} />;
  if (!monitor.history) return <p className="muted">Loading…</p>;
  return (
    <>
      <RunHistory runs={monitor.history.runs} selectedId={runId} onSelect={(r) => setRunId(r.id)} />
      {runId !== null && <RunDetail key={runId} runId={runId} connectorId={connectorId} />}
    </>
  );
}

function People({ connectorId }: { connectorId: string }) {
  const [query, setQuery] = useState('');
  const [person, setPerson] = useState('');
  return (
    <>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setPerson(query.trim());
        }}
      >
        <TextField label="Person" value={query} onChange={setQuery} hint="A mailbox address or a Symphony user's e-mail; press Enter." spellCheck={false} />
      </form>
      {person && <ItemTrail key={person} connectorId={connectorId} filter={{ person }} title={`Items of ${person}`} />}
    </>
  );
}
