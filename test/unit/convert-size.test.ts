import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CapturedMessage } from '../../electron/core/model/captured';
import { convertMessage } from '../../electron/core/convert/message';
import { toMimeStream } from '../../electron/core/convert/mime';
import { estimateMimeSize } from '../../electron/core/convert/size';
import { EXCHANGE_MAX_MESSAGE_BYTES } from '../../electron/core/model/limits';
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
    expect(bytes).toBeLessThanOrEqual(EXCHANGE_MAX_MESSAGE_BYTES);
    expect(estimateMimeSize(email)).toBeGreaterThanOrEqual(bytes);
    expect(tail.toString('latin1')).toMatch(/--\r\n$/);
  });

  it('converts an item above 150 MB and reports its size: refusing it is the planner\'s rule, not the converter\'s', async () => {
    const message = withFile('huge', 151 * MiB);
    const email = await convertMessage(message, conversations.im);
    expect(email.attachments.map((a) => a.size)).toEqual([151 * MiB]);
    expect(estimateMimeSize(email)).toBeGreaterThan(EXCHANGE_MAX_MESSAGE_BYTES);
  });

  it('converts a transcript whose day adds up to more than the limit, and its size says so', async () => {
    const a = withFile('day-a', 60 * MiB, 'a');
    const b = { ...withFile('day-b', 60 * MiB, 'b'), timestamp: a.timestamp + 1000 };
    const one = await convertMessage(a, conversations.im);
    expect(estimateMimeSize(one)).toBeLessThanOrEqual(EXCHANGE_MAX_MESSAGE_BYTES);
    const { email } = await convertTranscript({ conversation: conversations.im, day: new Date(a.timestamp).toISOString().slice(0, 10), messages: [a, b] });
    expect(email.attachments).toHaveLength(2);
    expect(estimateMimeSize(email)).toBeGreaterThan(EXCHANGE_MAX_MESSAGE_BYTES);
  });
});
