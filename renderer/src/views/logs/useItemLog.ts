import { useMemo, useState } from 'react';
import type { ItemStatus } from '../../../../shared/contract';
import { useCall } from '../../state/api-context';

export const PAGE_SIZE = 200;

export interface ItemLogFilters {
  runId: number | null;
  streamId: string;
  person: string;
  status: ItemStatus | '';
  /** Matched in the page on screen: event, mailbox, Graph id, detail, conversation. */
  search: string;
}

const empty: ItemLogFilters = { runId: null, streamId: '', person: '', status: '', search: '' };

/** The item log of a connector with the officer's filters, a page at a time. */
export function useItemLog(connectorId: string) {
  const [filters, setFilters] = useState<ItemLogFilters>(empty);
  const [page, setPage] = useState(0);
  const input = {
    connectorId,
    offset: page * PAGE_SIZE,
    limit: PAGE_SIZE,
    ...(filters.runId !== null ? { runId: filters.runId } : {}),
    ...(filters.streamId.trim() ? { streamId: filters.streamId.trim() } : {}),
    ...(filters.person.trim() ? { person: filters.person.trim() } : {}),
    ...(filters.status ? { status: filters.status } : {}),
  };
  const log = useCall('items.log', input, { refreshOn: ['runs.changed'] });
  const runs = useCall('runs.list', { connectorId, offset: 0, limit: 200 }, { refreshOn: ['runs.changed'] });
  const search = filters.search.trim().toLowerCase();
  const entries = useMemo(() => {
    if (log.state !== 'ready') return [];
    if (!search) return log.value.entries;
    return log.value.entries.filter((e) => [e.event, e.mailbox, e.graphId, e.detail, e.streamId, String(e.itemId)].some((v) => v?.toLowerCase().includes(search)));
  }, [log, search]);
  return {
    filters,
    setFilter: <K extends keyof ItemLogFilters>(key: K, value: ItemLogFilters[K]) => {
      setFilters((f) => ({ ...f, [key]: value }));
      if (key !== 'search') setPage(0);
    },
    reset: () => {
      setFilters(empty);
      setPage(0);
    },
    page,
    setPage,
    log,
    entries,
    total: log.state === 'ready' ? log.value.total : 0,
    runs: runs.state === 'ready' ? runs.value.runs : [],
  };
}
