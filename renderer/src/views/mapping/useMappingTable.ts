import { useCallback, useEffect, useRef, useState } from 'react';
import type { ParticipantRow, ParticipantSort } from '../../../../shared/contract';
import type { ArchiverError } from '../../../../shared/errors';
import { toArchiverError, useApi } from '../../state/api-context';

export const PAGE_SIZE = 100;

export interface TableState {
  total: number;
  unmapped: number;
  revision: number;
  /** Loaded pages by page number; the virtual table asks for the ones it shows. */
  pages: Record<number, ParticipantRow[]>;
  loaded: boolean;
  error: ArchiverError | null;
}

const EMPTY: TableState = { total: 0, unmapped: 0, revision: 0, pages: {}, loaded: false, error: null };

/**
 * The participants of one connector, fetched page by page as the virtual table scrolls. Search,
 * sort and any `mapping.changed` event start over from the first page; answers to an older
 * question are dropped.
 */
export function useMappingTable(connectorId: string) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [debouncedQuery, setDebouncedQuery] = useState('');
  const [sort, setSort] = useState<ParticipantSort>('name');
  const [direction, setDirection] = useState<'asc' | 'desc'>('asc');
  const [generation, setGeneration] = useState(0);
  const [state, setState] = useState<TableState>(EMPTY);
  const asked = useRef(new Set<number>());
  const epoch = useRef(0);

  useEffect(() => {
    const timer = setTimeout(() => setDebouncedQuery(query.trim()), 200);
    return () => clearTimeout(timer);
  }, [query]);

  const fetchPage = useCallback(
    (page: number, currentEpoch: number) => {
      asked.current.add(page);
      api
        .invoke('mapping.participants', { connectorId, query: debouncedQuery || undefined, sort, direction, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
        .then(
          (result) => {
            if (epoch.current !== currentEpoch) return;
            setState((s) => ({ total: result.total, unmapped: result.unmapped, revision: result.revision, pages: { ...s.pages, [page]: result.rows }, loaded: true, error: null }));
          },
          (error: unknown) => {
            if (epoch.current !== currentEpoch) return;
            asked.current.delete(page);
            setState((s) => ({ ...s, loaded: true, error: toArchiverError(error) }));
          },
        );
    },
    [api, connectorId, debouncedQuery, sort, direction],
  );

  useEffect(() => {
    epoch.current++;
    asked.current = new Set();
    setState((s) => ({ ...s, pages: {}, error: null }));
    fetchPage(0, epoch.current);
  }, [fetchPage, generation]);

  useEffect(
    () =>
      api.on('mapping.changed', (payload) => {
        if (payload.connectorId === connectorId) setGeneration((g) => g + 1);
      }),
    [api, connectorId],
  );

  /** Loads the pages covering rows start..end (inclusive) that are not loaded or on their way. */
  const ensureRows = useCallback(
    (start: number, end: number) => {
      for (let page = Math.floor(start / PAGE_SIZE); page <= Math.floor(end / PAGE_SIZE); page++) {
        if (!asked.current.has(page)) fetchPage(page, epoch.current);
      }
    },
    [fetchPage],
  );

  const rowAt = useCallback((index: number): ParticipantRow | undefined => state.pages[Math.floor(index / PAGE_SIZE)]?.[index % PAGE_SIZE], [state.pages]);

  /** Clicking the sorted column flips the direction; another column sorts ascending. */
  const sortBy = useCallback(
    (column: ParticipantSort) => {
      if (column === sort) setDirection((d) => (d === 'asc' ? 'desc' : 'asc'));
      else {
        setSort(column);
        setDirection(column === 'itemsAffected' || column === 'lastSeen' ? 'desc' : 'asc');
      }
    },
    [sort],
  );

  return { state, query, setQuery, sort, direction, sortBy, ensureRows, rowAt, reload: () => setGeneration((g) => g + 1) };
}

export type MappingTable = ReturnType<typeof useMappingTable>;
