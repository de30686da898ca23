import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import type { CaptureProgress } from '../../electron/core/symphony/source';
import { captureBySource } from '../../electron/core/symphony/sources';
import type { ArchiverError } from '../../shared/errors';
import { generateEmlExport } from '../../electron/sandbox/emulators/content-export/generator';
import { makeTempDir } from '../support/tmp';

const temp = makeTempDir('content-export-contract-');
const core = new Core({ dataDir: path.join(temp.dir, 'data'), host: 'test', logger: silentLogger });
afterAll(async () => {
  await core.dispose();
  temp.cleanup();
});

describe('contentExport.test through the contract', () => {
  it('answers a connector without a usable Content Export setup with a typed error naming the setting', async () => {
    const connector = await core.dispatcher.invoke('connectors.create', { name: 'Unconfigured' });
    const result = await core.dispatcher.dispatch('contentExport.test', { connectorId: connector.id });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.target).toBe('contentExport.host');
    const unknown = await core.dispatcher.dispatch('contentExport.test', { connectorId: 'nope' });
    expect(unknown.ok ? null : unknown.error.code).toBe('not-found');
  });

  it('lists a configured export folder', async () => {
    const dir = path.join(temp.dir, 'drop');
    fs.mkdirSync(dir);
    const day = await generateEmlExport({ day: '2026-09-01', conversations: 2, seed: 1 });
    fs.writeFileSync(path.join(dir, day.fileName), day.zip);
    const connector = await core.dispatcher.invoke('connectors.create', { name: 'Folder' });
    const settings = { ...connector.settings, contentExport: { transport: 'folder', localDir: dir } } as typeof connector.settings;
    await core.dispatcher.invoke('connectors.update', { id: connector.id, settings });
    const result = await core.dispatcher.invoke('contentExport.test', { connectorId: connector.id });
    expect(result).toMatchObject({ transport: 'folder', exportFiles: 1, alreadyIngested: 0, presentedFingerprint: null });
    expect(result.files.map((f) => f.name)).toEqual([day.fileName]);
  });

  it('tests the connection of a Content Export connector by its pod URL and export location, not a Symphony login', async () => {
    const dir = path.join(temp.dir, 'test-drop');
    fs.mkdirSync(dir);
    const created = await core.dispatcher.invoke('connectors.create', { name: 'Tested' });
    const settings = { ...created.settings, symphony: { ...created.settings.symphony, source: 'content-export' }, contentExport: { transport: 'folder', localDir: dir } } as typeof created.settings;
    await core.dispatcher.invoke('connectors.update', { id: created.id, settings });
    const noPod = await core.dispatcher.invoke('capture.testConnection', { connectorId: created.id });
    expect(noPod.ok).toBe(false);
    expect(noPod.steps.map((s) => [s.step, s.status])).toEqual([['settings', 'failed'], ['content-export', 'skipped']]);
    expect(noPod.steps[0]!.error?.target).toBe('settings.symphony.podUrl');

    await core.dispatcher.invoke('connectors.update', { id: created.id, settings: { ...settings, symphony: { ...settings.symphony, podUrl: 'https://acme.symphony.com' } } });
    const ok = await core.dispatcher.invoke('capture.testConnection', { connectorId: created.id });
    expect(ok.steps.map((s) => [s.step, s.status])).toEqual([['settings', 'ok'], ['content-export', 'ok']]);
    const listed = await core.dispatcher.invoke('contentExport.test', { connectorId: created.id });
    expect(ok.steps[1]!.message).toBe(listed.summary);
  });

  it('runs as the capture step of a connector whose source is the Content Export', async () => {
    const dir = path.join(temp.dir, 'stage-drop');
    fs.mkdirSync(dir);
    const day = await generateEmlExport({ day: '2026-09-02', conversations: 5, seed: 2 });
    fs.writeFileSync(path.join(dir, day.fileName), day.zip);
    const created = await core.dispatcher.invoke('connectors.create', { name: 'Stage' });
    const connector = {
      ...created,
      settings: { ...created.settings, symphony: { ...created.settings.symphony, source: 'content-export' }, contentExport: { transport: 'folder', localDir: dir, minFileAgeSeconds: 0 } },
    } as typeof created;
    const progress: CaptureProgress[] = [];
    const run = async () => {
      const summary = await captureBySource({ store: core.store, connector, paths: core.paths, logger: silentLogger, onProgress: (p) => progress.push(p) });
      if (summary.source !== 'content-export') throw new Error(`read through ${summary.source}`);
      return summary.contentExport;
    };

    const noPod = await run().catch((e: unknown) => e);
    expect((noPod as ArchiverError).target).toBe('settings.symphony.podUrl');

    connector.settings.symphony.podUrl = 'https://acme.symphony.com';
    const report = await run();
    expect(report.files.map((f) => [f.outcome, f.inserted])).toEqual([['ingested', day.messageCount]]);
    expect(progress).toEqual([{ phase: 'conversations', done: 1, total: 1, newItems: day.messageCount }]);
    const capture = new CaptureRepository(core.store);
    expect(capture.counts(connector.id).items).toBe(day.messageCount);
    expect(capture.itemByMessageId(connector.id, day.conversations[0]!.messages[0]!.messageId!)?.pod).toBe('acme.symphony.com');
  });
});
