import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { connectorSettingsSchema } from '../../shared/contract';
import { generateEmlExport } from '../emulators/content-export/generator';
import { makeTempDir } from '../support/tmp';

const temp = makeTempDir('content-export-contract-');
const core = new Core({ dataDir: path.join(temp.dir, 'data'), host: 'test', logger: silentLogger });
afterAll(async () => {
  await core.dispose();
  temp.cleanup();
});

// The connector settings gain a `contentExport` section once shared/contract/connectors.ts composes it.
const composed = 'contentExport' in connectorSettingsSchema.shape;

describe('contentExport.test through the contract', () => {
  it('answers a connector without a usable Content Export setup with a typed error naming the setting', async () => {
    const connector = await core.dispatcher.invoke('connectors.create', { name: 'Unconfigured' });
    const result = await core.dispatcher.dispatch('contentExport.test', { connectorId: connector.id });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.target).toBe(composed ? 'contentExport.host' : 'settings.contentExport');
    const unknown = await core.dispatcher.dispatch('contentExport.test', { connectorId: 'nope' });
    expect(unknown.ok ? null : unknown.error.code).toBe('not-found');
  });

  it.runIf(composed)('lists a configured export folder', async () => {
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
});
