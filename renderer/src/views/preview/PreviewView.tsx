import { useState } from 'react';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { conversationName, formatDateTime } from '../../components/format';
import { SelectList, SideBar } from '../../components/SideBar';
import { Table } from '../../components/Table';
import { Working } from '../../components/Working';
import { navigate } from '../../shell/navigation';
import { NoConnector, useConnectorPicker } from '../connectors/ConnectorPicker';
import { EmailPreview } from './EmailPreview';
import { useConversationItems, usePreview, type ItemRef } from './usePreview';
import './preview.css';

/** Pick a conversation and an item, and see the e-mail it becomes, exactly as it will be imported. */
export function PreviewView() {
  const { picker, connector, loading } = useConnectorPicker();
  if (!connector) return loading ? null : <NoConnector />;
  return <PreviewBody key={connector.id} connectorId={connector.id} picker={picker} />;
}

function PreviewBody({ connectorId, picker }: { connectorId: string; picker: React.ReactNode }) {
  const p = usePreview(connectorId);
  const [filter, setFilter] = useState('');
  const [goTo, setGoTo] = useState('');
  const conversations = p.conversations.state === 'ready' ? p.conversations.value : [];
  const shown = conversations.filter((c) => !filter || conversationName(c).toLowerCase().includes(filter.toLowerCase()) || c.streamId.includes(filter));
  return (
    <div className="view-split">
      <SideBar title="Conversations">
        <TextField label="Filter" value={filter} onChange={setFilter} placeholder="Name or stream id" />
        {p.conversations.state === 'error' && <ErrorNotice error={p.conversations.error} />}
        {p.conversations.state === 'ready' && conversations.length === 0 && (
          <div className="side-note" data-testid="nothing-captured">
            <p className="muted">Nothing captured yet: conversations appear here after the connector’s first run.</p>
            <Button onClick={() => navigate('monitor')}>Go to the monitor</Button>
          </div>
        )}
        <SelectList
          label="Conversations"
          testId="conversation-list"
          selectedId={p.streamId}
          onSelect={p.selectConversation}
          items={shown.map((c) => ({
            id: c.streamId,
            label: conversationName(c),
            badge: `${c.items.toLocaleString()}`,
            description: `${c.streamType}${c.external ? ' · external' : ''} · ${c.members} members${c.lastTimestamp ? ` · ${formatDateTime(new Date(c.lastTimestamp).toISOString())}` : ''}`,
          }))}
        />
      </SideBar>
      <section className="view-main view" aria-labelledby="preview-title">
        <div className="view-header">
          <h1 id="preview-title">Preview</h1>
          {picker}
        </div>
        <form
          className="go-to"
          onSubmit={(e) => {
            e.preventDefault();
            const id = goTo.trim();
            if (id) void p.open({ itemId: /^\d{1,15}$/.test(id) ? Number(id) : id });
          }}
        >
          <TextField label="Item id or Symphony message id" value={goTo} onChange={setGoTo} spellCheck={false} />
          <Button type="submit">Open</Button>
        </form>
        {p.streamId && <ConversationItems key={p.streamId} connectorId={connectorId} streamId={p.streamId} selected={p.item} onOpen={(ref) => void p.open(ref)} />}
        {p.preview.state === 'loading' && (
          <Working busy label="Converting the item to its e-mail" afterMs={0} />
        )}
        {p.preview.state === 'error' && <ErrorNotice error={p.preview.error} title="This item cannot be previewed" />}
        {p.preview.state === 'ready' && <EmailPreview key={p.preview.value.archiveKey} preview={p.preview.value} onSave={p.saveEml} />}
        {p.preview.state === 'idle' && !p.streamId && <p className="muted">Choose a conversation on the left, or open an item by its id.</p>}
      </section>
    </div>
  );
}

function ConversationItems({ connectorId, streamId, selected, onOpen }: { connectorId: string; streamId: string; selected: ItemRef | null; onOpen: (ref: ItemRef) => void }) {
  const [page, setPage] = useState(0);
  const { items, state, error, pages } = useConversationItems(connectorId, streamId, page);
  if (state === 'loading') return <p className="muted">Loading items…</p>;
  if (error) return <ErrorNotice error={error} />;
  return (
    <div className="preview-items">
      <Table
        label="Items of the conversation"
        testId="conversation-items"
        rows={items}
        rowKey={(i) => i.itemId}
        selectedKey={selected?.itemId ?? null}
        onActivate={onOpen}
        empty="No item of this conversation has been through a run yet; open one by its Symphony message id above."
        columns={[
          { key: 'id', header: 'Item', align: 'right', render: (i) => i.itemId },
          { key: 'at', header: 'Captured', render: (i) => formatDateTime(i.at) },
          { key: 'message', header: 'Symphony message id', render: (i) => <code>{i.messageId}</code> },
        ]}
      />
      {pages > 1 && (
        <nav className="pager" aria-label="Pages of items">
          <Button onClick={() => setPage(page - 1)} disabled={page === 0}>
            Previous
          </Button>
          <span>
            Page {page + 1} of {pages}
          </span>
          <Button onClick={() => setPage(page + 1)} disabled={page + 1 >= pages}>
            Next
          </Button>
        </nav>
      )}
    </div>
  );
}
