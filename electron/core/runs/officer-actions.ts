import { skipReason } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';
import type { Store } from '../store/database';
import { DeliveryRepository } from '../store/repos/deliveries';
import { ItemLogRepository } from '../store/repos/item-log';

/**
 * The officer's actions on failed, stopped-retrying or blocked items (retry, skip; the planner's
 * `Decision` in plan.ts is a different thing: plan, skip or fail an e-mail). Nothing else ever takes an
 * item out of the failed/stopped-retrying states, so nothing vanishes without a recorded reason.
 */
export function retryItems(store: Store, connectorId: string, itemIds: readonly number[], nowMs: number): number {
  const { items, deliveries, now, at } = decisionContext(store, nowMs);
  return store.transaction(() => {
    let updated = 0;
    for (const id of itemIds) {
      const item = items.get(connectorId, id);
      if (item?.status === 'blocked' && item.archiveKey) {
        // Its blocked deliveries are tried again by the next run (blocked again if the mailbox still cannot be written).
        deliveries.requeueKey(connectorId, item.archiveKey, now);
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
  const { items, deliveries, now, at } = decisionContext(store, nowMs);
  return store.transaction(() => {
    let updated = 0;
    for (const id of itemIds) {
      const item = items.get(connectorId, id);
      if (!item || (item.status !== 'failed' && item.status !== 'stopped-retrying' && item.status !== 'blocked')) continue;
      if (item.archiveKey) deliveries.skipOpen(connectorId, item.archiveKey, now);
      items.setStatus(connectorId, id, 'skipped', { reason: skipReason('officer', reason.trim()), at });
      items.addEvent({ connectorId, itemId: id, runId: null, streamId: item.streamId, event: 'skipped', detail: `skipped by the officer: ${reason.trim()}`, at });
      updated++;
    }
    return updated;
  });
}

function decisionContext(store: Store, nowMs: number) {
  const now = new Date(nowMs);
  return { items: new ItemLogRepository(store), deliveries: new DeliveryRepository(store), now, at: now.toISOString() };
}
