import './mapping.css';
import type { Connector } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { SelectField, TextField } from '../../components/Field';
import { formatCount } from '../../components/format';
import { navigate } from '../../shell/navigation';
import { useCall } from '../../state/api-context';
import { selectConnector, useSelectedConnector } from '../connectors/selection';
import { ImportPanel } from './ImportPanel';
import { ParticipantsTable } from './ParticipantsTable';
import { RowEditor } from './RowEditor';
import { useCsvTransfer } from './useCsvTransfer';
import { useMappingTable } from './useMappingTable';
import { useRowEditor } from './useRowEditor';

/** Who receives which item: participants with their mailbox, custom rows, CSV import and export. */
export function MappingView() {
  const list = useCall('connectors.list', {}, { refreshOn: ['connectors.changed'] });
  const connectors = list.state === 'ready' ? list.value : undefined;
  const selected = useSelectedConnector(connectors);
  if (list.state === 'error') {
    return (
      <section className="view">
        <ErrorNotice error={list.error} />
      </section>
    );
  }
  if (!connectors) return <section className="view" aria-busy="true" />;
  if (!selected) {
    return (
      <section className="view empty-state" data-testid="no-connector">
        <h1>Mapping</h1>
        <p className="lead">Set up a connector first; its participants and their mailboxes appear here.</p>
        <Button variant="primary" onClick={() => navigate('connectors', 'new-connector')}>
          Set up a connector
        </Button>
      </section>
    );
  }
  return <MappingEditor key={selected.id} connector={selected} connectors={connectors} />;
}

function MappingEditor({ connector, connectors }: { connector: Connector; connectors: Connector[] }) {
  const table = useMappingTable(connector.id);
  const editor = useRowEditor(connector.id);
  const transfer = useCsvTransfer(connector.id);
  const { unmapped, total } = table.state;
  const settings = connector.settings.mapping;
  return (
    <section className="view mapping-view" aria-labelledby="mapping-title">
      <div className="view-title-row">
        <h1 id="mapping-title">Mapping</h1>
        <span className="badge badge-muted">{settings.mode === 'automatic' ? 'automatic, custom rows win' : 'custom rows only'}</span>
      </div>
      <p className="lead">
        Every internal participant of a conversation receives its items in their own mailbox. Participants from other firms never do. A custom row wins over
        the directory.{settings.fallbackMailbox ? ` Items with nobody mapped go to ${settings.fallbackMailbox}.` : ''}
      </p>
      {connectors.length > 1 && (
        <SelectField label="Connector" value={connector.id} options={connectors.map((c) => ({ value: c.id, label: c.name }))} onChange={(id) => selectConnector(id)} />
      )}
      {unmapped > 0 && (
        <Notice kind="warn" testId="unmapped-summary">
          {formatCount(unmapped)} {unmapped === 1 ? 'participant has' : 'participants have'} no mailbox. Their items are held back and delivered on the next run
          after you map them; they are listed first.
        </Notice>
      )}
      {table.state.error && <ErrorNotice error={table.state.error} onDismiss={table.reload} />}
      <div className="toolbar mapping-toolbar">
        <TextField label="Search" type="search" value={table.query} onChange={table.setQuery} placeholder="Name, e-mail, mailbox or note" />
        <span className="muted" aria-live="polite" data-testid="mapping-count">
          {formatCount(total)} {total === 1 ? 'participant' : 'participants'}
        </span>
        <span className="spacer" />
        <Button onClick={() => editor.start(null)}>Add mapping</Button>
      </div>
      {editor.editing?.rowKey === 'new' && <RowEditor editor={editor} title="New custom mapping" />}
      <ImportPanel transfer={transfer} />
      <ParticipantsTable table={table} editor={editor} />
    </section>
  );
}
