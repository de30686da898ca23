import { useState } from 'react';
import { runCalls } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { conversationName, formatBytes, formatDateTime } from '../../components/format';
import { useAction } from '../../components/useAction';
import { useApi, useCall } from '../../state/api-context';

/** Items that failed or are held: the officer retries them (next run) or skips them with a reason. */
export function FailedItems({ connectorId }: { connectorId: string }) {
  const api = useApi();
  const failed = useCall('items.failed', { connectorId, offset: 0, limit: 500 }, { refreshOn: ['runs.changed'] });
  const conversations = useCall('capture.conversations', { connectorId });
  const nameOf = (streamId: string) => {
    const c = conversations.state === 'ready' ? conversations.value.find((x) => x.streamId === streamId) : undefined;
    return c ? conversationName(c) : streamId;
  };
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [skipping, setSkipping] = useState(false);
  const items = failed.state === 'ready' ? failed.value.items : [];
  const ids = items.filter((i) => selected.has(i.itemId)).map((i) => i.itemId);
  const retry = useAction(async () => {
    const r = await api.invoke('items.retry', { connectorId, itemIds: ids });
    setSelected(new Set());
    failed.reload();
    return `${r.updated} item${r.updated === 1 ? '' : 's'} will be retried in the next run.`;
  });
  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const all = items.length > 0 && ids.length === items.length;

  return (
    <section aria-labelledby="failed-title" className="panel">
      <div className="panel-header">
        <h2 id="failed-title">Failed and held items{failed.state === 'ready' ? ` (${failed.value.total.toLocaleString()})` : ''}</h2>
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
      {failed.state === 'ready' && items.length === 0 && <p className="muted">Nothing failed. Every captured item was delivered or deliberately skipped.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Failed and held items" data-testid="failed-items">
            <thead>
              <tr>
                <th scope="col">
                  <input type="checkbox" aria-label="Select all" checked={all} onChange={() => setSelected(all ? new Set() : new Set(items.map((i) => i.itemId)))} />
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
                    <input type="checkbox" aria-label={`Select item ${i.itemId}`} checked={selected.has(i.itemId)} onChange={() => toggle(i.itemId)} />
                  </td>
                  <td>{i.itemId}</td>
                  <td title={i.streamId}>{nameOf(i.streamId)}</td>
                  <td>{i.sender}</td>
                  <td>
                    <span className={`badge ${i.status === 'held' ? 'badge-warn' : 'badge-error'}`}>{i.status}</span>
                  </td>
                  <td>{i.attempts}</td>
                  <td className="reason">
                    <Reason text={i.reason ?? ''} />
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
            await api.invoke('items.skip', { connectorId, itemIds: ids, reason });
            setSkipping(false);
            setSelected(new Set());
            failed.reload();
          }}
        />
      )}
    </section>
  );
}

/** The first line of a long reason, the rest folded (technical detail is for support). */
function Reason({ text }: { text: string }) {
  const first = text.split('\n')[0]!;
  const short = first.length > 120 ? `${first.slice(0, 120)}…` : first;
  if (short === text) return <>{text}</>;
  return (
    <details>
      <summary>{short}</summary>
      <pre>{text}</pre>
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
