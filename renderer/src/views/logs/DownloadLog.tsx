import { Button } from '../../components/Button';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { formatBytes } from '../../components/format';
import { Working } from '../../components/Working';
import { useAction } from '../../components/useAction';
import { useApi, useCall } from '../../state/api-context';
import { withCsrf } from '../../transport';

/**
 * Writes a run's log where the archiver keeps its exports: the item log as CSV, or a ZIP with the
 * CSV, the run summary, the reconciliation and the application logs (for auditors and support).
 */
export function DownloadLog({ runId }: { runId: number }) {
  const api = useApi();
  const download = useAction((format: 'csv' | 'zip') => api.invoke('runs.downloadLog', { runId, format }));
  const info = useCall('app.info', {});
  // In the browser host the file is on the server: offer it through the host's exports route.
  const file = info.state === 'ready' && info.value.host === 'browser' && download.result ? exportHref(info.value.dataDir, download.result.path) : undefined;
  // Downloads carry the session's CSRF value: the host refuses a link another page made up.
  const href = file && withCsrf(file);
  return (
    <div className="download-log">
      <div className="toolbar" role="toolbar" aria-label={`Download the log of run ${runId}`}>
        <span>Download log of run {runId}:</span>
        <Button onClick={() => void download.run('csv')} busy={download.busy} data-testid="download-csv">
          CSV
        </Button>
        <Button onClick={() => void download.run('zip')} busy={download.busy} data-testid="download-zip">
          ZIP for audit
        </Button>
      </div>
      <Working busy={download.busy} label={`Writing the log of run ${runId}`} />
      {download.error && <ErrorNotice error={download.error} onDismiss={download.clear} />}
      {download.result && (
        <Notice kind="ok" testId="download-result">
          Saved {formatBytes(download.result.bytes)} to <code data-testid="download-path">{download.result.path}</code>
          <Button variant="ghost" onClick={() => void navigator.clipboard?.writeText(download.result!.path)}>
            Copy path
          </Button>
          {href && (
            <a href={href} download data-testid="download-file">
              Download the file
            </a>
          )}
        </Notice>
      )}
    </div>
  );
}

/** The browser host's URL of a file in `<dataDir>/exports/`, or undefined for files elsewhere. */
export function exportHref(dataDir: string, file: string): string | undefined {
  const normalise = (p: string) => p.replace(/\\/g, '/');
  const prefix = `${normalise(dataDir).replace(/\/$/, '')}/exports/`;
  const path = normalise(file);
  if (!path.startsWith(prefix)) return undefined;
  return `/exports/${path.slice(prefix.length).split('/').map(encodeURIComponent).join('/')}`;
}
