import { useState } from 'react';
import type { Connector } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { formatDateTime, formatNextRun } from '../../components/format';
import { useAction } from '../../components/useAction';
import { useCall } from '../../state/api-context';
import { fieldProblem } from '../../components/form';
import { connectorNameSchema } from '../../../../shared/contract';
import { CheckImportDialog, ImportMethodFact } from './CheckImport';
import type { useConnectors } from './useConnectors';

type Actions = Pick<ReturnType<typeof useConnectors>, 'rename' | 'setEnabled' | 'remove'>;

/** One connector: what it is, and the officer's actions on it. */
export function ConnectorDetails({ connector, actions, onEdit }: { connector: Connector; actions: Actions; onEdit: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [checking, setChecking] = useState(false);
  const [checks, setChecks] = useState(0);
  const toggle = useAction(() => actions.setEnabled(connector.id, !connector.enabled));
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
        <Button onClick={() => setChecking(true)} disabled={!configured}>
          Check import
        </Button>
        <Button onClick={() => void toggle.run()} busy={toggle.busy}>
          {connector.enabled ? 'Disable' : 'Enable'}
        </Button>
        <Button variant="danger" onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </div>
      {toggle.error && <ErrorNotice error={toggle.error} onDismiss={toggle.clear} />}
      {!configured && <p className="lead">This connector is not fully set up yet. Continue the setup to connect the pod and Microsoft 365.</p>}
      <ConnectorFacts connector={connector} checks={checks} />
      {checking && <CheckImportDialog connector={connector} onClose={() => setChecking(false)} onChecked={() => setChecks((n) => n + 1)} />}
      {renaming && <RenameDialog connector={connector} rename={actions.rename} onClose={() => setRenaming(false)} />}
      <DeleteDialog connector={connector} open={deleting} remove={actions.remove} onClose={() => setDeleting(false)} />
    </section>
  );
}

/** What the connector reads, where it writes, when it runs, and how it stands; `checks` counts the Check imports done here. */
function ConnectorFacts({ connector, checks }: { connector: Connector; checks: number }) {
  const s = connector.settings;
  return (
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
      <ConnectorHealth connectorId={connector.id} microsoftSetUp={Boolean(s.microsoft.tenantId && s.microsoft.clientId)} />
      <ImportMethodFact connectorId={connector.id} method={s.microsoft.importMethod} checks={checks} />
      <dt>Created</dt>
      <dd>{formatDateTime(connector.createdAt)}</dd>
      <dt>Changed</dt>
      <dd>{formatDateTime(connector.updatedAt)}</dd>
    </dl>
  );
}

/** Delete asks first, and says that nothing already archived goes with the connector. */
function DeleteDialog({ connector, open, remove, onClose }: { connector: Connector; open: boolean; remove: Actions['remove']; onClose: () => void }) {
  const removal = useAction(async () => {
    const r = await remove(connector.id);
    onClose();
    return r;
  });
  return (
    <ConfirmDialog
      open={open}
      title={`Delete ${connector.name}?`}
      confirmLabel="Delete connector"
      danger
      busy={removal.busy}
      onConfirm={() => void removal.run()}
      onCancel={() => {
        removal.clear();
        onClose();
      }}
    >
      <p>The connector stops running and disappears from the list.</p>
      <p>
        <strong>Nothing already archived is removed:</strong> e-mails stay in the mailboxes, and what was captured stays in the archiver&apos;s store until it is
        purged.
      </p>
      {removal.error && <ErrorNotice error={removal.error} />}
    </ConfirmDialog>
  );
}

/** Sign-in and run state of the connector, as the status bar shows it for the selected one. */
function ConnectorHealth({ connectorId, microsoftSetUp }: { connectorId: string; microsoftSetUp: boolean }) {
  const auth = useCall('auth.status', { connectorId }, { refreshOn: ['connectors.changed'] });
  const runs = useCall('runs.status', {}, { refreshOn: ['runs.changed', 'connectors.changed'] });
  const mine = runs.state === 'ready' ? runs.value.find((r) => r.connectorId === connectorId) : undefined;
  const last = mine?.current ?? mine?.last;
  return (
    <>
      <dt>Microsoft 365</dt>
      <dd data-testid="connector-auth">
        {!microsoftSetUp ? 'not set up yet' : auth.state === 'ready' ? (auth.value.signedIn ? `Signed in as ${auth.value.account ?? 'the app'}` : `Not signed in${auth.value.problem ? `: ${auth.value.problem}` : ''}`) : '—'}
      </dd>
      <dt>Last run</dt>
      <dd>{last ? `${last.status}, ${formatDateTime(last.finishedAt ?? last.startedAt)}` : 'none yet'}</dd>
      {mine?.nextRunAt && (
        <>
          <dt>Next run</dt>
          <dd data-testid="connector-next-run">{mine.paused ? 'paused' : formatNextRun(mine.nextRunAt)}</dd>
        </>
      )}
    </>
  );
}

function RenameDialog({ connector, rename, onClose }: { connector: Connector; rename: Actions['rename']; onClose: () => void }) {
  const [name, setName] = useState(connector.name);
  const [error, setError] = useState<string>();
  const save = useAction(async () => {
    const problem = fieldProblem(connectorNameSchema, name);
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
        <TextField label="New name" value={name} onChange={(v) => (setName(v), setError(undefined))} error={error ?? save.error?.message} autoFocus />
      </form>
    </Dialog>
  );
}
