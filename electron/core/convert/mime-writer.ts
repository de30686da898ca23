import fs from 'node:fs';
import { Readable, type Transform } from 'node:stream';
import { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import type MimeNode from 'nodemailer/lib/mime-node';
import { Encoder as QpEncoder } from 'nodemailer/lib/qp';

/**
 * Writes a MIME tree that nodemailer's MailComposer compiled, byte for byte as nodemailer's own
 * MimeNode.build / createReadStream would, without its stream driver.
 *
 * Why hand-written: nodemailer's driver joins a PassThrough, a pipeline (with an AbortSignal),
 * `finished` hooks and one encoder stream per part, and yields to the event loop (setImmediate)
 * before every part and every content. For chat-sized messages that scaffolding costs more than
 * everything else together (profiled: issue #19), and the bodies are in memory anyway. Everything
 * that decides a byte stays nodemailer's: the tree and boundaries (MailComposer.compile), every
 * header line (MimeNode.buildHeaders), the choice of transfer encoding (getTransferEncoding) and
 * the encoders themselves (nodemailer/lib/qp and nodemailer/lib/base64). Only the order in which
 * the pieces are written is mirrored here, from MimeNode.stream: headers, a blank line, the
 * encoded content, then for a multipart node each child after its delimiter and the closing
 * delimiter; the whole message ends with a line break (nodemailer's LastNewline).
 * test/unit/convert-mime-writer.test.ts compares the two writers on generated e-mails, so a
 * nodemailer update that writes differently fails there.
 */

/** What a content is written as: bytes, or a spool file to read (and encode) while writing. */
type Piece = Buffer | { path: string; encoder: () => ContentEncoder };

interface ContentEncoder {
  write(bytes: Buffer): Buffer;
  end(): Buffer;
}

/**
 * One of nodemailer's encoder streams driven by its own transform and flush steps, synchronously:
 * the same code computes the same bytes, without a stream turn per chunk. The encoders are fed as
 * nodemailer feeds them (a string content in one chunk, a file in read-stream chunks).
 */
function streamEncoder(stream: Transform): ContentEncoder {
  let out: Buffer[] = [];
  let failure: Error | null | undefined;
  stream.push = (chunk: Buffer | string) => {
    out.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    return true;
  };
  const done = (error?: Error | null) => {
    failure = error;
  };
  const take = () => {
    if (failure) throw failure;
    const result = out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
    out = [];
    return result;
  };
  return {
    write(bytes) {
      // 'buffer' is what a stream passes for a Buffer chunk (Node's typings only list string encodings).
      if (bytes.length > 0) stream._transform(bytes, 'buffer' as BufferEncoding, done);
      return take();
    },
    end() {
      stream._flush?.(done);
      return take();
    },
  };
}

const asIs: ContentEncoder = { write: (bytes) => bytes, end: () => Buffer.alloc(0) };

/** The encoder nodemailer's MimeNode.stream would pick for this node (after its headers were built). */
function encoderOf(node: MimeNode, transferEncoding: string | false): () => ContentEncoder {
  if (transferEncoding === 'base64') return () => streamEncoder(new Base64Encoder());
  // Outside text a lone CR or LF is data (nodemailer's own rule for quoted-printable).
  if (transferEncoding === 'quoted-printable') return () => streamEncoder(new QpEncoder({ binary: !/^text\//i.test(node.contentType ?? '') }));
  return () => asIs;
}

function fileAccessDisabled(node: MimeNode): boolean {
  for (let n: MimeNode | undefined = node; n; n = n.parentNode) if (n.disableFileAccess) return true;
  return false;
}

/** The message's pieces in writing order; a content nodemailer would fetch or stream is refused. */
function* pieces(node: MimeNode): Generator<Piece> {
  if ((node as unknown as { _raw?: unknown })._raw) throw new Error('A raw MIME part cannot be written here: the converter never sets one.');
  const transferEncoding = node.getTransferEncoding();
  yield Buffer.from(`${node.buildHeaders()}\r\n\r\n`);
  const content = node.content;
  if (content) {
    const encoder = encoderOf(node, transferEncoding);
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      const coder = encoder();
      yield Buffer.concat([coder.write(typeof content === 'string' ? Buffer.from(content) : content), coder.end()]);
    } else if (!(content instanceof Error) && 'path' in content && typeof content.path === 'string' && !('pipe' in content)) {
      if (fileAccessDisabled(node)) throw new Error(`File access rejected for ${content.path}`);
      yield { path: content.path, encoder };
    } else {
      throw new Error('Only text and spool files are written into an e-mail: URLs and streams are never read while composing.');
    }
  }
  if (node.multipart) {
    for (const [i, child] of node.childNodes.entries()) {
      yield Buffer.from(`${i > 0 ? '\r\n' : ''}--${node.boundary}\r\n`);
      yield* pieces(child);
    }
    yield Buffer.from(`\r\n--${node.boundary}--\r\n`);
  }
}

/** What nodemailer's LastNewline appends so that the message ends with CRLF. */
function lastNewline(lastByte: number | undefined): Buffer {
  if (lastByte === 0x0a) return Buffer.alloc(0);
  return Buffer.from(lastByte === 0x0d ? '\n' : '\r\n');
}

/** fs.createReadStream's chunk size, the slices nodemailer's encoders see of a file. */
const FILE_CHUNK = 64 * 1024;

/**
 * Files up to this size are read synchronously: a local read of a few hundred KiB costs less than
 * the thread-pool round trips of an async one; larger files are read asynchronously so that the
 * event loop (imports in flight) is not held for long.
 */
const SYNC_READ_BYTES = 512 * 1024;

async function readSpoolFile(file: string): Promise<Buffer> {
  const size = fs.statSync(file).size;
  return size <= SYNC_READ_BYTES ? fs.readFileSync(file) : fs.promises.readFile(file);
}

/** The whole message in memory. Files are read whole and fed to the encoder in read-stream-sized slices. */
export async function writeMime(root: MimeNode): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const piece of pieces(root)) {
    if (Buffer.isBuffer(piece)) {
      out.push(piece);
      continue;
    }
    const bytes = await readSpoolFile(piece.path);
    const coder = piece.encoder();
    for (let at = 0; at < bytes.length; at += FILE_CHUNK) out.push(coder.write(bytes.subarray(at, at + FILE_CHUNK)));
    out.push(coder.end());
  }
  const last = out.findLast((b) => b.length > 0);
  out.push(lastNewline(last?.[last.length - 1]));
  return Buffer.concat(out);
}

/** The message as a stream; attachments are read from the spool as they are written. */
export function streamMime(root: MimeNode): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let lastByte: number | undefined;
    const emit = (b: Buffer) => {
      if (b.length > 0) lastByte = b[b.length - 1];
      return b;
    };
    for (const piece of pieces(root)) {
      if (Buffer.isBuffer(piece)) {
        yield emit(piece);
        continue;
      }
      const coder = piece.encoder();
      for await (const chunk of fs.createReadStream(piece.path, { highWaterMark: FILE_CHUNK })) {
        const encoded = coder.write(chunk as Buffer);
        if (encoded.length > 0) yield emit(encoded);
      }
      const rest = coder.end();
      if (rest.length > 0) yield emit(rest);
    }
    const tail = lastNewline(lastByte);
    if (tail.length > 0) yield tail;
  }
  return Readable.from(chunks(), { objectMode: false });
}
