import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';
import { storedItems } from '../support/store-reads';

/**
 * The export target: with `conversion.exportFolder` set, a run also writes every converted message
 * as an .eml file, one folder per conversation, once, and a second run writes nothing new.
 */
describe('pipeline with an .eml export folder', () => {
  const temp = new TestWorld();
  const exportDir = path.join(temp.dir, 'export');
  let world: RealWorld;

  beforeAll(async () => {
    world = await startRealWorld(temp, {
      symphony: { seed: 'export', conversations: 6, messages: 120, attachments: 4, internalUsers: 6, externalUsers: 2, maxAttachmentBytes: 8 * 1024 },
      settings: (settings) => ({ ...settings, conversion: { ...settings.conversion, exportFolder: exportDir } }),
    });
  });
  afterAll(async () => {
    await temp.dispose();
  });
  const run = async () => (await world.controller.start(world.connector.id, 'manual')).done;

  const emlFiles = () =>
    fs.readdirSync(exportDir, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => fs.readdirSync(path.join(exportDir, d.name)).map((f) => path.join(exportDir, d.name, f)));

  it('writes each captured message once, in its conversation folder, as a parseable .eml', async () => {
    const result = await run();
    expect(result.status).toBe('succeeded');
    const captured = storedItems(world.store, world.connector.id).map((i) => ({ id: i.messageId, stream: i.streamId }));
    expect(captured.length).toBe(world.symphony.pod.inventory().messages.size);
    const files = emlFiles();
    expect(files.filter((f) => f.endsWith('.eml')).length).toBe(captured.length);
    expect(files.filter((f) => !f.endsWith('.eml'))).toEqual([]);
    // One folder per conversation, named so the officer recognises it, carrying the stream id.
    const folders = fs.readdirSync(exportDir);
    expect(folders.length).toBe(new Set(captured.map((c) => c.stream)).size);
    const seen = new Set<string>();
    for (const file of files) {
      const parsed = await simpleParser(fs.readFileSync(file));
      const id = String(parsed.headers.get('x-symphony-message-id'));
      const stream = String(parsed.headers.get('x-symphony-stream-id'));
      expect(path.basename(path.dirname(file))).toContain(`[${stream}]`);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
    expect([...seen].sort()).toEqual(captured.map((c) => c.id).sort());
  });

  it('a second run writes nothing new', async () => {
    const before = emlFiles().map((f) => [f, fs.statSync(f).mtimeMs] as const);
    const result = await run();
    expect(result.status).toBe('succeeded');
    expect(emlFiles().map((f) => [f, fs.statSync(f).mtimeMs] as const)).toEqual(before);
  });
});
