import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { AttachmentTooLargeError, Base64DecodeStream } from '../../electron/core/symphony/attachment-download';
import { TruncatedDownloadError } from '../../electron/core/symphony/http';
import { toUrlSafeId } from '../../electron/core/symphony/ids';
import { canonicalJson, idString, parseJson, sha256Hex } from '../../electron/core/symphony/json';
import { advanceCheckpoint, contentTypeOf, toNewItem } from '../../electron/core/symphony/messages';
import { Prng } from '../../electron/sandbox/emulators/prng';

async function decode(chunks: string[], max = 1 << 30, declared?: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk);
      done();
    },
  });
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c, 'latin1'))), new Base64DecodeStream(max, declared), sink);
  return Buffer.concat(out);
}

describe('symphony ids and JSON', () => {
  it('keeps int64 ids beyond 2^53 exact and gives them back as decimal strings', () => {
    const text = '{"user":{"userId":9007199254740993,"small":13537736917001},"n":1.5}';
    const parsed = parseJson(text) as { user: { userId: unknown; small: unknown }; n: number };
    expect(idString(parsed.user.userId)).toBe('9007199254740993');
    expect(parsed.user.small).toBe(13537736917001);
    expect(String(JSON.parse(text).user.userId)).not.toBe('9007199254740993'); // what a naive client gets
    expect(canonicalJson(parsed)).toBe('{"n":1.5,"user":{"small":13537736917001,"userId":9007199254740993}}');
  });

  it('canonical JSON sorts keys at every depth, so equal content hashes equal', () => {
    const a = parseJson('{"b":[{"y":1,"x":"é"}],"a":null,"c":"\\u00e9\\n"}');
    const b = parseJson('{ "c":"é\\n", "a":null, "b":[{"x":"\\u00e9","y":1}] }');
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":null,"b":[{"x":"é","y":1}],"c":"é\\n"}');
    expect(sha256Hex(canonicalJson(a))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('normalises standard base64 ids to the URL-safe form used in paths and keys', () => {
    expect(toUrlSafeId('ab+/cd==')).toBe('ab-_cd');
    expect(toUrlSafeId('ab-_cd')).toBe('ab-_cd');
  });

  it('follows the v4 paging rule: since = last timestamp, skip = messages seen at it', () => {
    expect(advanceCheckpoint({ since: 0, skip: 0 }, [5, 5, 7, 7, 7])).toEqual({ since: 7, skip: 3 });
    // A page that only continues the same timestamp adds to the skip.
    expect(advanceCheckpoint({ since: 7, skip: 3 }, [7, 7])).toEqual({ since: 7, skip: 5 });
    expect(advanceCheckpoint({ since: 7, skip: 3 }, [])).toEqual({ since: 7, skip: 3 });
  });

  it('turns a V4Message into an item: URL-safe ids, edit link, hash of the canonical source, refusal by declared size', () => {
    const raw = parseJson(
      JSON.stringify({
        messageId: 'ab+/cd==',
        timestamp: 1700000000000,
        message: '<div data-format="PresentationML" data-version="2.0">hi</div>',
        data: '{}',
        user: { userId: 42, displayName: 'Ann' },
        attachments: [
          { id: 'internal_1/x+y==', name: 'a.pdf', size: 10, images: [] },
          { id: 'internal_1/big==', name: 'b.zip', size: 200 * 1024 * 1024, images: [] },
        ],
        replacing: 'zz+/yy==',
      }),
    );
    const item = toNewItem(raw, () => ({ userId: '42', email: 'ann@acme.example', displayName: 'Ann A', external: true }), 150 * 1024 * 1024);
    expect(item.messageId).toBe('ab-_cd');
    expect(item.replacesMessageId).toBe('zz-_yy');
    expect(item.sender).toEqual({ userId: '42', email: 'ann@acme.example', displayName: 'Ann', external: true });
    expect(item.sourceSha256).toBe(sha256Hex(item.sourceJson));
    expect(JSON.parse(item.sourceJson).attachments[0].id).toBe('internal_1/x+y==');
    expect(item.attachments[0]).toMatchObject({ contentType: 'application/pdf', declaredSize: 10 });
    expect(item.attachments[0]!.failure).toBeUndefined();
    expect(item.attachments[1]!.failure).toMatch(/200 MB is over the 150 MB limit/);
    expect(contentTypeOf('no-extension')).toBe('application/octet-stream');
  });
});

describe('streaming base64 decoding', () => {
  it('decodes any chunking, with line breaks, to the same bytes', async () => {
    const rng = new Prng('b64');
    for (const size of [0, 1, 2, 3, 4, 5, 100, 4099]) {
      const bytes = rng.bytes(size);
      const text = bytes.toString('base64').replace(/(.{76})/g, '$1\r\n');
      const chunks: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = rng.int(1, 9);
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      expect((await decode(chunks)).equals(bytes)).toBe(true);
    }
  });

  it('refuses text that is not base64 instead of silently skipping it', async () => {
    await expect(decode(['QUJD', 'R!!!'])).rejects.toBeInstanceOf(TruncatedDownloadError);
    await expect(decode(['QUJDR'])).rejects.toThrow(/middle of a base64 group/);
  });

  it('stops a body that goes past the limit or past its declared size while streaming', async () => {
    const big = Buffer.alloc(3000, 7).toString('base64');
    await expect(decode([big], 1000)).rejects.toBeInstanceOf(AttachmentTooLargeError);
    await expect(decode([big], 1 << 20, 100)).rejects.toThrow(/larger than the 100 bytes Symphony declared/);
  });
});

describe('a message the archiver cannot read', () => {
  it('is a clear error naming the message, not a crash', () => {
    expect(() => toNewItem({ messageId: 'abc', timestamp: 1, message: '' }, () => undefined, 1000)).toThrow(/Symphony sent a message \(abc\) the archiver cannot read/);
  });
});
