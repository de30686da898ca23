import type { Reconciliation } from '../../../../shared/contract';
import { formatBytes } from '../../components/format';

/** A finished run's reconciliation: per item, per delivery, and whether the sum balances (with what is off). */
export function ReconciliationTable({ rec }: { rec: Reconciliation }) {
  return (
    <div className="reconciliation" data-testid="reconciliation" data-balanced={rec.balanced}>
      <ItemCounts rec={rec} />
      <DeliveryCounts deliveries={rec.deliveries} />
      <div>
        <Balance rec={rec} />
        <Notes rec={rec} />
      </div>
    </div>
  );
}

function ItemCounts({ rec }: { rec: Reconciliation }) {
  const row = (label: string, v: { count: number; bytes: number }, id: string) => (
    <tr data-testid={`rec-items-${id}`}>
      <th scope="row">{label}</th>
      <td>{v.count.toLocaleString()}</td>
      <td>{formatBytes(v.bytes)}</td>
    </tr>
  );
  return (
    <table className="table compact" aria-label="Reconciliation per item">
      <thead>
        <tr>
          <th scope="col">Items</th>
          <th scope="col">Count</th>
          <th scope="col">Size</th>
        </tr>
      </thead>
      <tbody>
        {row('Captured', rec.captured, 'captured')}
        {row('Delivered', rec.delivered, 'delivered')}
        {row('Blocked', rec.blocked, 'blocked')}
        {row('Failed', rec.failed, 'failed')}
        {row('of which stopped retrying', rec.stoppedRetrying, 'stopped')}
        {row('Held', rec.held, 'held')}
        {row('Skipped', rec.skipped, 'skipped')}
        {row('Unaccounted', rec.unaccounted, 'unaccounted')}
      </tbody>
    </table>
  );
}

function DeliveryCounts({ deliveries: d }: { deliveries: Reconciliation['deliveries'] }) {
  const row = (label: string, n: number, id: string) => (
    <tr data-testid={`rec-deliveries-${id}`}>
      <th scope="row">{label}</th>
      <td>{n.toLocaleString()}</td>
    </tr>
  );
  return (
    <table className="table compact" aria-label="Reconciliation per delivery">
      <thead>
        <tr>
          <th scope="col">Deliveries (item × mailbox)</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {row('Planned', d.planned, 'planned')}
        {row('Delivered', d.delivered, 'delivered')}
        {row('Already there', d.alreadyThere, 'already-there')}
        {row('Partially delivered', d.partial, 'partial')}
        {row('Blocked', d.blocked, 'blocked')}
        {row('Failed', d.failed, 'failed')}
        {row('Held', d.held, 'held')}
        {row('Skipped', d.skipped, 'skipped')}
        {row('Not finished', d.open, 'open')}
      </tbody>
    </table>
  );
}

/** The sum itself: captured = delivered + blocked + failed + held + skipped (+ unaccounted). */
function Balance({ rec }: { rec: Reconciliation }) {
  return (
    <p className={rec.balanced ? 'ok-text' : 'error-text'}>
      <strong>{rec.balanced ? '✓ Balanced:' : '✗ Not balanced:'}</strong> captured {rec.captured.count.toLocaleString()} = delivered {rec.delivered.count.toLocaleString()} + blocked{' '}
      {rec.blocked.count.toLocaleString()} + failed {rec.failed.count.toLocaleString()} + held {rec.held.count.toLocaleString()} + skipped {rec.skipped.count.toLocaleString()}
      {rec.unaccounted.count ? ` + ${rec.unaccounted.count.toLocaleString()} unaccounted` : ''}
    </p>
  );
}

/** Why items were skipped, blocked mailboxes with their fix, what was read, taken over, still waiting, and any problem found. */
function Notes({ rec }: { rec: Reconciliation }) {
  const reasons = Object.entries(rec.skipped.byReason);
  return (
    <>
      {reasons.length > 0 && <p className="muted">Skipped because: {reasons.map(([k, v]) => `${k} ${v}`).join(', ')}</p>}
      {rec.blockedMailboxes.map((m) => (
        <p key={m.mailbox} className="warn-text" data-testid="rec-blocked-mailbox">
          <strong>{m.mailbox}</strong>: {m.deliveries.toLocaleString()} blocked. {m.message} <strong>How to fix it:</strong> {m.fix}
        </p>
      ))}
      {rec.read !== undefined && <p className="muted" data-testid="run-read">Read {rec.read.toLocaleString()} new message(s) from Symphony.</p>}
      {rec.takenOver && (
        <p className="muted" data-testid="run-taken-over">
          {rec.takenOver.items.toLocaleString()} of these items were taken over from interrupted run(s) {rec.takenOver.runIds.join(', ')}, whose process stopped before it could reconcile them.
        </p>
      )}
      {Object.entries(rec.waiting ?? {}).map(([why, n]) => (
        <p key={why} className={why === 'lookup-failed' ? 'error-text' : 'muted'} data-testid={`run-waiting-${why}`}>
          {n.toLocaleString()} item(s) wait for the next run: {why === 'lookup-failed' ? 'the directory look-up of their participants failed' : 'their transcript day is still open or an attachment is still downloading'}.
        </p>
      ))}
      {rec.problems.map((p) => (
        <p key={p} className="error-text">
          {p}
        </p>
      ))}
    </>
  );
}
