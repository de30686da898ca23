import { ArchiverError, type ContractErrorValue } from '../../../shared/errors';
import type { ConversationRecord } from '../store/repos/conversations';
import { SymphonyHttpError, SymphonyNetworkError, TruncatedDownloadError } from './http';

/** Any failure as an officer-readable value, naming what it was about. */
export function describeFailure(error: unknown, target: string): ContractErrorValue {
  if (ArchiverError.is(error)) return { ...error.toValue(), target: error.target ?? target };
  if (error instanceof SymphonyHttpError && error.isClientBug) {
    return {
      code: 'internal',
      message: `Symphony refused the archiver's request as malformed (HTTP ${error.status}, ${error.status === 406 ? 'the Accept header' : 'the Content-Type'} does not match what the endpoint serves): this is a bug in the archiver, not a problem of the pod.`,
      fix: 'Report this to the archiver\'s maintainers with the detail; the next run tries again.',
      target,
      detail: error.message,
    };
  }
  if (error instanceof SymphonyHttpError) {
    const server = error.serverMessage;
    const code = error.status === 429 ? 'throttled' : error.status === 401 ? 'auth-failed' : error.status === 403 ? 'permission-denied' : error.status === 404 ? 'not-found' : 'unreachable';
    return {
      code,
      message: `Symphony answered HTTP ${error.status}${server ? ` (${server})` : ''}${error.status >= 500 || error.status === 429 ? ' even after several retries' : ''}.`,
      fix: error.status >= 500 || error.status === 429 ? 'The next run tries again; if it keeps failing, ask Symphony support about the pod\'s health.' : undefined,
      target,
      detail: error.message,
    };
  }
  if (error instanceof SymphonyNetworkError) {
    return { code: 'unreachable', message: `${error.timedOut ? 'Symphony did not answer in time' : 'Symphony could not be reached'}, even after several retries.`, fix: 'The next run tries again; check the network and proxy if it persists.', target, detail: error.message };
  }
  if (error instanceof TruncatedDownloadError) {
    return { code: 'unreachable', message: error.message, fix: 'The next run tries again.', target };
  }
  return { code: 'internal', message: 'An unexpected error stopped this part of the capture. The details are in the log.', target, detail: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

/**
 * A stream the service account cannot read. Whether /agent/v4 serves streams the account is not
 * a member of is unconfirmed (FACTS.md), so both a 403 and an empty answer for a non-member are
 * reported, never skipped in silence.
 */
export function notReadableError(record: ConversationRecord, error: SymphonyHttpError | undefined, isMember: boolean): ArchiverError {
  const what = `${record.streamType === 'ROOM' ? `room "${record.name}"` : record.streamType} ${record.streamId}`;
  const fix = 'Add the service account to the conversation, or capture this pod through Datahose or Content Export, which see every conversation.';
  if (error) {
    return new ArchiverError(
      {
        code: 'permission-denied',
        message: `Symphony refused to let the service account read the ${what} (HTTP ${error.status})${isMember ? '' : '; the account is not a member of it'}.`,
        fix,
        target: record.streamId,
        detail: error.message,
      },
      { cause: error },
    );
  }
  return new ArchiverError({
    code: 'permission-denied',
    message: `The service account is not a member of the ${what} and Symphony returned no messages for it; any messages it has could not be captured.`,
    fix,
    target: record.streamId,
  });
}
