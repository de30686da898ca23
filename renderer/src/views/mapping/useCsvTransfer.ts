import { useCallback, useState } from 'react';
import type { OutputOf } from '../../../../shared/contract';
import type { ArchiverError } from '../../../../shared/errors';
import { toArchiverError, useApi } from '../../state/api-context';

type Preview = OutputOf<'mapping.previewCsv'>;
type Applied = OutputOf<'mapping.applyCsv'>;

export interface ImportState {
  fileName: string;
  /** The file in the host's upload store, once sent. */
  upload: string;
  /** Bytes sent of the chosen file while it uploads; null otherwise. */
  progress: { sent: number; total: number } | null;
  preview: Preview | null;
  applied: Applied | null;
  busy: boolean;
  error: ArchiverError | null;
}

const IDLE: ImportState = { fileName: '', upload: '', progress: null, preview: null, applied: null, busy: false, error: null };

/**
 * Bulk import in two steps (preview, then apply the previewed revision) and export as a download.
 * The file is streamed to the host's upload store (never read whole into the page, so any size
 * works), then the core reads, validates and diffs it from there.
 */
export function useCsvTransfer(connectorId: string) {
  const api = useApi();
  const [state, setState] = useState<ImportState>(IDLE);
  const [exporting, setExporting] = useState<{ busy: boolean; error: ArchiverError | null }>({ busy: false, error: null });

  const choose = useCallback(
    async (file: File) => {
      setState({ ...IDLE, fileName: file.name, busy: true, progress: { sent: 0, total: file.size } });
      try {
        const { id } = await api.upload(file, (sent, total) => setState((s) => (s.fileName === file.name && s.busy ? { ...s, progress: { sent, total } } : s)));
        setState((s) => ({ ...s, progress: null }));
        const preview = await api.invoke('mapping.previewCsv', { connectorId, upload: id });
        setState({ ...IDLE, fileName: file.name, upload: id, preview });
      } catch (error) {
        setState({ ...IDLE, fileName: file.name, error: toArchiverError(error) });
      }
    },
    [api, connectorId],
  );

  const apply = useCallback(async () => {
    const { upload, preview } = state;
    if (!preview || preview.errors.length > 0 || !upload) return;
    setState((s) => ({ ...s, busy: true, error: null }));
    try {
      const applied = await api.invoke('mapping.applyCsv', { connectorId, upload, expectedRevision: preview.revision });
      setState((s) => ({ ...s, busy: false, applied, preview: applied.applied ? null : s.preview, upload: applied.applied ? '' : s.upload }));
    } catch (error) {
      setState((s) => ({ ...s, busy: false, error: toArchiverError(error) }));
    }
  }, [api, connectorId, state]);

  const reset = useCallback(() => setState(IDLE), []);

  const download = useCallback(async () => {
    setExporting({ busy: true, error: null });
    try {
      const { csv, filename } = await api.invoke('mapping.exportCsv', { connectorId });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExporting({ busy: false, error: null });
    } catch (error) {
      setExporting({ busy: false, error: toArchiverError(error) });
    }
  }, [api, connectorId]);

  return { state, choose, apply, reset, download, exporting };
}

export type CsvTransfer = ReturnType<typeof useCsvTransfer>;
