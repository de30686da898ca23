import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';
import { plannedArchiveKeys } from '../support/store-reads';

const DAY = 86_400_000;

/** The .eml folder in daily-transcript mode: every transcript (a day of a conversation) lands as one file too. */
describe('pipeline with an .eml export folder in daily-transcript mode', () => {
  const temp = new TestWorld();
  const exportDir = path.join(temp.dir, 'export');
  let world: RealWorld;

  beforeAll(async () => {
    world = await startRealWorld(temp, {
      symphony: { seed: 'export-transcripts', conversations: 4, messages: 80, attachments: 2, internalUsers: 5, externalUsers: 1, maxAttachmentBytes: 4096, start: Date.now() - 5 * DAY, end: Date.now() - DAY },
      settings: (settings) => ({ ...settings, conversion: { ...settings.conversion, mode: 'daily-transcript', exportFolder: exportDir } }),
    });
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('writes each transcript once, in its conversation folder, with the same archive key the import uses', async () => {
    const result = await (await world.controller.start(world.connector.id, 'manual')).done;
    expect(result.status).toBe('succeeded');
    const keys = plannedArchiveKeys(world.store, world.connector.id);
    expect(keys.length).toBeGreaterThan(4);
    expect(keys.every((k) => k.includes(':d:'))).toBe(true);
    const files = fs.readdirSync(exportDir).flatMap((d) => fs.readdirSync(path.join(exportDir, d)).map((f) => path.join(exportDir, d, f)));
    const exported: string[] = [];
    for (const file of files) {
      const parsed = await simpleParser(fs.readFileSync(file));
      expect(parsed.headers.get('x-symphony-transcript-day')).toBeDefined();
      exported.push(String(parsed.headers.get('x-symphony-archive-key')));
    }
    expect(exported.sort()).toEqual(keys.sort());
  });
});
