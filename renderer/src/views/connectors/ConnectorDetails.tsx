import { useState } from 'react';
import type { Connector } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { formatDateTime } from '../../components/format';
import { useAction } from '../../components/useAction';
import { useCall } from '../../state/api-context';
import { schemaErrors } from '../../components/validate';
import { connectorNameSchema } from '../../../../shared/contract';
import type { useConnectors } from './useConnectors';

type Actions = Pick<ReturnType<typeof useConnectors>, 'rename' | 'setEnabled' | 'remove'>;

/** One connector: what it is, and the officer's actions on it. */
export function ConnectorDetails({ connector, actions, onEdit }: { connector: Connector; actions: Actions; onEdit: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const toggle = useAction(() => actions.setEnabled(connector.id, !connector.enabled));
  const remove = useAction(async () => {
    const r = await actions.remove(connector.id);
    setDeleting(false);
    return r;
  });
  const s = connector.settings;
  const configured = Boolean(s.symphony.podUrl && s.microsoft.tenantId);
  return (
    <section className="view" aria-labelledby="connector-title">
      <div className="view-title-row">
        <h1 id="connector-title">{connector.name}</h1>
        <span className={`badge ${connector.enabled ? 'badge-ok' : 'badge-muted'}`} data-testid="connector-state">
          {connector.enabled ? 'Enabled' : 'Disabled'}
        </span>
      </div>
      <div className="toolbar" role="toolbar" aria-label="Connector actions">
        <Button variant="primary" onClick={onEdit}>
          {configured ? 'Edit setup' : 'Continue setup'}
        </Button>
        <Button onClick={() => setRenaming(true)}>Rename</Button>
        <Button onClick={() => void toggle.run()} busy={toggle.busy}>
          {connector.enabled ? 'Disable' : 'Enable'}
        </Button>
        <Button variant="danger" onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </div>
      {toggle.error && <ErrorNotice error={toggle.error} onDismiss={toggle.clear} />}
      {!configured && <p className="lead">This connector is not fully set up yet. Continue the setup to connect the pod and Microsoft 365.</p>}
      <dl className="facts">
        <dt>Symphony pod</dt>
        <dd>{s.symphony.podUrl || '—'}</dd>
        <dt>Service account</dt>
        <dd>{s.symphony.username || '—'}</dd>
        <dt>Microsoft 365 tenant</dt>
        <dd>{s.microsoft.tenantId || '—'}</dd>
        <dt>Sign-in</dt>
        <dd>{s.microsoft.authMode === 'interactive' ? 'Interactive' : 'Certificate'}</dd>
        <dt>Folder</dt>
        <dd>Inbox/{s.microsoft.folderName}</dd>
        <dt>Schedule</dt>
        <dd>{!s.schedule.enabled ? 'Manual only' : s.schedule.kind === 'interval' ? `Every ${s.schedule.intervalHours} h` : `Cron ${s.schedule.cron}`}</dd>
        <ConnectorHealth connectorId={connector.id} />
        <dt>Created</dt>
        <dd>{formatDateTime(connector.createdAt)}</dd>
        <dt>Changed</dt>
        <dd>{formatDateTime(connector.updatedAt)}</dd>
      </dl>
      {renaming && <RenameDialog connector={connector} rename={actions.rename} onClose={() => setRenaming(false)} />}
      <ConfirmDialog
        open={deleting}
        title={`Delete ${connector.name}?`}
        confirmLabel="Delete connector"
        danger
        busy={remove.busy}
        onConfirm={() => void remove.run()}
        onCancel={() => {
          remove.clear();
          setDeleting(false);
        }}
      >
        <p>The connector stops running and disappears from the list.</p>
        <p>
          <strong>Nothing already archived is removed:</strong> e-mails stay in the mailboxes, and what was captured stays in the archiver&apos;s store
          until it is purged.
        </p>
        {remove.error && <ErrorNotice error={remove.error} />}
      </ConfirmDialog>
    </section>
  );
}

/** Sign-in and run state of the connector, as the status bar shows it for the selected one. */
function ConnectorHealth({ connectorId }: { connectorId: string }) {
  const auth = useCall('auth.status', { connectorId }, { refreshOn: ['connectors.changed'] });
  const runs = useCall('runs.status', {}, { refreshOn: ['runs.changed', 'connectors.changed'] });
  const mine = runs.state === 'ready' ? runs.value.find((r) => r.connectorId === connectorId) : undefined;
  const last = mine?.current ?? mine?.last;
  return (
    <>
      <dt>Microsoft 365</dt>
      <dd data-testid="connector-auth">
        {auth.state === 'ready' ? (auth.value.signedIn ? `Signed in as ${auth.value.account ?? 'the app'}` : `Not signed in${auth.value.problem ? `: ${auth.value.problem}` : ''}`) : '—'}
      </dd>
      <dt>Last run</dt>
      <dd>{last ? `${last.status}, ${formatDateTime(last.finishedAt ?? last.startedAt)}` : 'none yet'}</dd>
      {mine?.nextRunAt && (
        <>
          <dt>Next run</dt>
          <dd>{mine.paused ? 'paused' : formatDateTime(mine.nextRunAt)}</dd>
        </>
      )}
    </>
  );
}

function RenameDialog({ connector, rename, onClose }: { connector: Connector; rename: Actions['rename']; onClose: () => void }) {
  const [name, setName] = useState(connector.name);
  const [error, setError] = useState<string>();
  const save = useAction(async () => {
    const problem = schemaErrors(connectorNameSchema, name).name ?? Object.values(schemaErrors(connectorNameSchema, name))[0];
    if (problem) {
      setError(problem);
      return;
    }
    await rename(connector.id, name);
    onClose();
  });
  return (
    <Dialog
      open
      title="Rename connector"
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="rename-form" busy={save.busy}>
            Rename
          </Button>
        </>
      }
    >
      <form
        id="rename-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <TextField label="New name" value={name} onChange={(v) => (setName(v), setError(undefined))} error={error ?? save.error?.message} autoFocus maxLength={80} />
      </form>
    </Dialog>
  );
}
