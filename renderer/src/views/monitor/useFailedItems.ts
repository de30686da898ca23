import { useCallback, useState } from 'react';
import { conversationName } from '../../components/format';
import { useApi, useCall } from '../../state/api-context';

/** Failed, stopped-retrying and blocked items of a connector, the officer's selection, and the retry/skip decisions. */
export function useFailedItems(connectorId: string) {
  const api = useApi();
  const failed = useCall('items.failed', { connectorId, offset: 0, limit: 500 }, { refreshOn: ['runs.changed'] });
  const conversations = useCall('capture.conversations', { connectorId });
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const items = failed.state === 'ready' ? failed.value.items : [];
  const ids = items.filter((i) => selected.has(i.itemId)).map((i) => i.itemId);
  const { reload } = failed;

  const nameOf = (streamId: string) => {
    const c = conversations.state === 'ready' ? conversations.value.find((x) => x.streamId === streamId) : undefined;
    return c ? conversationName(c) : streamId;
  };
  const toggle = useCallback(
    (id: number) =>
      setSelected((s) => {
        const next = new Set(s);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    [],
  );
  const allSelected = items.length > 0 && ids.length === items.length;
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(items.map((i) => i.itemId)));

  const retry = async () => {
    const r = await api.invoke('items.retry', { connectorId, itemIds: ids });
    setSelected(new Set());
    reload();
    return `${r.updated} item${r.updated === 1 ? '' : 's'} will be retried in the next run.`;
  };
  const skip = async (reason: string) => {
    await api.invoke('items.skip', { connectorId, itemIds: ids, reason });
    setSelected(new Set());
    reload();
  };

  return { failed, items, ids, selected, toggle, allSelected, toggleAll, nameOf, retry, skip };
}
