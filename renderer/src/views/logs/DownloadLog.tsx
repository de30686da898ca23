import { Button } from '../../components/Button';
import { ErrorNotice, Notice } from '../../components/ErrorNotice';
import { formatBytes } from '../../components/format';
import { useAction } from '../../components/useAction';
import { useApi } from '../../state/api-context';

/**
 * Writes a run's log where the archiver keeps its exports: the item log as CSV, or a ZIP with the
 * CSV, the run summary, the reconciliation and the application logs (for auditors and support).
 */
export function DownloadLog({ runId }: { runId: number }) {
  const api = useApi();
  const download = useAction((format: 'csv' | 'zip') => api.invoke('runs.downloadLog', { runId, format }));
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
      {download.error && <ErrorNotice error={download.error} onDismiss={download.clear} />}
      {download.result && (
        <Notice kind="ok" testId="download-result">
          Saved {formatBytes(download.result.bytes)} to <code data-testid="download-path">{download.result.path}</code>
          <Button variant="ghost" onClick={() => void navigator.clipboard?.writeText(download.result!.path)}>
            Copy path
          </Button>
        </Notice>
      )}
    </div>
  );
}
