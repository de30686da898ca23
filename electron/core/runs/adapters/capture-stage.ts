import { captureBySource } from '../../symphony/sources';
import type { CaptureStage } from '../stages';
import type { StageParts } from './parts';

/** Capture over symphony/: the connector's source reads into the store; the pipeline lists what it stored. */
export function realCaptureStage({ deps, captureRepo, loaded }: StageParts): CaptureStage {
  return {
    async capture(ctx) {
      loaded.clear();
      const summary = await captureBySource({
        store: deps.store,
        connector: ctx.connector,
        paths: deps.paths,
        logger: ctx.logger,
        clock: ctx.clock,
        signal: ctx.signal,
        onProgress: (p) => ctx.progress({ done: p.done, total: p.total }),
      });
      for (const failed of summary.results.filter((r) => r.error)) ctx.logger.warn(`conversation ${failed.streamId} was not fully read: ${failed.error?.message}`);
      if (summary.attachments.pending > 0) ctx.logger.info(`${summary.attachments.pending} attachment(s) wait for the next run; their messages wait with them`);
    },
    page: (connectorId, afterId, limit) => loaded.listAfter(connectorId, afterId, limit),
    byIds: (connectorId, ids) => loaded.listByIds(connectorId, ids),
    count: (connectorId, afterId, throughId) => captureRepo.countCaptured(connectorId, afterId, throughId),
    spoolFiles: (_connectorId, itemIds) => captureRepo.spoolFiles(itemIds),
  };
}
