import type { ItemStatus } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatDateTime } from '../../components/format';
import { Table } from '../../components/Table';
import { useCall } from '../../state/api-context';

export interface TrailFilter {
  runId?: number;
  streamId?: string;
  person?: string;
  status?: ItemStatus;
}

/** The item log for a conversation or a person: each item's path to the mailboxes, or why not. */
export function ItemTrail({ connectorId, filter, title }: { connectorId: string; filter: TrailFilter; title: string }) {
  const log = useCall('items.log', { connectorId, ...filter, offset: 0, limit: 500 }, { refreshOn: ['runs.changed'] });
  return (
    <section className="panel" aria-label={title} data-testid="item-trail">
      <h3>{title}</h3>
      {log.state === 'loading' && <p className="muted">Loading…</p>}
      {log.state === 'error' && <ErrorNotice error={log.error} />}
      {log.state === 'ready' && (
        <>
          {log.value.total > log.value.entries.length && (
            <p className="muted">
              Showing the first {log.value.entries.length.toLocaleString()} of {log.value.total.toLocaleString()} entries; the Logs view has them all.
            </p>
          )}
          <Table
            label={title}
            rows={log.value.entries}
            rowKey={(e) => e.id}
            empty="No item log entries."
            columns={[
              { key: 'at', header: 'When', render: (e) => formatDateTime(e.at) },
              { key: 'item', header: 'Item', align: 'right', render: (e) => e.itemId },
              { key: 'event', header: 'Event', render: (e) => <span className={`event event-${e.event}`}>{e.event}</span> },
              { key: 'mailbox', header: 'Mailbox', render: (e) => e.mailbox ?? '' },
              { key: 'detail', header: 'Detail', render: (e) => e.detail ?? '' },
            ]}
          />
        </>
      )}
    </section>
  );
}
