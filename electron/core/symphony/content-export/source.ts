import type { ConnectionTest } from '../../../../shared/contract/capture';
import { contentExportSettingsSchema, type ContentExportSettings } from '../../../../shared/contract/content-export';
import { ArchiverError } from '../../../../shared/errors';
import { CaptureRepository } from '../../store/repos/capture';
import type { CaptureWriter } from '../../store/repos/capture-writer';
import { ContentExportRepository } from '../../store/repos/content-export';
import { describeFailure } from '../errors';
import { emptySummary, type CaptureSource, type CaptureSummary, type SourceContext, type SourceTestContext } from '../source';
import { pollContentExport, type PollReport } from './ingest';
import { testContentExport } from './test-connection';

export type ContentExportSummary = CaptureSummary & { contentExport: PollReport };

/** Content Export: the export files the pod's admin schedules, read from SFTP or a folder. */
export const contentExportSource = {
  id: 'content-export',
  label: 'Content Export',
  settingsKey: 'contentExport',
  settingsSchema: contentExportSettingsSchema,
  testConnection: testLocation,
  capture: captureContentExport,
} satisfies CaptureSource<ContentExportSettings, ContentExportSummary>;

/**
 * The capture step of a run for a connector whose source is `content-export`: one poll of the
 * export location (ingest.ts), every file's items written with its ledger row.
 */
async function captureContentExport(ctx: SourceContext<ContentExportSettings>, writer: CaptureWriter): Promise<ContentExportSummary> {
  const { connector, clock } = ctx;
  const pod = requirePod(ctx.connector.name, writer.pod);
  const logger = ctx.logger.scope('content-export');
  const startedAt = new Date(clock.now()).toISOString();
  const report = await pollContentExport({
    connectorId: connector.id,
    pod,
    settings: ctx.settings,
    store: ctx.store,
    writer,
    spoolDir: ctx.paths.spool,
    logger,
    clock,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onProgress: (p) => ctx.progress({ phase: 'conversations', done: p.done, total: p.total, newItems: p.inserted }),
  });
  for (const file of report.files) {
    if (file.outcome === 'failed') logger.warn(`${file.name}: ${file.message ?? 'failed'}${file.fix ? ` ${file.fix}` : ''}`);
    if (file.outcome === 'waiting') logger.info(file.message ?? `${file.name} waits for a later poll`);
  }
  const summary = emptySummary(connector.id, pod, startedAt);
  summary.items.new = report.inserted;
  summary.conversations.listed = report.files.reduce((n, f) => n + f.conversations, 0);
  summary.attachments.pending = new CaptureRepository(ctx.store).counts(connector.id).attachments.pending;
  summary.warnings = report.files.filter((f) => f.outcome === 'failed').map((f) => `${f.name}: ${f.message ?? 'failed'}${f.fix ? ` ${f.fix}` : ''}`);
  summary.finishedAt = new Date(clock.now()).toISOString();
  return { ...summary, contentExport: report };
}

/** Archived messages are identified by the pod they come from, even when read from its exports. */
function requirePod(connectorName: string, pod: string): string {
  if (pod) return pod;
  throw new ArchiverError({
    code: 'invalid-input',
    message: `${connectorName} has no pod URL; archived messages are identified by the pod they come from.`,
    fix: 'Enter the pod URL (e.g. https://acme.symphony.com) in the Symphony settings, even when reading from the Content Export.',
    target: 'settings.symphony.podUrl',
  });
}

/** The connection a Content Export capture needs: a pod URL, and an export location it can list (host key pinned). */
async function testLocation(ctx: SourceTestContext<ContentExportSettings>): Promise<ConnectionTest> {
  const started = ctx.clock.now();
  const took = () => ctx.clock.now() - started;
  const pod = ctx.connector.settings.symphony.podUrl;
  const settingsStep = { step: 'settings' as const, label: 'Check the connection settings' };
  const locationStep = { step: 'content-export' as const, label: 'List the Content Export location' };
  if (!pod) {
    const error = describeFailure(new ArchiverError({ code: 'invalid-input', message: 'No pod URL is set; archived messages are identified by the pod they come from.', fix: 'Enter the pod URL, such as https://acme.symphony.com.', target: 'settings.symphony.podUrl' }), 'settings');
    return { ok: false, steps: [{ ...settingsStep, status: 'failed', message: error.message, error, durationMs: took() }, { ...locationStep, status: 'skipped', message: 'Not tried: an earlier step failed.', durationMs: 0 }] };
  }
  const steps: ConnectionTest['steps'] = [{ ...settingsStep, status: 'ok', message: `Pod ${pod}; exports on ${ctx.settings.transport === 'sftp' ? `${ctx.settings.host}:${ctx.settings.port}` : ctx.settings.localDir}.`, durationMs: took() }];
  try {
    const result = await testContentExport(ctx.connector.id, ctx.settings, new ContentExportRepository(ctx.store));
    if (ctx.settings.transport === 'sftp' && !result.hostKeyVerified) {
      // Without a pinned host key nothing is read (content-export.md, "Transport").
      const error = { code: 'invalid-input' as const, message: result.summary, target: 'settings.contentExport.hostKeyFingerprint' };
      steps.push({ ...locationStep, status: 'failed', message: result.summary, error, durationMs: took() });
    } else {
      steps.push({ ...locationStep, status: 'ok', message: result.summary, durationMs: took() });
    }
  } catch (error) {
    const value = describeFailure(error, 'content-export');
    steps.push({ ...locationStep, status: 'failed', message: value.message, error: value, durationMs: took() });
  }
  return { ok: steps.every((s) => s.status === 'ok'), steps };
}
