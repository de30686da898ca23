import yauzl from 'yauzl';
import { ArchiverError } from '../../../../shared/errors';

export interface ZipEntryData {
  name: string;
  data: Buffer;
}

/** One conversation's EML far beyond this is not a chat transcript; refuse rather than exhaust memory. */
export const MAX_ENTRY_BYTES = 512 * 1024 * 1024;

/**
 * Every file entry of a ZIP with its bytes, in the archive's order. yauzl checks each entry's
 * CRC-32 and size against the central directory, so a damaged archive fails here rather than
 * yielding altered content.
 */
export async function* readZipEntries(file: string, displayName: string, maxEntryBytes = MAX_ENTRY_BYTES): AsyncGenerator<ZipEntryData> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    throw damaged(displayName, error);
  }
  try {
    for (;;) {
      const entry = await nextEntry(zip, displayName);
      if (!entry) return;
      if (entry.fileName.endsWith('/')) continue;
      if (entry.uncompressedSize > maxEntryBytes) {
        throw new ArchiverError({ code: 'too-large', message: `${displayName}: the entry ${entry.fileName} is ${entry.uncompressedSize} bytes, more than the archiver reads from one entry.`, fix: 'Ask your Symphony admin about the export; the file is skipped.', target: `${displayName}/${entry.fileName}` });
      }
      yield { name: entry.fileName, data: await readEntry(zip, entry, displayName) };
    }
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile, displayName: string): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(damaged(displayName, error));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, displayName: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(damaged(displayName, error ?? new Error('no stream'), entry.fileName));
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (e) => reject(damaged(displayName, e, entry.fileName)));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

function damaged(displayName: string, error: unknown, entry?: string): ArchiverError {
  return new ArchiverError(
    {
      code: 'invalid-input',
      message: `${displayName} is not a readable ZIP archive${entry ? ` (entry ${entry})` : ''}: it is damaged or incomplete.`,
      fix: 'The file is skipped and tried again on the next poll (it may still have been uploading); if it stays damaged, ask your Symphony admin to re-run the export for that period.',
      target: displayName,
      detail: error instanceof Error ? error.message : String(error),
    },
    { cause: error },
  );
}
