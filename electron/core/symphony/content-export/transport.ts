import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ArchiverError } from '../../../../shared/errors';

export interface RemoteEntry {
  name: string;
  size: number;
  modifiedAt: Date | null;
}

/** Where the export files are read from: Symphony's SFTP destination or a folder. */
export interface ExportTransport {
  /** For messages: e.g. sftp://archiver@sftp.acme.com:22/exports */
  readonly description: string;
  /** The SFTP server's host key fingerprint as presented (null for a folder). */
  readonly presentedFingerprint: string | null;
  /** Regular files of the export folder. */
  list(): Promise<RemoteEntry[]>;
  download(name: string, localPath: string): Promise<void>;
  readSmall(name: string, maxBytes: number): Promise<Buffer>;
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A local or mounted network folder the export is copied into. */
export class FolderTransport implements ExportTransport {
  readonly presentedFingerprint = null;
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = dir;
  }

  static open(dir: string): FolderTransport {
    if (!dir) {
      throw new ArchiverError({ code: 'invalid-input', message: 'No export folder is set.', fix: 'Enter the folder Symphony\'s Content Export files are copied to.', target: 'contentExport.localDir' });
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch (error) {
      throw new ArchiverError({ code: 'unreachable', message: `The export folder ${dir} cannot be reached.`, fix: 'Check the path and, for a network share, that it is mounted and readable by the archiver.', target: 'contentExport.localDir', detail: String(error) }, { cause: error });
    }
    if (!stat.isDirectory()) throw new ArchiverError({ code: 'invalid-input', message: `${dir} is not a folder.`, target: 'contentExport.localDir' });
    return new FolderTransport(dir);
  }

  async list(): Promise<RemoteEntry[]> {
    const entries = await fs.promises.readdir(this.dir, { withFileTypes: true });
    const out: RemoteEntry[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const stat = await fs.promises.stat(path.join(this.dir, entry.name));
      out.push({ name: entry.name, size: stat.size, modifiedAt: stat.mtime });
    }
    return out;
  }

  /** Copied first, so hashing, decryption and reading all see one unchanging file. */
  async download(name: string, localPath: string): Promise<void> {
    await pipeline(fs.createReadStream(this.resolve(name)), fs.createWriteStream(localPath));
  }

  async readSmall(name: string, maxBytes: number): Promise<Buffer> {
    const data = await fs.promises.readFile(this.resolve(name));
    return data.subarray(0, maxBytes);
  }

  async remove(name: string): Promise<void> {
    await fs.promises.rm(this.resolve(name), { force: true });
  }

  async close(): Promise<void> {}

  private resolve(name: string): string {
    if (name !== path.basename(name)) throw new Error(`Not a plain file name: ${name}`);
    return path.join(this.dir, name);
  }
}
