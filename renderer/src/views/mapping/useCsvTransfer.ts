import { useCallback, useState } from 'react';
import type { OutputOf } from '../../../../shared/contract';
import type { ArchiverError } from '../../../../shared/errors';
import { toArchiverError, useApi } from '../../state/api-context';

type Preview = OutputOf<'mapping.previewCsv'>;
type Applied = OutputOf<'mapping.applyCsv'>;

export interface ImportState {
  fileName: string;
  csv: string;
  preview: Preview | null;
  applied: Applied | null;
  busy: boolean;
  error: ArchiverError | null;
}

const IDLE: ImportState = { fileName: '', csv: '', preview: null, applied: null, busy: false, error: null };

/**
 * Bulk import in two steps (preview, then apply the previewed revision) and export as a download.
 * The file is read in the renderer and sent as text; the core parses and validates it.
 */
export function useCsvTransfer(connectorId: string) {
  const api = useApi();
  const [state, setState] = useState<ImportState>(IDLE);
  const [exporting, setExporting] = useState<{ busy: boolean; error: ArchiverError | null }>({ busy: false, error: null });

  const choose = useCallback(
    async (file: File) => {
      setState({ ...IDLE, fileName: file.name, busy: true });
      try {
        const csv = await file.text();
        const preview = await api.invoke('mapping.previewCsv', { connectorId, csv });
        setState({ ...IDLE, fileName: file.name, csv, preview });
      } catch (error) {
        setState({ ...IDLE, fileName: file.name, error: toArchiverError(error) });
      }
    },
    [api, connectorId],
  );

  const apply = useCallback(async () => {
    const { csv, preview } = state;
    if (!preview || preview.errors.length > 0) return;
    setState((s) => ({ ...s, busy: true, error: null }));
    try {
      const applied = await api.invoke('mapping.applyCsv', { connectorId, csv, expectedRevision: preview.revision });
      setState((s) => ({ ...s, busy: false, applied, preview: applied.applied ? null : s.preview, csv: applied.applied ? '' : s.csv }));
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
