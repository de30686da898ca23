import fs from 'node:fs';
import { ArchiverError } from '../../../../shared/errors';

/**
 * Reads a secret named by reference (`env:NAME` or `file:/path`). Settings only ever hold the
 * reference, so the database and its backups never contain the secret.
 */
export function resolveSecret(reference: string, what: string, target: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const ref = reference.trim();
  if (ref === '') return undefined;
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ArchiverError({
        code: 'invalid-input',
        message: `The ${what} is to come from the environment variable ${name}, which is not set for the archiver.`,
        fix: `Set ${name} in the environment the archiver starts in, or reference a secret file instead (file:/path).`,
        target,
      });
    }
    return value;
  }
  if (ref.startsWith('file:')) {
    const file = ref.slice(5);
    try {
      return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ArchiverError(
        {
          code: 'invalid-input',
          message: `The ${what} file ${file} could not be read.`,
          fix: 'Check the path and that the archiver\'s account may read the file.',
          target,
          detail: error instanceof Error ? error.message : String(error),
        },
        { cause: error },
      );
    }
  }
  throw new ArchiverError({ code: 'invalid-input', message: `The ${what} reference is not env:NAME or file:/path.`, fix: 'Reference the secret as env:VARIABLE_NAME or file:/path/to/file.', target });
}

/** Reads a key file named in settings, with an officer-facing error when it is missing. */
export function readKeyFile(file: string, what: string, target: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new ArchiverError(
      { code: 'invalid-input', message: `The ${what} ${file} could not be read.`, fix: 'Check the path in the connector settings and that the archiver\'s account may read the file.', target, detail: error instanceof Error ? error.message : String(error) },
      { cause: error },
    );
  }
}
