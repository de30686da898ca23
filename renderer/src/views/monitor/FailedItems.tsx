import { useState } from 'react';
import { itemStatusLabels, reasonWords, runCalls, type OutcomeReason } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { formatBytes, formatDateTime } from '../../components/format';
import { useAction } from '../../components/useAction';
import { useFailedItems } from './useFailedItems';

/** Items that failed, stopped retrying or are blocked: the officer retries them (next run) or skips them with a reason. */
export function FailedItems({ connectorId }: { connectorId: string }) {
  const f = useFailedItems(connectorId);
  const { failed, items, ids, selected, nameOf } = f;
  const [skipping, setSkipping] = useState(false);
  const retry = useAction(f.retry);

  return (
    <section aria-labelledby="failed-title" className="panel">
      <div className="panel-header">
        <h2 id="failed-title">Failed and blocked items{failed.state === 'ready' ? ` (${failed.value.total.toLocaleString()})` : ''}</h2>
        <div className="toolbar" role="toolbar" aria-label="Failed item actions">
          <Button onClick={() => void retry.run()} disabled={ids.length === 0} busy={retry.busy}>
            Retry {ids.length || ''}
          </Button>
          <Button onClick={() => setSkipping(true)} disabled={ids.length === 0}>
            Skip {ids.length || ''}
          </Button>
        </div>
      </div>
      {failed.state === 'error' && <ErrorNotice error={failed.error} />}
      {retry.error && <ErrorNotice error={retry.error} onDismiss={retry.clear} />}
      {retry.result && <Notice kind="ok">{retry.result}</Notice>}
      {failed.state === 'ready' && items.length === 0 && <p className="muted">Nothing failed or blocked. Items held for participants without a mailbox are listed in Mapping.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Failed and blocked items" data-testid="failed-items">
            <thead>
              <tr>
                <th scope="col">
                  <input type="checkbox" aria-label="Select all" checked={f.allSelected} onChange={f.toggleAll} />
                </th>
                <th scope="col">Item</th>
                <th scope="col">Conversation</th>
                <th scope="col">Sender</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Why</th>
                <th scope="col">Size</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.itemId} className={selected.has(i.itemId) ? 'selected' : ''}>
                  <td>
                    <input type="checkbox" aria-label={`Select item ${i.itemId}`} checked={selected.has(i.itemId)} onChange={() => f.toggle(i.itemId)} />
                  </td>
                  <td>{i.itemId}</td>
                  <td title={i.streamId}>{nameOf(i.streamId)}</td>
                  <td>{i.sender}</td>
                  <td>
                    <span className={`badge ${i.status === 'failed' ? 'badge-error' : 'badge-warn'}`}>{itemStatusLabels[i.status]}</span>
                  </td>
                  <td>{i.attempts}</td>
                  <td className="reason">
                    <Reason reason={i.reason} />
                  </td>
                  <td>{formatBytes(i.bytes)}</td>
                  <td>{formatDateTime(i.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {skipping && (
        <SkipDialog
          count={ids.length}
          onCancel={() => setSkipping(false)}
          onSkip={async (reason) => {
            await f.skip(reason);
            setSkipping(false);
          }}
        />
      )}
    </section>
  );
}

/** The reason in the words every surface uses (`reasonWords`), its technical detail folded (it is for support). */
function Reason({ reason }: { reason: OutcomeReason | null }) {
  if (!reason) return null;
  const words = reasonWords(reason);
  if (!reason.detail) return <>{words}</>;
  return (
    <details>
      <summary>{words}</summary>
      <pre>{reason.detail}</pre>
    </details>
  );
}

const reasonSchema = runCalls['items.skip'].input.shape.reason;

function SkipDialog({ count, onCancel, onSkip }: { count: number; onCancel: () => void; onSkip: (reason: string) => Promise<void> }) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string>();
  const skip = useAction(async () => {
    const parsed = reasonSchema.safeParse(reason);
    if (!parsed.success) return setProblem(parsed.error.issues[0]?.message);
    await onSkip(parsed.data);
  });
  return (
    <Dialog
      open
      title={`Skip ${count} item${count === 1 ? '' : 's'} for good?`}
      onClose={onCancel}
      actions={
        <>
          <Button onClick={onCancel}>Cancel</Button>
          <Button variant="danger" type="submit" form="skip-form" busy={skip.busy}>
            Skip
          </Button>
        </>
      }
    >
      <p>Skipped items are never delivered. The reason is recorded in the item log and shown in the reconciliation.</p>
      <form
        id="skip-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void skip.run();
        }}
      >
        <TextField label="Reason" value={reason} onChange={(v) => (setReason(v), setProblem(undefined))} error={problem ?? skip.error?.message} autoFocus maxLength={500} />
      </form>
    </Dialog>
  );
}
