import { useId } from 'react';
import type { MappingChange, OutputOf } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { formatBytes, formatCount } from '../../components/format';
import type { CsvTransfer } from './useCsvTransfer';

const SHOWN = 200;

type Preview = OutputOf<'mapping.previewCsv'>;

/** Choose a CSV, read its preview (or every bad line), then apply it, all before anything changes. */
export function ImportPanel({ transfer }: { transfer: CsvTransfer }) {
  const { state } = transfer;
  const { preview, applied } = state;
  const fileId = useId();
  return (
    <section className="mapping-import" aria-labelledby={`${fileId}-title`}>
      <h2 id={`${fileId}-title`} className="sr-only">
        Import a mapping file
      </h2>
      <Toolbar transfer={transfer} fileId={fileId} />
      {transfer.exporting.error && <ErrorNotice error={transfer.exporting.error} title="The export failed" />}
      {state.error && <ErrorNotice error={state.error} title={`${state.fileName} was not imported`} onDismiss={transfer.reset} />}
      {applied?.applied && (
        <Notice kind="ok" testId="import-applied">
          Imported: {formatCount(applied.changes.added)} added, {formatCount(applied.changes.changed)} changed, {formatCount(applied.changes.removed)} removed,{' '}
          {formatCount(applied.changes.unchanged)} unchanged.
        </Notice>
      )}
      {preview && preview.errors.length > 0 && <Problems errors={preview.errors} fileName={state.fileName} onDismiss={transfer.reset} />}
      {preview && preview.errors.length === 0 && <ChangesPreview preview={preview} transfer={transfer} />}
    </section>
  );
}

/** Import (a hidden file input behind its label), Export, and how far the chosen file is sent or checked. */
function Toolbar({ transfer, fileId }: { transfer: CsvTransfer; fileId: string }) {
  const { state } = transfer;
  return (
    <div className="toolbar">
      <input
        id={fileId}
        type="file"
        accept=".csv,text/csv"
        className="sr-only"
        data-testid="mapping-csv-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          // Cleared, so that choosing the same file again (after fixing it) is a change too.
          e.target.value = '';
          if (file) void transfer.choose(file);
        }}
      />
      <label htmlFor={fileId} className="btn btn-secondary file-button">
        Import CSV…
      </label>
      <Button onClick={() => void transfer.download()} busy={transfer.exporting.busy}>
        Export CSV
      </Button>
      {state.busy && state.progress && (
        <span className="upload-progress" data-testid="import-progress">
          <label htmlFor={`${fileId}-progress`}>Sending {state.fileName}…</label>{' '}
          <progress id={`${fileId}-progress`} max={Math.max(state.progress.total, 1)} value={state.progress.sent} />{' '}
          <span className="muted">
            {formatBytes(state.progress.sent)} of {formatBytes(state.progress.total)}
          </span>
        </span>
      )}
      {state.busy && !state.progress && !state.preview && <span className="muted" role="status">Checking {state.fileName}…</span>}
    </div>
  );
}

/** Every bad line of the file (the first SHOWN of them); nothing was changed. */
function Problems({ errors, fileName, onDismiss }: { errors: Preview['errors']; fileName: string; onDismiss: () => void }) {
  return (
    <div className="notice notice-error" role="alert" data-testid="import-errors">
      <div className="notice-body">
        <strong className="notice-title">
          {fileName} has {formatCount(errors.length)} {errors.length === 1 ? 'problem' : 'problems'}; nothing was changed.
        </strong>
        <p>Correct these lines and choose the file again.</p>
        <ul className="import-error-list">
          {errors.slice(0, SHOWN).map((e, i) => (
            <li key={i}>
              <strong>
                Line {e.line}
                {e.column && `, column ${e.column}`}:
              </strong>{' '}
              {e.message}
            </li>
          ))}
        </ul>
        {errors.length > SHOWN && <p className="muted">… and {formatCount(errors.length - SHOWN)} more.</p>}
      </div>
      <button className="notice-close" onClick={onDismiss} aria-label="Dismiss the problems">
        ×
      </button>
    </div>
  );
}

/** What applying the file would change, row by row, with Apply and Cancel. */
function ChangesPreview({ preview, transfer }: { preview: Preview; transfer: CsvTransfer }) {
  const { fileName, busy } = transfer.state;
  const { changes } = preview;
  return (
    <div className="import-preview" data-testid="import-preview" role="region" aria-label={`Changes in ${fileName}`}>
      <h3>
        Changes in {fileName} ({formatCount(preview.rowCount)} rows)
      </h3>
      <p>
        <span className="badge badge-ok">{formatCount(changes.added)} added</span> <span className="badge badge-warn">{formatCount(changes.changed)} changed</span>{' '}
        <span className="badge badge-error">{formatCount(changes.removed)} removed</span> <span className="badge badge-muted">{formatCount(changes.unchanged)} unchanged</span>
      </p>
      {changes.removed > 0 && <p className="muted">The file is the complete list: rows that are not in it are removed.</p>}
      {changes.rows.length > 0 && <ChangedRows changes={changes} />}
      <div className="toolbar">
        <Button variant="primary" busy={busy} disabled={changes.added + changes.changed + changes.removed === 0} onClick={() => void transfer.apply()}>
          Apply changes
        </Button>
        <Button onClick={transfer.reset}>Cancel</Button>
      </div>
    </div>
  );
}

function ChangedRows({ changes }: { changes: Preview['changes'] }) {
  return (
    <div className="table-wrap import-changes">
      <table className="table" aria-label="Rows that change">
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Line</th>
            <th scope="col">Who</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {changes.rows.slice(0, SHOWN).map((r) => (
            <tr key={`${r.kind}-${r.key}`}>
              <td>{r.kind}</td>
              <td>{r.line ?? '—'}</td>
              <td>{r.key.replace(/^user:/, 'user id ').replace(/^email:/, '')}</td>
              <td>{describe(r.before)}</td>
              <td>{describe(r.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {changes.rows.length > SHOWN || changes.rowsTruncated ? <p className="muted">Only the first {SHOWN} changes are listed.</p> : null}
    </div>
  );
}

function describe(m: MappingChange['before']): string {
  if (!m) return '—';
  if (m.exclude) return 'excluded';
  const parts = [m.targetUpn || 'automatic'];
  if (m.alsoDeliverTo.length) parts.push(`+ ${m.alsoDeliverTo.join(', ')}`);
  return parts.join(' ');
}
