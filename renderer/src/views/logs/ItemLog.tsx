import { itemStatusLabels, itemStatusSchema, type ItemStatus } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { SelectField, TextField } from '../../components/Field';
import { conversationName, formatDateTime } from '../../components/format';
import { useCall } from '../../state/api-context';
import { Table } from '../../components/Table';
import { DownloadLog } from './DownloadLog';
import { PAGE_SIZE, useItemLog } from './useItemLog';

/** Every item's path (captured, converted, delivered where with which Graph id, or why not), filtered. */
export function ItemLog({ connectorId }: { connectorId: string }) {
  const l = useItemLog(connectorId);
  // Conversations by name, as the officer knows them; the stream id stays in the tooltip.
  const conversations = useCall('capture.conversations', { connectorId }, { refreshOn: ['runs.changed'] });
  const known = conversations.state === 'ready' ? conversations.value : [];
  const nameOf = new Map(known.map((c) => [c.streamId, conversationName(c)]));
  const pages = Math.max(1, Math.ceil(l.total / PAGE_SIZE));
  return (
    <>
      <div className="filters" role="search" aria-label="Item log filters">
        <SelectField
          label="Run"
          value={l.filters.runId === null ? '' : String(l.filters.runId)}
          onChange={(v) => l.setFilter('runId', v === '' ? null : Number(v))}
          options={[{ value: '', label: 'All runs' }, ...l.runs.map((r) => ({ value: String(r.id), label: `Run ${r.id} · ${formatDateTime(r.startedAt)} · ${r.status}` }))]}
          data-testid="log-run"
        />
        <SelectField
          label="Status"
          value={l.filters.status}
          onChange={(v) => l.setFilter('status', v as ItemStatus | '')}
          options={[{ value: '', label: 'Any' }, ...itemStatusSchema.options.map((s) => ({ value: s, label: itemStatusLabels[s] }))]}
        />
        <SelectField
          label="Conversation"
          value={l.filters.streamId}
          onChange={(v) => l.setFilter('streamId', v)}
          options={[{ value: '', label: 'All conversations' }, ...known.map((c) => ({ value: c.streamId, label: conversationName(c) }))]}
        />
        <TextField label="Person" value={l.filters.person} onChange={(v) => l.setFilter('person', v)} placeholder="sender or mailbox" spellCheck={false} />
        <TextField label="Search" type="search" value={l.filters.search} onChange={(v) => l.setFilter('search', v)} placeholder="in this page" spellCheck={false} />
        <Button onClick={l.reset}>Clear</Button>
      </div>
      {l.filters.runId !== null && <DownloadLog runId={l.filters.runId} />}
      {l.log.state === 'error' && <ErrorNotice error={l.log.error} />}
      <p className="muted" aria-live="polite" data-testid="log-count">
        {l.log.state === 'ready'
          ? `${l.total.toLocaleString()} entries${l.filters.search ? `, ${l.entries.length.toLocaleString()} on this page match “${l.filters.search}”` : ''}`
          : 'Loading…'}
      </p>
      <Table
        label="Item log"
        testId="item-log"
        rows={l.entries}
        rowKey={(e) => e.id}
        empty={l.log.state === 'ready' ? 'No entry matches these filters.' : undefined}
        columns={[
          { key: 'at', header: 'When', render: (e) => formatDateTime(e.at) },
          { key: 'run', header: 'Run', align: 'right', render: (e) => e.runId ?? '' },
          { key: 'item', header: 'Item', align: 'right', render: (e) => e.itemId },
          { key: 'stream', header: 'Conversation', render: (e) => <span title={e.streamId}>{nameOf.get(e.streamId) ?? `${e.streamId.slice(0, 12)}…`}</span> },
          { key: 'event', header: 'Event', render: (e) => <span className={`event event-${e.event}`}>{e.event}</span> },
          { key: 'mailbox', header: 'Mailbox', render: (e) => e.mailbox ?? '' },
          { key: 'graph', header: 'Graph id', render: (e) => (e.graphId ? <code title={e.graphId}>{e.graphId.slice(0, 16)}…</code> : '') },
          { key: 'detail', header: 'Detail', render: (e) => e.detail ?? '' },
        ]}
      />
      {pages > 1 && (
        <nav className="pager" aria-label="Item log pages">
          <Button onClick={() => l.setPage(l.page - 1)} disabled={l.page === 0}>
            Previous
          </Button>
          <span>
            Page {l.page + 1} of {pages.toLocaleString()}
          </span>
          <Button onClick={() => l.setPage(l.page + 1)} disabled={l.page + 1 >= pages}>
            Next
          </Button>
        </nav>
      )}
    </>
  );
}
