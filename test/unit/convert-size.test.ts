import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiverError } from '../../shared/errors';
import type { CapturedMessage } from '../../electron/core/model/captured';
import { convertMessage } from '../../electron/core/convert/message';
import { toMimeStream } from '../../electron/core/convert/mime';
import { MAX_MESSAGE_BYTES, estimateMimeSize } from '../../electron/core/convert/size';
import { convertTranscript } from '../../electron/core/convert/transcript';
import { conversations, goldenItems } from '../fixtures/convert/hostile';
import { makeTempDir } from '../support/tmp';

const MiB = 1024 * 1024;

describe('size rules', () => {
  const temp = makeTempDir('convert-size-');
  afterAll(() => temp.cleanup());
  const base = goldenItems(path.join(temp.dir, 'spool')).find((i) => i.name === 'attachment-only')?.message as CapturedMessage;

  /** A sparse file: the size is real, the disk is not used. */
  function withFile(name: string, size: number, id = name): CapturedMessage {
    const file = path.join(temp.dir, name);
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size);
    return { ...base, messageId: `size-${id}`, attachments: [{ attachmentId: id, name: `${name}.bin`, contentType: 'application/octet-stream', declaredSize: size, size, sha256: '0'.repeat(64), spoolPath: file, inline: false }] };
  }

  it('produces an item just under the limit, streaming it, and the estimate bounds the real size', async () => {
    const message = withFile('big', 100 * MiB);
    const email = await convertMessage(message, conversations.im);
    let bytes = 0;
    let tail = Buffer.alloc(0);
    for await (const chunk of toMimeStream(email) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      tail = Buffer.concat([tail, chunk]).subarray(-200);
    }
    expect(bytes).toBeGreaterThan(100 * MiB * (4 / 3));
    expect(bytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(estimateMimeSize(email)).toBeGreaterThanOrEqual(bytes);
    expect(tail.toString('latin1')).toMatch(/--\r\n$/);
  });

  it('refuses an item above 150 MB with a typed error naming the item and the fix', async () => {
    const message = withFile('huge', 151 * MiB);
    let caught: unknown;
    try {
      await convertMessage(message, conversations.im);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ArchiverError);
    const error = caught as ArchiverError;
    expect(error.code).toBe('too-large');
    expect(error.target).toBe('golden:m:size-huge');
    expect(error.message).toContain('Symphony message size-huge');
    expect(error.message).toMatch(/more than the 150\.0 MB Exchange Online accepts/);
    expect(error.fix).toBeTruthy();
  });

  it('refuses a transcript whose day adds up to more than the limit, naming the day', async () => {
    const a = withFile('day-a', 60 * MiB, 'a');
    const b = { ...withFile('day-b', 60 * MiB, 'b'), timestamp: a.timestamp + 1000 };
    await expect(convertMessage(a, conversations.im)).resolves.toBeDefined();
    await expect(convertTranscript({ conversation: conversations.im, day: new Date(a.timestamp).toISOString().slice(0, 10), messages: [a, b] })).rejects.toThrow(
      /The transcript of 2026-03-14 of Symphony IM with .* would become an e-mail of about 16\d\.\d MB/,
    );
  });
});
