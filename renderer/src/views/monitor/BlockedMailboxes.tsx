import { Button } from '../../components/Button';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { useAction } from '../../components/useAction';
import { useApi, useCall } from '../../state/api-context';

/**
 * Mailboxes that cannot be written: each with its waiting deliveries, the reason and the fix.
 * *Re-check and resend* asks Microsoft 365 again now; a mailbox that can be written gets its
 * backlog delivered by a run started at once. Every run also re-checks them by itself first.
 */
export function BlockedMailboxes({ connectorId }: { connectorId: string }) {
  const api = useApi();
  const blocked = useCall('runs.blocked', { connectorId }, { refreshOn: ['runs.changed'] });
  const resend = useAction(async (mailboxes?: string[]) => {
    const r = await api.invoke('runs.resendBlocked', { connectorId, ...(mailboxes ? { mailboxes } : {}) });
    blocked.reload();
    const still = r.checks.filter((c) => !c.ok);
    const sent = r.released > 0 ? `${r.released.toLocaleString()} deliveries are being sent now (run ${r.runId}).` : 'Nothing could be sent yet.';
    return still.length ? `${sent} Still blocked: ${still.map((c) => `${c.mailbox}${c.message ? ` (${c.message})` : ''}`).join('; ')}.` : sent;
  });
  if (blocked.state === 'error') return <ErrorNotice error={blocked.error} />;
  if (blocked.state !== 'ready' || blocked.value.mailboxes.length === 0) return resend.result ? <Notice kind="ok" testId="resend-result">{resend.result}</Notice> : null;
  const mailboxes = blocked.value.mailboxes;
  const total = mailboxes.reduce((n, m) => n + m.deliveries, 0);
  return (
    <section aria-labelledby="blocked-title" className="panel panel-warn" data-testid="blocked-mailboxes">
      <div className="panel-header">
        <h2 id="blocked-title">
          {mailboxes.length === 1 ? '1 mailbox cannot be written' : `${mailboxes.length} mailboxes cannot be written`}: {total.toLocaleString()} deliveries blocked
        </h2>
        <div className="toolbar" role="toolbar" aria-label="Blocked mailbox actions">
          <Button variant="primary" onClick={() => void resend.run()} busy={resend.busy} data-testid="resend-all">
            Re-check and resend all
          </Button>
        </div>
      </div>
      <p className="muted">Nothing is skipped: these items wait, and every run checks these mailboxes again first.</p>
      {resend.error && <ErrorNotice error={resend.error} onDismiss={resend.clear} />}
      {resend.result && <Notice kind="ok" testId="resend-result">{resend.result}</Notice>}
      <div className="table-wrap">
        <table className="table" aria-label="Blocked mailboxes">
          <thead>
            <tr>
              <th scope="col">Mailbox</th>
              <th scope="col">Deliveries</th>
              <th scope="col">Why</th>
              <th scope="col">How to fix it</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {mailboxes.map((m) => (
              <tr key={m.mailbox} data-testid="blocked-mailbox" data-mailbox={m.mailbox} data-reason={m.reason}>
                <td>{m.mailbox}</td>
                <td>{m.deliveries.toLocaleString()}</td>
                <td className="reason">{m.message}</td>
                <td className="reason">{m.fix}</td>
                <td>
                  <Button onClick={() => void resend.run([m.mailbox])} busy={resend.busy} aria-label={`Re-check and resend ${m.mailbox}`}>
                    Re-check and resend
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
