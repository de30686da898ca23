import { useState } from 'react';
import type { Connector, ImportMethod, ImportVerification, ProbeCheck } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { formatDateTime } from '../../components/format';
import { Table } from '../../components/Table';
import { useAction } from '../../components/useAction';
import { useApi, useCall } from '../../state/api-context';

const METHOD_NAMES: Record<ImportMethod, string> = { 'graph-json': 'JSON create (Graph v1.0)', 'graph-mime': 'importMime (Graph beta)' };

/** The connector's import method and whether Check import verified it on the tenant. */
export function ImportMethodFact({ connectorId, method, checks }: { connectorId: string; method: ImportMethod; checks: number }) {
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
export function CheckImportDialog({ connector, onClose, onChecked }: { connector: Connector; onClose: () => void; onChecked: () => void }) {
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
