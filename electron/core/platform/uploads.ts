import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { ArchiverError } from '../../../shared/errors';

/**
 * Files the officer hands over (a mapping CSV today), received as a stream into
 * `<dataDir>/uploads/<id>` (0600) and read back as a stream by the call that uses them, so no host
 * holds a whole file in memory. The browser host fills it from an HTTP request body, the desktop
 * shell from IPC chunks; both through this class.
 */

/** Largest file accepted: far above any real mapping file, below what would fill a small disk unnoticed. */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** Uploads nobody used are removed after this long (the officer chose a file and walked away). */
const STALE_MS = 24 * 60 * 60 * 1000;
const ID = /^[0-9a-f]{32}$/;

export interface UploadInfo {
  id: string;
  bytes: number;
}

export class UploadStore {
  /** Uploads still being written, by id: bytes so far. */
  private readonly open = new Map<string, { bytes: number; stream: fs.WriteStream }>();

  constructor(
    private readonly dir: string,
    readonly maxBytes = MAX_UPLOAD_BYTES,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.removeStale(Date.now());
  }

  /** Streams `body` into a new upload; refuses (and removes the part written) past the limit. */
  async receive(body: Readable, onProgress?: (bytes: number) => void): Promise<UploadInfo> {
    const id = randomBytes(16).toString('hex');
    const file = this.partPath(id);
    let bytes = 0;
    const limit = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > limit) return done(tooLarge(limit));
        onProgress?.(bytes);
        done(null, chunk);
      },
    });
    // Opened before any byte is read, so that a body failing at once cannot race the open and
    // leave a part file behind after it was removed.
    const out = (await fs.promises.open(file, 'wx', 0o600)).createWriteStream();
    try {
      await pipeline(body, counter, out);
    } catch (error) {
      await closed(out);
      fs.rmSync(file, { force: true });
      throw error;
    }
    fs.renameSync(file, this.filePath(id));
    return { id, bytes };
  }

  /** Starts an upload fed chunk by chunk (the desktop shell's IPC). */
  begin(): string {
    const id = randomBytes(16).toString('hex');
    this.open.set(id, { bytes: 0, stream: fs.createWriteStream(this.partPath(id), { flags: 'wx', mode: 0o600 }) });
    return id;
  }

  async append(id: string, chunk: Uint8Array): Promise<number> {
    const entry = this.open.get(this.checkId(id));
    if (!entry) throw new ArchiverError({ code: 'not-found', message: 'This upload is not open.', fix: 'Choose the file again.' });
    entry.bytes += chunk.byteLength;
    if (entry.bytes > this.maxBytes) {
      await this.abort(id);
      throw tooLarge(this.maxBytes);
    }
    await new Promise<void>((resolve, reject) => entry.stream.write(chunk, (error) => (error ? reject(error) : resolve())));
    return entry.bytes;
  }

  async finish(id: string): Promise<UploadInfo> {
    const entry = this.open.get(this.checkId(id));
    if (!entry) throw new ArchiverError({ code: 'not-found', message: 'This upload is not open.', fix: 'Choose the file again.' });
    this.open.delete(id);
    await new Promise<void>((resolve, reject) => entry.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    fs.renameSync(this.partPath(id), this.filePath(id));
    return { id, bytes: entry.bytes };
  }

  async abort(id: string): Promise<void> {
    const entry = this.open.get(id);
    this.open.delete(id);
    if (entry) {
      entry.stream.destroy();
      await closed(entry.stream);
    }
    fs.rmSync(this.partPath(id), { force: true });
  }

  /** The finished upload's file, or a not-found error naming the fix. */
  pathOf(id: string): string {
    const file = this.filePath(this.checkId(id));
    if (!fs.existsSync(file)) throw new ArchiverError({ code: 'not-found', message: 'The uploaded file is no longer there.', fix: 'Choose the file again.', target: 'upload' });
    return file;
  }

  discard(id: string): void {
    if (ID.test(id)) fs.rmSync(this.filePath(id), { force: true });
  }

  async dispose(): Promise<void> {
    for (const id of [...this.open.keys()]) await this.abort(id);
  }

  private removeStale(now: number): void {
    for (const name of fs.readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      const stat = fs.lstatSync(file, { throwIfNoEntry: false });
      if (stat && now - stat.mtimeMs > STALE_MS) fs.rmSync(file, { force: true, recursive: true });
    }
  }

  private checkId(id: string): string {
    if (!ID.test(id)) throw new ArchiverError({ code: 'invalid-input', message: 'This is not an upload id.', fix: 'Choose the file again.', target: 'upload' });
    return id;
  }

  private filePath(id: string): string {
    return path.join(this.dir, id);
  }

  private partPath(id: string): string {
    return path.join(this.dir, `${id}.part`);
  }
}

function closed(stream: fs.WriteStream): Promise<void> {
  return stream.closed ? Promise.resolve() : new Promise((resolve) => stream.once('close', () => resolve()));
}

function tooLarge(limit: number): ArchiverError {
  return new ArchiverError({
    code: 'too-large',
    message: `The file is larger than ${Math.round(limit / 1024 / 1024)} MB.`,
    fix: 'Split the file, or remove columns the archiver does not read.',
  });
}
