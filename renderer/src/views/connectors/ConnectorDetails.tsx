import { useState } from 'react';
import type { Connector, ImportMethod, ImportVerification, ProbeCheck } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { formatDateTime, formatNextRun } from '../../components/format';
import { useAction } from '../../components/useAction';
import { useApi, useCall } from '../../state/api-context';
import { Table } from '../../components/Table';
import { fieldProblem } from '../../components/form';
import { connectorNameSchema } from '../../../../shared/contract';
import type { useConnectors } from './useConnectors';

type Actions = Pick<ReturnType<typeof useConnectors>, 'rename' | 'setEnabled' | 'remove'>;

/** One connector: what it is, and the officer's actions on it. */
export function ConnectorDetails({ connector, actions, onEdit }: { connector: Connector; actions: Actions; onEdit: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [checking, setChecking] = useState(false);
  const [checks, setChecks] = useState(0);
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
      {checking && <CheckImportDialog connector={connector} onClose={() => setChecking(false)} onChecked={() => setChecks((n) => n + 1)} />}
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

const METHOD_NAMES: Record<ImportMethod, string> = { 'graph-json': 'JSON create (Graph v1.0)', 'graph-mime': 'importMime (Graph beta)' };

/** The connector's import method and whether Check import verified it on the tenant. */
function ImportMethodFact({ connectorId, method, checks }: { connectorId: string; method: ImportMethod; checks: number }) {
  const last = useCall('import.verification', { connectorId }, { refreshOn: ['connectors.changed'], deps: [checks] });
  const v = last.state === 'ready' ? last.value.verification : null;
  const verified = v?.verifiedMethod === method;
  return (
    <>
      <dt>Import method</dt>
      <dd data-testid="import-method">
        {METHOD_NAMES[method]}
        {last.state === 'ready' && (verified ? `, verified in ${v!.mailbox} on ${formatDateTime(v!.verifiedAt)}` : ', not verified on this tenant: use Check import')}
      </dd>
    </>
  );
}

/** Check import: a probe item per method in a mailbox the officer chooses; what held, per method. */
function CheckImportDialog({ connector, onClose, onChecked }: { connector: Connector; onClose: () => void; onChecked: () => void }) {
  const api = useApi();
  const [mailbox, setMailbox] = useState(connector.settings.mapping.fallbackMailbox ?? '');
  const probe = useAction(async () => {
    const verification = await api.invoke('import.verify', { connectorId: connector.id, mailbox: mailbox.trim() });
    onChecked();
    return verification;
  });
  const result: ImportVerification | undefined = probe.result;
  const rows = result ? [...new Set(result.methods.flatMap((m) => m.checks.map((c) => c.name)))] : [];
  const cell = (method: ImportMethod, name: ProbeCheck['name']) => {
    const c = result?.methods.find((m) => m.method === method)?.checks.find((x) => x.name === name);
    if (!c) return '—';
    if (c.held === true) return <span title={c.actual}>Held</span>;
    return c.held === false ? `Did not hold: ${c.actual} (expected ${c.expected})` : `Not checked: ${c.actual}`;
  };
  return (
    <Dialog
      open
      title="Check import"
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>Close</Button>
          <Button variant="primary" type="submit" form="check-import-form" busy={probe.busy}>
            Run check
          </Button>
        </>
      }
    >
      <p>Writes one probe item with each import method into the mailbox, reads it back and deletes it again.</p>
      <form
        id="check-import-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void probe.run();
        }}
      >
        <TextField label="Mailbox for the probe" value={mailbox} onChange={setMailbox} error={probe.error?.message} autoFocus />
      </form>
      {probe.error && <ErrorNotice error={probe.error} onDismiss={probe.clear} />}
      {result && (
        <>
          <p data-testid="check-import-verdict">
            {result.verifiedMethod ? `${METHOD_NAMES[result.verifiedMethod]} is verified on this tenant.` : `${METHOD_NAMES[result.configuredMethod]}, the configured method, did not hold on this tenant.`}
          </p>
          {result.methods
            .filter((m) => m.error)
            .map((m) => (
              <p key={m.method} className="lead">
                {METHOD_NAMES[m.method]}: {m.error}
              </p>
            ))}
          <Table
            label="What held, per method"
            testId="check-import-table"
            rowKey={(name) => name}
            rows={rows}
            columns={[
              { key: 'point', header: 'Point', render: (name) => result.methods.flatMap((m) => m.checks).find((c) => c.name === name)?.label ?? name },
              ...result.methods.map((m) => ({ key: m.method, header: `${METHOD_NAMES[m.method]}${m.held ? ' — held' : ' — did not hold'}`, render: (name: ProbeCheck['name']) => cell(m.method, name) })),
            ]}
          />
        </>
      )}
    </Dialog>
  );
}
