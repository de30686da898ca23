import type { Connector } from '../../../../shared/contract/connectors';
import { ArchiverError } from '../../../../shared/errors';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { Store } from '../../store/database';
import { hostOf } from '../ids';
import { contentExportSettingsOf } from './handlers';
import { pollContentExport, type PollReport } from './ingest';

export interface ContentExportCaptureOptions {
  store: Store;
  connector: Connector;
  /** The data folder's spool (AppPaths.spool). */
  spoolDir: string;
  logger: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/**
 * The capture step of a run for a connector whose source is `content-export`: the same place in
 * the pipeline as the member-stream capture, and the same store afterwards.
 */
export async function captureContentExport(options: ContentExportCaptureOptions): Promise<PollReport> {
  const { connector } = options;
  const pod = hostOf(connector.settings.symphony.podUrl);
  if (!pod) {
    throw new ArchiverError({
      code: 'invalid-input',
      message: `${connector.name} has no pod URL; archived messages are identified by the pod they come from.`,
      fix: 'Enter the pod URL (e.g. https://acme.symphony.com) in the Symphony settings, even when reading from the Content Export.',
      target: 'settings.symphony.podUrl',
    });
  }
  const logger = options.logger.scope('content-export');
  const report = await pollContentExport({
    connectorId: connector.id,
    pod,
    settings: contentExportSettingsOf(connector),
    store: options.store,
    spoolDir: options.spoolDir,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.env ? { env: options.env } : {}),
    onProgress: (p) => options.onProgress?.({ done: p.done, total: p.total }),
  });
  for (const file of report.files) {
    if (file.outcome === 'failed') logger.warn(`${file.name}: ${file.message ?? 'failed'}${file.fix ? ` ${file.fix}` : ''}`);
    if (file.outcome === 'waiting') logger.info(file.message ?? `${file.name} waits for a later poll`);
  }
  return report;
}
