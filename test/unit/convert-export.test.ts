import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiverError } from '../../shared/errors';
import type { Conversation } from '../../electron/core/model/captured';
import { EmlExporter, emlFileName, safeName } from '../../electron/core/convert/export';
import { convertMessage } from '../../electron/core/convert/message';
import { toMime } from '../../electron/core/convert/mime';
import { conversations, goldenItems } from '../fixtures/convert/hostile';
import { makeTempDir } from '../support/tmp';

describe('.eml export', () => {
  const temp = makeTempDir('convert-export-');
  afterAll(() => temp.cleanup());
  const items = goldenItems(path.join(temp.dir, 'spool'));
  const root = path.join(temp.dir, 'exports');

  it('writes one folder per conversation and the same file, with the same bytes, however often it runs', async () => {
    const exporter = new EmlExporter(root);
    const written: string[] = [];
    for (const item of items) written.push((await exporter.write(await convertMessage(item.message, item.conversation), item.conversation)).path);
    const again = new EmlExporter(root);
    for (const [i, item] of items.entries()) {
      const email = await convertMessage(item.message, item.conversation);
      const result = await again.write(email, item.conversation);
      expect(result.path).toBe(written[i]);
      expect(fs.readFileSync(result.path).equals(await toMime(email))).toBe(true);
      expect(path.basename(result.path)).toBe(emlFileName(email));
    }
    const folders = fs.readdirSync(root).sort();
    expect(folders).toEqual([
      'Symphony IM with Jane Doe, Pat Plain [golden-ascii-stream-0006]',
      'Symphony IM with Jane Doe, Zoë Ünïcode-Łukasz [golden-im-stream-0003]',
      "Symphony chat with Jane Doe, O'Brien, Bob (Rates), نور الهدى [golden-mim-stream-0004]",
      'Symphony room Addresses [golden-addr-stream-0007]',
      'Symphony room Approvals [golden-spoof-stream-0005]',
      'Symphony room Client Partner ⚠ [golden-ext-stream-0002]',
      'Symphony room Cross-pod desk [golden-xpod-stream-0008]',
      'Symphony room Rates desk – London, UK [golden-room-stream-0001]',
    ]);
    const files = folders.flatMap((f) => fs.readdirSync(path.join(root, f)));
    expect(files.length).toBe(items.length);
    expect(files.every((f) => /^\d{8}T\d{6}Z_golden-msg-\d{4}\.eml$/.test(f))).toBe(true);
  });

  it('keeps a renamed room in its first folder', async () => {
    const renamed: Conversation = { ...conversations.room, name: 'Renamed room' };
    const item = items.find((i) => i.conversation === conversations.room);
    if (!item) throw new Error('no room item');
    const result = await new EmlExporter(root).write(await convertMessage(item.message, renamed), renamed);
    expect(path.basename(path.dirname(result.path))).toMatch(/^Symphony room Rates desk – London, UK \[golden-room-stream-0001\]$/);
  });

  it('names files and folders safely on every platform', () => {
    expect(safeName('a<b>c:d"e/f\\g|h?i*j\u0001k')).toBe('a b c d e f g h i j k');
    expect(safeName('CON')).toBe('_CON');
    expect(safeName('nul.txt')).toBe('_nul.txt');
    expect(safeName('trailing dots...  ')).toBe('trailing dots');
    expect(safeName('')).toBe('unnamed');
    expect(Array.from(safeName('é'.repeat(300))).length).toBe(100);
  });

  it('fails with a typed error when a spooled file is gone or changed, leaving no partial file', async () => {
    const item = items.find((i) => i.name === 'attachment-only');
    if (!item) throw new Error('no item');
    const email = await convertMessage(item.message, item.conversation);
    const file = email.attachments[0]?.path as string;
    fs.appendFileSync(file, 'x');
    await expect(new EmlExporter(root).write(email, item.conversation)).rejects.toMatchObject({ code: 'conflict' });
    fs.rmSync(file);
    const error = await new EmlExporter(root).write(email, item.conversation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiverError);
    expect((error as ArchiverError).code).toBe('not-found');
    expect((error as ArchiverError).target).toBe(file);
    const leftovers = fs.readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.partial'));
    expect(leftovers).toEqual([]);
  });
});
