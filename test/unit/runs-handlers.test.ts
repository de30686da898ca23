import fs from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import yauzl from 'yauzl';
import { afterAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../electron/core/app/dispatcher';
import { ManualClock } from '../../electron/core/platform/clock';
import { EventBus } from '../../electron/core/platform/events';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { runHandlers } from '../../electron/core/runs/handlers';
import { exportRunLog } from '../../electron/core/runs/log-export';
import { RunService } from '../../electron/core/runs/service';
import type { Stages } from '../../electron/core/runs/stages';
import { reasonWords, type RunProgress } from '../../shared/contract';
import { createTestStages, mailboxesOf, openMailboxes, type FakePod } from '../support/pipeline-stages';
import { makeTempDir } from '../support/tmp';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';

const pod: FakePod = { messages: 120, streams: 6, convertFailEvery: 0, tooLargeEvery: 0 };

function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names.sort()));
      zip.readEntry();
    });
  });
}

describe('runs and items through the contract', () => {
  const temp = makeTempDir();
  const paths = ensureAppPaths(appPaths(temp.dir));
  const clock = new ManualClock(Date.UTC(2026, 3, 1, 9, 0));
  const store = Store.open(paths.database);
  const mailboxes = openMailboxes(path.join(temp.dir, 'graph.db'));
  const connectors = new ConnectorRepository(store);
  const connector = connectors.create('Pod');
  const events = new EventBus();
  const progress: RunProgress[] = [];
  events.on('runs.progress', (p) => progress.push(p));
  // user2 is a member of streams 0, 1 and 2; its mailbox refuses everything.
  const base = createTestStages({ store, pod, mailboxes, failingMailboxes: new Set(['user2@acme.test']) });
  const spool = (id: number) => path.join(paths.spool, connector.id, `${id}.bin`);
  const stages: Stages = { ...base, capture: { ...base.capture, spoolFiles: (_c, ids) => ids.map(spool).filter((f) => fs.existsSync(f)) } };
  const service = new RunService({ store, clock, logger: silentLogger, paths, events, connectors, stagesFor: () => stages, jitterMs: 0 });
  const dispatcher = new Dispatcher(runHandlers({ store, clock, paths, connectors, service }), silentLogger);
  const call = dispatcher.invoke.bind(dispatcher);
  afterAll(async () => {
    await service.dispose();
    store.dispose();
    mailboxes.close();
    temp.cleanup();
  });

  it('starts a run, reports progress per stage, and lists it with its reconciliation', async () => {
    const { runId } = await call('runs.start', { connectorId: connector.id });
    await expect(call('runs.start', { connectorId: connector.id })).rejects.toMatchObject({ code: 'busy' });
    await service.scheduler.idle();
    const { runs, total } = await call('runs.list', {});
    expect(total).toBe(1);
    // user2's deliveries failed and stream 3's items wait for a mailbox: never green.
    expect(runs[0]).toMatchObject({ id: runId, status: 'completed-with-problems', trigger: 'manual' });
    const failedItems = Array.from({ length: pod.messages }, (_, i) => i).filter((i) => mailboxesOf(i % pod.streams).includes('user2@acme.test')).length;
    expect(runs[0]!.reconciliation).toMatchObject({ balanced: true, captured: { count: 120 }, failed: { count: failedItems } });
    const stagesSeen = new Set(progress.filter((p) => p.runId === runId).map((p) => p.stage));
    expect([...stagesSeen]).toEqual(['capture', 'convert', 'map', 'import', 'reconcile']);
    const detail = await call('runs.get', { runId });
    expect(detail.progress.capture).toMatchObject({ done: 120, total: 120 });
    expect(detail.progress.map).toMatchObject({ done: 120, total: 120 });
    expect(detail.conversationsTotal).toBe(6);
    // Stream 3's people have no mailbox (held, per conversation as in the run); stream 5's are excluded (skipped).
    expect(detail.conversations.find((c) => c.streamId === 'stream3')).toMatchObject({ captured: 20, held: 20, skipped: 0, balanced: true });
    expect(detail.conversations.find((c) => c.streamId === 'stream5')).toMatchObject({ captured: 20, held: 0, skipped: 20, balanced: true });
    expect(runs[0]!.reconciliation).toMatchObject({ held: { count: 20 }, skipped: { count: 20, byReason: { excluded: 20 } } });
    const status = await call('runs.status', {});
    expect(status[0]).toMatchObject({ connectorId: connector.id, current: null, last: { id: runId }, nextRunAt: new Date(clock.now() + 24 * 3_600_000).toISOString() });
    await expect(call('runs.get', { runId: 999 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('filters the item log and lets the officer retry or skip failed items', async () => {
    const failed = await call('items.failed', { connectorId: connector.id, limit: 1000 });
    expect(failed.items.every((i) => i.status === 'failed' && i.attempts === 1 && i.reason?.code === 'delivery-failed' && /refused/.test(reasonWords(i.reason, { detail: true })))).toBe(true);
    const log = await call('items.log', { connectorId: connector.id, status: 'failed', person: 'user2@acme.test', limit: 1000 });
    expect(log.entries.some((e) => e.event === 'failed' && e.mailbox === 'user2@acme.test')).toBe(true);
    expect(new Set(log.entries.map((e) => e.itemId)).size).toBe(failed.total);
    await expect(call('items.skip', { connectorId: connector.id, itemIds: [failed.items[0]!.itemId], reason: '' })).rejects.toMatchObject({ code: 'invalid-input', target: 'reason' });
    const skipped = await call('items.skip', { connectorId: connector.id, itemIds: [failed.items[0]!.itemId], reason: 'Former employee, mailbox deleted' });
    expect(skipped.updated).toBe(1);
    expect((await call('items.failed', { connectorId: connector.id })).total).toBe(failed.total - 1);
    const retried = await call('items.retry', { connectorId: connector.id, itemIds: failed.items.map((i) => i.itemId) });
    expect(retried.updated).toBe(failed.total - 1);
  });

  it('writes the run log as CSV and as a ZIP with summary, reconciliation and logs', async () => {
    fs.writeFileSync(path.join(paths.logs, 'main.log'), 'a log line\n');
    const csv = await call('runs.downloadLog', { runId: 1, format: 'csv' });
    expect(csv.path).toBe(path.join(paths.exports, `run-1-2026-04-01.csv`));
    const parsed = Papa.parse<string[]>(fs.readFileSync(csv.path, 'utf8').trim());
    expect(parsed.data[0]).toEqual(['item_id', 'message_id', 'stream_id', 'sender', 'item_status', 'event', 'at', 'mailbox', 'graph_id', 'archive_key', 'run_id', 'detail', 'reason_code', 'reason', 'reason_fix', 'reason_detail']);
    // The item's reason as a value in its own columns, the same as items.failed gives.
    const failedNow = (await call('items.failed', { connectorId: connector.id, limit: 1000 })).items;
    for (const row of parsed.data.slice(1).filter((r) => r[4] === 'failed')) {
      const reason = failedNow.find((i) => String(i.itemId) === row[0])?.reason;
      expect(row.slice(12), row[0]).toEqual([reason?.code, reason?.message, reason?.fix ?? '', reason?.detail ?? '']);
    }
    expect(parsed.data.slice(1).some((r) => r[4] === 'failed' && r[12] === 'delivery-failed')).toBe(true);
    // That run's own lines only: not the officer's decisions made outside any run.
    const log = await call('items.log', { connectorId: connector.id, runId: 1, limit: 1000 });
    expect(log.total).toBeLessThan(1000);
    expect(log.entries.some((e) => e.runId === null)).toBe(true);
    expect(parsed.data.length - 1).toBe(log.entries.filter((e) => e.runId === 1).length);
    expect(parsed.data.slice(1).every((r) => r[10] === '1')).toBe(true);
    expect(parsed.data.filter((r) => r[5] === 'delivered').every((r) => /^graph-\d+$/.test(r[8]!))).toBe(true);
    // Read in pages of 7 rows, the file is the same.
    const paged = await exportRunLog({ store, paths, runId: 1, format: 'csv', destination: path.join(temp.dir, 'paged.csv'), batchRows: 7 });
    expect(fs.readFileSync(paged.path, 'utf8')).toBe(fs.readFileSync(csv.path, 'utf8'));
    const destination = path.join(temp.dir, 'chosen', 'bundle.zip');
    const zip = await call('runs.downloadLog', { runId: 1, format: 'zip', destination });
    expect(zip).toEqual({ path: destination, bytes: fs.statSync(destination).size });
    expect(await zipEntries(destination)).toEqual(['logs/main.log', 'run-1-2026-04-01-items.csv', 'run-1-2026-04-01-items.jsonl', 'run-1-2026-04-01-reconciliation.json', 'run-1-2026-04-01-summary.json']);
  });

  it('keeps settings, and purges only the spool of final items past the retention', async () => {
    expect(await call('runs.settings', {})).toEqual({ startAtLogin: false, retentionDays: 90, maxAttempts: 5 });
    expect(await call('runs.settings', { patch: { startAtLogin: true, retentionDays: 30 } })).toMatchObject({ startAtLogin: true, retentionDays: 30 });
    await expect(call('runs.settings', { patch: { retentionDays: 0 } })).rejects.toMatchObject({ code: 'invalid-input' });
    const log = new ItemLogRepository(store);
    const ids = [...log.pageByStatus(connector.id, 'delivered', 0, 10_000), ...log.pageByStatus(connector.id, 'failed', 0, 10_000)].map((o) => ({ id: o.itemId, status: o.status }));
    fs.mkdirSync(path.dirname(spool(1)), { recursive: true });
    for (const { id } of ids) fs.writeFileSync(spool(id), 'attachment bytes');
    expect((await call('runs.purge', {})).spoolFiles).toBe(0);
    await clock.advance(31 * 86_400_000);
    const purged = await call('runs.purge', {});
    const delivered = ids.filter((i) => i.status === 'delivered');
    expect(purged).toMatchObject({ spoolFiles: delivered.length, bytes: delivered.length * 16 });
    expect(ids.filter((i) => fs.existsSync(spool(i.id))).map((i) => i.status).every((s) => s === 'failed')).toBe(true);
    // The lines that prove delivery stay; the detailed path of purged items goes.
    const left = await call('items.log', { connectorId: connector.id, status: 'delivered', limit: 1000 });
    expect(left.entries.every((e) => e.event === 'delivered')).toBe(true);
  });
});
