import type { SandboxItem } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatBytes } from '../../components/format';
import { useSandbox } from './useSandbox';
import './sandbox.css';

/**
 * The sandbox tenant as an officer checks a real one: its mailboxes, what landed in each
 * Inbox/Symphony as Outlook lists it (grouped by conversation), and the failure controls that show
 * how runs handle a refused mailbox, throttling, a dropped pod and new people.
 */
export function SandboxView() {
  const { state, mailbox, open, setOpen, control, refresh } = useSandbox();
  if (state.state === 'loading') return <section className="view"><p>Loading the sandbox…</p></section>;
  if (state.state === 'error') return <section className="view"><ErrorNotice error={state.error} /></section>;
  const s = state.value;
  const groups = new Map<string, SandboxItem[]>();
  if (mailbox?.state === 'ready') {
    for (const item of mailbox.value.items) groups.set(item.conversationTopic, [...(groups.get(item.conversationTopic) ?? []), item]);
  }
  return (
    <section className="view sandbox-view" aria-labelledby="sandbox-title">
      <h1 id="sandbox-title">Sandbox tenant</h1>
      <p className="lead">An emulated Microsoft 365 tenant and Symphony pod on this machine. Runs use the real archiver; only these two ends are make-believe.</p>
      <section aria-labelledby="controls-title" className="sandbox-controls">
        <h2 id="controls-title">Failure controls</h2>
        <div className="control-row">
          <Button onClick={() => void control.run({ action: 'throttle', on: !s.throttled })} aria-pressed={s.throttled}>{s.throttled ? 'Stop throttling the tenant' : 'Throttle the tenant (429)'}</Button>
          <Button onClick={() => void control.run({ action: 'dropPod', seconds: 60 })} disabled={s.podOfflineUntil !== null}>{s.podOfflineUntil ? `Pod offline until ${new Date(s.podOfflineUntil).toLocaleTimeString()}` : "Drop the pod's network for a minute"}</Button>
          <Button onClick={() => void control.run({ action: 'addPeople', count: 3 })}>Add 3 people to the pod</Button>
          <Button onClick={() => void control.run({ action: 'sendMessages', count: 20 })}>Send 20 new messages</Button>
          <Button variant="ghost" onClick={refresh}>Refresh</Button>
        </div>
        <p className="facts-line">{s.podPeople} people and {s.podMessages} messages in the pod; {s.mailboxes.length} mailboxes in the tenant.</p>
        {control.error && <ErrorNotice error={control.error} />}
      </section>
      <div className="sandbox-panes">
        <section aria-labelledby="mailboxes-title">
          <h2 id="mailboxes-title">Mailboxes</h2>
          <ul className="mailbox-list">
            {s.mailboxes.map((m) => (
              <li key={m.userPrincipalName} className={m.userPrincipalName === open ? 'selected' : ''}>
                <button className="link-button" onClick={() => setOpen(m.userPrincipalName)} aria-current={m.userPrincipalName === open ? 'true' : undefined}>
                  {m.displayName} <span className="muted">{m.userPrincipalName}</span> <span className="count" aria-label={`${m.items} items`}>{m.items}</span>
                </button>
                <label className="refuse">
                  <input type="checkbox" checked={m.refusesWrites} onChange={(e) => void control.run({ action: 'refuseWrites', userPrincipalName: m.userPrincipalName, on: e.target.checked })} />
                  refuses writes
                </label>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="inbox-title" className="inbox">
          <h2 id="inbox-title">{open ? `Inbox/Symphony of ${open}` : 'Open a mailbox'}</h2>
          {mailbox?.state === 'error' && <ErrorNotice error={mailbox.error} />}
          {mailbox?.state === 'ready' && mailbox.value.items.length === 0 && <p>Nothing has landed here yet. Start a run in Connectors or Monitor.</p>}
          {[...groups].map(([topic, items]) => (
            <details key={topic} className="conversation" open>
              <summary>
                {topic} <span className="muted">({items.length})</span>
              </summary>
              <ul>
                {items.map((item) => (
                  <li key={item.id} className={`sandbox-item${item.isRead ? '' : ' unread'}`} data-testid="sandbox-item">
                    <div className="item-head">
                      <strong>{item.from}</strong> <span className="muted">{item.receivedDateTime ? new Date(item.receivedDateTime).toLocaleString() : ''}</span>
                      {item.isDraft && <span className="badge">draft</span>}
                    </div>
                    <div className="item-subject">{item.subject}</div>
                    <div className="item-preview">{item.preview}</div>
                    {item.attachments.length > 0 && (
                      <ul className="attachments" aria-label="Attachments">
                        {item.attachments.map((a, i) => (
                          <li key={i} data-testid="sandbox-attachment">{a.name} ({formatBytes(a.size)})</li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            </details>
          ))}
        </section>
      </div>
    </section>
  );
}
