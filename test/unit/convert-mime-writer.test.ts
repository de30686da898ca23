import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import fc from 'fast-check';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { convertMessage } from '../../electron/core/convert/message';
import { mimeTree, toMime, toMimeStream } from '../../electron/core/convert/mime';
import { streamMime, writeMime } from '../../electron/core/convert/mime-writer';
import { chatCase, materialise } from '../fixtures/convert/arbitraries';
import { makeTempDir } from '../support/tmp';

/**
 * convert/mime-writer.ts writes nodemailer's MIME tree without nodemailer's stream driver. These
 * tests hold it to nodemailer's own output (MimeNode.build and createReadStream on a second,
 * identical tree): any body, any transfer encoding nodemailer picks, any attachment size (the
 * 64 KiB read and encode slices included), and every e-mail the converter makes.
 */

const temp = makeTempDir('mime-writer-');
afterAll(() => temp.cleanup());
let files = 0;
const spoolFile = (bytes: Buffer) => {
  const file = path.join(temp.dir, `f${files++}`);
  fs.writeFileSync(file, bytes);
  return file;
};

const FRAGMENTS = ['word', ' ', '  ', '\t', '\r\n', '\n', '\r', 'é', '日本語', 'نور', '=', '=3D', '.', '..', '\r\n.\r\n', '👨‍👩‍👧‍👦', '\u0000', 'x'.repeat(75), 'y'.repeat(200), 'From ', '--'];
const body = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }) },
  // Bodies past nodemailer's 64 KiB encode slice, ending at its edge in a space, a CR or a letter.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 65_530, max: 65_540 }), fc.constantFrom(' ', '\t', '\r\n', 'é', 'a'), fc.constantFrom('', ' b', '\nc', ' ')).map(([n, at, tail]) => `${'q'.repeat(n)}${at}${tail}`) },
);
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constantFrom(0, 1, 2, 3, 57, 65_535, 65_536, 65_537, 200_001).map((n) => Buffer.alloc(n, 0x5a)),
  fc.tuple(fc.integer({ min: 65_530, max: 65_540 }), fc.constantFrom(0x20, 0x0d, 0x0a, 0x41)).map(([n, b]) => Buffer.concat([Buffer.alloc(n, 0x41), Buffer.from([b, 0x20, 0x42])])),
);
const attachment = fc.record({
  bytes,
  contentType: fc.constantFrom('application/octet-stream', 'text/plain', 'image/png', 'message/rfc822'),
  contentTransferEncoding: fc.constantFrom<string | false>(false, 'base64', 'quoted-printable', '7bit'),
  fromFile: fc.boolean(),
});
const options = fc.record({
  text: fc.option(body, { nil: undefined }),
  html: fc.option(body.map((b) => `<p>${b}</p>`), { nil: undefined }),
  subject: fc.string({ unit: 'grapheme', maxLength: 40 }),
  attachments: fc.array(attachment, { maxLength: 3 }),
});
type Options = typeof options extends fc.Arbitrary<infer T> ? T : never;

/** A tree compiled afresh each time: building one changes it (headers, boundaries). */
function tree(input: Options, paths: string[]): MimeNode {
  return new MailComposer({
    from: 'Jane <jane@acme.example>',
    to: 'pat@acme.example',
    subject: input.subject,
    date: new Date(Date.UTC(2026, 2, 1)),
    messageId: '<fixed@acme.example>',
    baseBoundary: 'fixedboundary',
    disableUrlAccess: true,
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.html !== undefined ? { html: input.html } : {}),
    attachments: input.attachments.map((a, i) => ({
      filename: `a${i}.bin`,
      contentType: a.contentType,
      ...(a.contentTransferEncoding ? { contentTransferEncoding: a.contentTransferEncoding } : {}),
      ...(a.fromFile ? { path: paths[i] } : { content: a.bytes }),
    })),
  }).compile();
}

function nodemailerStream(root: MimeNode): Promise<Buffer> {
  return collect(root.createReadStream());
}

describe('the MIME writer writes what nodemailer writes', () => {
  it('for any bodies, transfer encodings and attachments, in memory and streamed', async () => {
    await fc.assert(
      fc.asyncProperty(options, async (input) => {
        const paths = input.attachments.map((a) => spoolFile(a.bytes));
        const expected = await tree(input, paths).build();
        expect((await writeMime(tree(input, paths))).equals(expected)).toBe(true);
        expect((await collect(streamMime(tree(input, paths)))).equals(expected)).toBe(true);
        expect((await nodemailerStream(tree(input, paths))).equals(expected)).toBe(true);
      }),
      { seed: 20261201, numRuns: 150 },
    );
  });

  it('for every e-mail the converter makes from generated chat', async () => {
    const spool = path.join(temp.dir, 'spool');
    let index = 0;
    await fc.assert(
      fc.asyncProperty(chatCase, async (input) => {
        const { message, conversation } = materialise(input, spool, index++);
        const email = await convertMessage(message, conversation);
        const expected = await mimeTree(email).build();
        expect((await toMime(email)).equals(expected)).toBe(true);
        expect((await collect(toMimeStream(email))).equals(expected)).toBe(true);
      }),
      { seed: 20261202, numRuns: 200 },
    );
  });

  it('refuses content it would have to fetch or stream, and a missing spool file', async () => {
    const url = new MailComposer({ from: 'a@b.example', text: 'x', attachments: [{ href: 'http://127.0.0.1:9/x', filename: 'x' }] }).compile();
    await expect(writeMime(url)).rejects.toThrow(/URLs and streams are never read/);
    const stream = new MailComposer({ from: 'a@b.example', text: 'x', attachments: [{ content: Readable.from(['x']), filename: 'x' }] }).compile();
    await expect(collect(streamMime(stream))).rejects.toThrow(/URLs and streams are never read/);
    const missing = new MailComposer({ from: 'a@b.example', text: 'x', attachments: [{ path: path.join(temp.dir, 'gone'), filename: 'x' }] }).compile();
    await expect(writeMime(missing)).rejects.toThrow(/ENOENT/);
    await expect(collect(streamMime(new MailComposer({ from: 'a@b.example', text: 'x', attachments: [{ path: path.join(temp.dir, 'gone'), filename: 'x' }] }).compile()))).rejects.toThrow(/ENOENT/);
  });
});
