import { useState } from 'react';
import type { CapturedConversation } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { conversationName, formatDateTime } from '../../components/format';
import { Table } from '../../components/Table';
import { useCall } from '../../state/api-context';
import { ItemTrail } from './ItemTrail';

/** Every captured conversation with its counts and last capture error; one opens its item trail. */
export function Conversations({ connectorId }: { connectorId: string }) {
  const list = useCall('capture.conversations', { connectorId }, { refreshOn: ['runs.changed'] });
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<CapturedConversation | null>(null);
  if (list.state === 'loading') return <p className="muted">Loading…</p>;
  if (list.state === 'error') return <ErrorNotice error={list.error} />;
  const q = filter.trim().toLowerCase();
  const rows = list.value.filter((c) => !q || conversationName(c).toLowerCase().includes(q) || c.streamId.toLowerCase().includes(q));
  return (
    <>
      <TextField label="Find a conversation" type="search" value={filter} onChange={setFilter} placeholder="Name or stream id" />
      <Table
        label="Captured conversations"
        testId="conversations"
        rows={rows}
        rowKey={(c) => c.streamId}
        selectedKey={open?.streamId ?? null}
        onActivate={setOpen}
        empty={list.value.length === 0 ? 'Nothing captured yet.' : 'No conversation matches.'}
        columns={[
          { key: 'name', header: 'Conversation', render: conversationName },
          { key: 'type', header: 'Type', render: (c) => `${c.streamType}${c.external ? ' · external' : ''}` },
          { key: 'members', header: 'Members', align: 'right', render: (c) => c.members },
          { key: 'items', header: 'Items', align: 'right', render: (c) => c.items.toLocaleString() },
          { key: 'last', header: 'Last message', render: (c) => (c.lastTimestamp ? formatDateTime(new Date(c.lastTimestamp).toISOString()) : '—') },
          {
            key: 'attachments',
            header: 'Attachments',
            render: (c) => (c.attachmentsFailed ? <span className="error-text">{c.attachmentsFailed} failed</span> : c.attachmentsPending ? `${c.attachmentsPending} pending` : '✓'),
          },
          { key: 'error', header: 'Last capture', render: (c) => (c.lastError ? <span className="error-text">{c.lastError}</span> : <span className="ok-text">ok</span>) },
        ]}
      />
      {open && <ItemTrail key={open.streamId} connectorId={connectorId} filter={{ streamId: open.streamId }} title={`Items of ${conversationName(open)}`} />}
    </>
  );
}
