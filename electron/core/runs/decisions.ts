import { ArchiverError } from '../../../shared/errors';
import type { Store } from '../store/database';
import { ItemLogRepository } from '../store/repos/item-log';
import { PipelineViews } from '../store/repos/runs';

/**
 * The officer's decisions on failed, stopped-retrying or blocked items. Nothing else ever takes an
 * item out of the failed/stopped-retrying states, so nothing vanishes without a recorded reason.
 */
export function retryItems(store: Store, connectorId: string, itemIds: readonly number[], nowMs: number): number {
  const items = new ItemLogRepository(store);
  const views = new PipelineViews(store);
  const at = new Date(nowMs).toISOString();
  return store.transaction(() => {
    let updated = 0;
    for (const id of itemIds) {
      const item = items.get(connectorId, id);
      if (item?.status === 'blocked' && item.archiveKey) {
        // Its blocked deliveries are tried again by the next run (blocked again if the mailbox still cannot be written).
        views.requeueKey(connectorId, item.archiveKey, at);
        items.addEvent({ connectorId, itemId: id, runId: null, streamId: item.streamId, event: 'retried', detail: 'the officer asked to resend it to its blocked mailboxes', at });
        updated++;
        continue;
      }
      if (!item || (item.status !== 'failed' && item.status !== 'stopped-retrying')) continue;
      // Back to failed with a fresh count: the next run retries it like any failed item.
      items.setStatus(connectorId, id, 'failed', { reason: item.reason, at, resetAttempts: true });
      items.addEvent({ connectorId, itemId: id, runId: null, streamId: item.streamId, event: 'retried', detail: 'the officer asked for another attempt', at });
      updated++;
    }
    return updated;
  });
}

export function skipItems(store: Store, connectorId: string, itemIds: readonly number[], reason: string, nowMs: number): number {
  if (reason.trim().length < 3) throw new ArchiverError({ code: 'invalid-input', message: 'Say why the items are skipped.', target: 'reason' });
  const items = new ItemLogRepository(store);
  const views = new PipelineViews(store);
  const at = new Date(nowMs).toISOString();
  return store.transaction(() => {
    let updated = 0;
    for (const id of itemIds) {
      const item = items.get(connectorId, id);
      if (!item || (item.status !== 'failed' && item.status !== 'stopped-retrying' && item.status !== 'blocked')) continue;
      if (item.archiveKey) views.skipOpenDeliveries(connectorId, item.archiveKey, at);
      items.setStatus(connectorId, id, 'skipped', { reason: 'officer', at });
      items.addEvent({ connectorId, itemId: id, runId: null, streamId: item.streamId, event: 'skipped', detail: `skipped by the officer: ${reason.trim()}`, at });
      updated++;
    }
    return updated;
  });
}
