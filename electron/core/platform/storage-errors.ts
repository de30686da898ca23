import { reasonOf, type OutcomeReason } from '../../../shared/contract/reasons';
import { ArchiverError, errorText } from '../../../shared/errors';

/**
 * Storage failures (the disk full, read-only, failing) in the officer's words, with the fix. They
 * can surface anywhere a run writes — SQLite (`SQLITE_FULL`: "database or disk is full"), a spool
 * file (ENOSPC), the log — and must read the same everywhere: one line saying what and where, and
 * that nothing is lost (every write is a transaction; the next run continues where this one stopped).
 */
export function storageProblem(error: unknown, where?: string): ArchiverError | null {
  if (ArchiverError.is(error)) return error.target === 'storage' ? error : null;
  const code = String((error as { code?: unknown } | null | undefined)?.code ?? '');
  const text = errorText(error);
  const place = where ? ` (${where})` : '';
  const detail = `${code ? `${code}: ` : ''}${text}`;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || /database or disk is full|no space left on device/i.test(text)) {
    return new ArchiverError({
      code: 'internal',
      message: `The disk holding the archiver's data folder${place} is full.`,
      fix: 'Free space on that disk (or give the folder more quota), then run again: nothing is lost, the next run continues where this one stopped.',
      target: 'storage',
      detail,
    });
  }
  if (code === 'SQLITE_READONLY' || code === 'EROFS') {
    return new ArchiverError({
      code: 'permission-denied',
      message: `The archiver's data folder${place} cannot be written (read-only).`,
      fix: 'Make the folder writable for the account the archiver runs as, then run again: nothing is lost.',
      target: 'storage',
      detail,
    });
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new ArchiverError({
      code: 'internal',
      message: `Writing to the archiver's data folder${place} failed (a disk or file-system error).`,
      fix: 'Check the disk (and its free space), then run again: nothing is lost, the next run continues where this one stopped.',
      target: 'storage',
      detail,
    });
  }
  return null;
}

/**
 * Any failure of a run or a command as a reason: a storage problem in its own words (with
 * `where`), an `ArchiverError` as it is, anything else by its text. Rendered by `reasonWords`.
 */
export function failureReason(error: unknown, where?: string): OutcomeReason {
  return reasonOf(storageProblem(error, where) ?? error);
}
