import { useCallback, useMemo, useState } from 'react';
import type { ItemPreview } from '../../../../shared/contract';
import type { ArchiverError } from '../../../../shared/errors';
import { base64ToBytes, saveBlob } from '../../components/download';
import { toArchiverError, useApi, useCall } from '../../state/api-context';

export interface ItemRef {
  itemId: number | string;
  /** Symphony message id, when known (from the item log's "captured" line). */
  messageId?: string;
  at?: string;
}

/**
 * What the preview view works on: the connector's conversations, the items of the chosen one
 * (from the item log's "captured" lines), and the e-mail of the chosen item.
 */
export function usePreview(connectorId: string) {
  const api = useApi();
  const conversations = useCall('capture.conversations', { connectorId }, { refreshOn: ['runs.changed'] });
  const [streamId, setStreamId] = useState<string | null>(null);

  const [item, setItem] = useState<ItemRef | null>(null);
  const [preview, setPreview] = useState<{ state: 'idle' } | { state: 'loading' } | { state: 'ready'; value: ItemPreview } | { state: 'error'; error: ArchiverError }>({ state: 'idle' });

  const open = useCallback(
    async (ref: ItemRef) => {
      setItem(ref);
      setPreview({ state: 'loading' });
      try {
        setPreview({ state: 'ready', value: await api.invoke('preview.item', { connectorId, itemId: ref.itemId }) });
      } catch (e) {
        setPreview({ state: 'error', error: toArchiverError(e) });
      }
    },
    [api, connectorId],
  );

  const saveEml = useCallback(async () => {
    if (!item) return;
    const file = await api.invoke('preview.eml', { connectorId, itemId: item.itemId });
    saveBlob(base64ToBytes(file.base64), file.filename, 'message/rfc822');
    return file.filename;
  }, [api, connectorId, item]);

  return {
    conversations,
    streamId,
    selectConversation: (id: string) => {
      setStreamId(id);
      setItem(null);
      setPreview({ state: 'idle' });
    },
    item,
    open,
    preview,
    saveEml,
  };
}

/** Item-log lines per page when listing a conversation's items (about three lines per item). */
export const ITEM_PAGE = 1000;

/** The items of one conversation, from the item log's "captured" lines, a page of log lines at a time. */
export function useConversationItems(connectorId: string, streamId: string, page: number) {
  const log = useCall('items.log', { connectorId, streamId, offset: page * ITEM_PAGE, limit: ITEM_PAGE }, { refreshOn: ['runs.changed'] });
  const items: ItemRef[] = useMemo(
    () => (log.state === 'ready' ? log.value.entries.filter((e) => e.event === 'captured').map((e) => ({ itemId: e.itemId, messageId: e.detail ?? undefined, at: e.at })) : []),
    [log],
  );
  const total = log.state === 'ready' ? log.value.total : 0;
  return { items, state: log.state, error: log.state === 'error' ? log.error : undefined, pages: Math.max(1, Math.ceil(total / ITEM_PAGE)) };
}
