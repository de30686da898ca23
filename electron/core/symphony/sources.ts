import type { SymphonySource } from '../../../shared/contract/capture';
import { ArchiverError } from '../../../shared/errors';
import { systemClock } from '../platform/clock';
import { CaptureRepository } from '../store/repos/capture';
import { captureConnector, type CaptureOptions, type CaptureSummary } from './capture';
import { emptySummary } from './capture-steps';
import { captureContentExport } from './content-export/capture-stage';
import type { PollReport } from './content-export/ingest';
import { captureDatahose, type DatahoseSummary } from './datahose/capture';
import { hostOf } from './ids';

/** What a capture step did, whichever source it read; every variant is a CaptureSummary. */
export type SourceSummary =
  | (CaptureSummary & { source: 'streams' })
  | (DatahoseSummary & { source: 'datahose' })
  | (CaptureSummary & { source: 'content-export'; contentExport: PollReport });

/**
 * The capture step of a run: reads the connector's pod from the source its settings name
 * (`settings.symphony.source`). All three write the same store, keyed by (connector, Symphony
 * message id), so switching source, or reading one pod both ways, stores each message once.
 *  - 'streams': the member-stream reader (/agent/v4), conversations the account belongs to;
 *  - 'datahose': POST /agent/v5/events/read, every conversation of the pod from the feed's start;
 *  - 'content-export': the export files the pod's admin schedules (SFTP or folder).
 */
export async function captureBySource(options: CaptureOptions): Promise<SourceSummary> {
  const source: SymphonySource = options.connector.settings.symphony.source;
  switch (source) {
    case 'streams':
      return { source, ...(await captureConnector(options)) };
    case 'datahose':
      return { source, ...(await captureDatahose(options)) };
    case 'content-export':
      return contentExport(options);
    default:
      throw new ArchiverError({
        code: 'invalid-input',
        message: `The connector's source "${String(source)}" is not one the archiver knows.`,
        fix: 'Choose member streams, Datahose or Content Export in the connector\'s Symphony settings.',
        target: 'settings.symphony.source',
      });
  }
}

async function contentExport(options: CaptureOptions): Promise<SourceSummary> {
  const clock = options.clock ?? systemClock;
  const connector = options.connector;
  const startedAt = new Date(clock.now()).toISOString();
  const report = await captureContentExport({
    store: options.store,
    connector,
    spoolDir: options.paths.spool,
    logger: options.logger,
    clock,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => options.onProgress?.({ phase: 'conversations', done: p.done, total: p.total, newItems: 0 }),
  });
  const summary = emptySummary(connector.id, hostOf(connector.settings.symphony.podUrl), startedAt);
  summary.items.new = report.inserted;
  summary.conversations.listed = report.files.reduce((n, f) => n + f.conversations, 0);
  summary.attachments.pending = new CaptureRepository(options.store).counts(connector.id).attachments.pending;
  summary.warnings = report.files.filter((f) => f.outcome === 'failed').map((f) => `${f.name}: ${f.message ?? 'failed'}${f.fix ? ` ${f.fix}` : ''}`);
  summary.finishedAt = new Date(clock.now()).toISOString();
  return { source: 'content-export', ...summary, contentExport: report };
}
