import { useState } from 'react';
import type { ItemPreview, MailAddress } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { formatBytes, formatDateTime } from '../../components/format';
import { Tabs } from '../../components/Tabs';
import { useAction } from '../../components/useAction';
import { previewDocument } from './srcdoc';

function addresses(list: MailAddress[]): string {
  return list.map((a) => (a.name && a.name !== a.address ? `${a.name} <${a.address}>` : a.address)).join('; ');
}

/** The converted e-mail as Outlook's reading pane shows it: header block, body, attachments. */
export function EmailPreview({ preview, onSave }: { preview: ItemPreview; onSave: () => Promise<string | undefined> }) {
  const [tab, setTab] = useState('html');
  return (
    <article className="email" aria-label={`E-mail: ${preview.subject}`} data-testid="email-preview">
      <EmailHeader preview={preview} onSave={onSave} />
      {preview.attachments.length > 0 && (
        <ul className="attachments" aria-label="Attachments" data-testid="attachments">
          {preview.attachments.map((a) => (
            <li key={a.sha256 + a.filename} title={`${a.contentType}, SHA-256 ${a.sha256}`}>
              <PaperClip /> {a.filename} <span className="muted">({formatBytes(a.size)}{a.inline ? ', inline' : ''})</span>
            </li>
          ))}
        </ul>
      )}
      <Tabs
        label="E-mail body"
        active={tab}
        onChange={setTab}
        tabs={[
          { id: 'html', label: 'Message' },
          { id: 'text', label: 'Plain text' },
          { id: 'headers', label: 'Headers' },
        ]}
      >
        {tab === 'html' && (
          <iframe
            className="email-body"
            title={`Body of ${preview.subject}`}
            // No allow-scripts, no allow-same-origin: the body is inert and has no access to the app.
            sandbox=""
            referrerPolicy="no-referrer"
            srcDoc={previewDocument(preview.html, 'light')}
            data-testid="email-frame"
          />
        )}
        {tab === 'text' && <pre className="email-text">{preview.text}</pre>}
        {tab === 'headers' && (
          <table className="table compact email-headers" aria-label="Headers">
            <tbody>
              {preview.headers.map((h, i) => (
                <tr key={i}>
                  <th scope="row">{h.name}</th>
                  <td>{h.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Tabs>
    </article>
  );
}

/** Subject, sender, recipients and date, as the reading pane's header shows them, and Save .eml. */
function EmailHeader({ preview, onSave }: { preview: ItemPreview; onSave: () => Promise<string | undefined> }) {
  const save = useAction(onSave);
  return (
  <header className="email-header">
    <h2 className="email-subject" data-testid="email-subject">
      {preview.subject}
    </h2>
    <dl className="email-meta">
      <dt>From</dt>
      <dd data-testid="email-from">{addresses([preview.from])}</dd>
      <dt>To</dt>
      <dd data-testid="email-to">{addresses(preview.to) || '—'}</dd>
      {preview.cc.length > 0 && (
        <>
          <dt>Cc</dt>
          <dd>{addresses(preview.cc)}</dd>
        </>
      )}
      <dt>Date</dt>
      <dd>{formatDateTime(preview.date)}</dd>
    </dl>
    <div className="toolbar">
      <Button onClick={() => void save.run()} busy={save.busy} data-testid="save-eml">
        Save .eml
      </Button>
      <span className="muted">
        {formatBytes(preview.emlBytes)} · {preview.mode === 'per-message' ? 'one e-mail per message' : `daily transcript of ${preview.day}`} · key <code>{preview.archiveKey}</code>
      </span>
    </div>
    {save.error && <ErrorNotice error={save.error} onDismiss={save.clear} />}
    {save.result && <Notice kind="ok">Saved {save.result} to your downloads.</Notice>}
  </header>
  );
}

/**
 * An inline paper clip: the emoji needs a colour-emoji font, which many Linux desktops (and
 * Debian's Chromium without fonts-noto-color-emoji) lack, and would show as an empty box.
 */
function PaperClip() {
  return (
    <svg aria-hidden="true" width="12" height="12" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" style={{ verticalAlign: '-1px' }}>
      <path d="M10.5 4.5 5.2 9.8a1.5 1.5 0 0 0 2.1 2.1l5.6-5.6a3 3 0 0 0-4.2-4.2L3 7.8a4.5 4.5 0 0 0 6.4 6.4l4.1-4.1" />
    </svg>
  );
}
