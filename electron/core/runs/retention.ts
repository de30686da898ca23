import fs from 'node:fs';
import type { Connector } from '../../../shared/contract';
import type { Logger } from '../platform/logger';
import type { Store } from '../store/database';
import { ItemLogRepository } from '../store/repos/item-log';
import type { CaptureStage } from './stages';

export interface PurgeResult {
  spoolFiles: number;
  bytes: number;
  logLines: number;
}

/**
 * Removes spool files and the detailed log lines of items whose outcome is final (delivered or
 * skipped) and older than the retention. An item with any delivery not final is still `planned`,
 * `failed` or `held`, so it is never a candidate: nothing undelivered loses its source.
 */
export async function purgeExpired(input: {
  store: Store;
  connectors: Connector[];
  captureFor(connector: Connector): Promise<Pick<CaptureStage, 'spoolFiles'>> | Pick<CaptureStage, 'spoolFiles'>;
  retentionDays: number;
  nowMs: number;
  logger: Logger;
  pageSize?: number;
}): Promise<PurgeResult> {
  const items = new ItemLogRepository(input.store);
  const before = new Date(input.nowMs - input.retentionDays * 86_400_000).toISOString();
  const at = new Date(input.nowMs).toISOString();
  const result: PurgeResult = { spoolFiles: 0, bytes: 0, logLines: 0 };
  for (const connector of input.connectors) {
    const capture = await input.captureFor(connector);
    for (let after = 0; ; ) {
      const page = items.purgeCandidates(connector.id, before, after, input.pageSize ?? 500);
      if (page.length === 0) break;
      after = page.at(-1)!.itemId;
      const ids = page.map((o) => o.itemId);
      for (const file of capture.spoolFiles(connector.id, ids)) {
        try {
          const size = fs.statSync(file).size;
          fs.rmSync(file);
          result.spoolFiles++;
          result.bytes += size;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') input.logger.warn(`could not remove spool file ${file}`, error);
        }
      }
      result.logLines += items.markPurged(connector.id, ids, at);
    }
  }
  input.logger.info(`retention purge: ${result.spoolFiles} spool files (${result.bytes} bytes), ${result.logLines} log lines`);
  return result;
}
