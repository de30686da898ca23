import { ArchiverError, errorText } from '../../../shared/errors';
import type { Clock } from '../platform/clock';
import type { RetryDecision, RetryOptions } from '../platform/retry';

/** An answer from Graph other than 2xx, with Graph's `{error: {code, message}}` unpacked. */
export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs: number | undefined,
    readonly body: unknown,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'GraphRequestError';
  }

  /** 429 is refused before any work is done; every other failure may or may not have been applied. */
  get definitelyNotApplied(): boolean {
    return this.status === 429 || (this.status >= 400 && this.status < 500 && this.status !== 408);
  }
}

/** No answer at all: reset, timeout, refused connection. Whether the server acted is unknown. */
export class GraphNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GraphNetworkError';
  }
}

export function isGraphError(error: unknown, status?: number, code?: string): error is GraphRequestError {
  return error instanceof GraphRequestError && (status === undefined || error.status === status) && (code === undefined || error.code === code);
}

/** Retry policy for Graph: throttling and outages wait (Retry-After wins), client errors do not. */
export function classifyGraphError(error: unknown): RetryDecision {
  if (error instanceof GraphNetworkError) return { retry: true, reason: error.message };
  if (error instanceof GraphRequestError) {
    if (error.status === 429 || error.status === 503) return { retry: true, afterMs: error.retryAfterMs, reason: `${error.status} ${error.code}` };
    if (error.status >= 500 || error.status === 408) return { retry: true, afterMs: error.retryAfterMs, reason: `${error.status} ${error.code}` };
    if (error.status === 401 && /expired|lifetime/i.test(error.message)) return { retry: true, reason: 'token expired' };
    return { retry: false };
  }
  if (ArchiverError.is(error) && error.code === 'unreachable') return { retry: true, reason: error.message };
  return { retry: false };
}

/**
 * The retry policy of every Graph call a run makes per call — deliveries (importer.ts) and
 * directory look-ups alike: 10 attempts with the client's backoff, Retry-After honoured.
 */
export function graphRetryPolicy(retry: { baseMs?: number; maxMs?: number }, clock?: Clock): Omit<RetryOptions, 'signal' | 'onRetry'> {
  return { ...retry, attempts: 10, clock, classify: classifyGraphError };
}

/** The officer-facing form of a Graph failure about one mailbox. */
export function describeGraphFailure(error: unknown, mailbox: string): ArchiverError {
  if (ArchiverError.is(error)) return error;
  if (error instanceof GraphRequestError) {
    if (error.status === 401) {
      return new ArchiverError({ code: 'auth-failed', message: 'Microsoft 365 did not accept the archiver\'s sign-in.', fix: 'Sign in again, or check the certificate and the app registration of this connector.', target: mailbox, detail: error.message });
    }
    if (error.status === 403 && /Mail-Advanced/.test(error.message)) {
      return new ArchiverError({ code: 'permission-denied', message: `Microsoft 365 refused importMime for ${mailbox}: the app lacks Mail-Advanced.ReadWrite.All.`, fix: 'Grant the application permission Mail-Advanced.ReadWrite.All (delegated: Mail-Advanced.ReadWrite) with admin consent and run Check import, or set the connector\'s import method to JSON create.', target: mailbox, detail: error.message });
    }
    if (error.status === 403) {
      return new ArchiverError({ code: 'permission-denied', message: `The archiver may not write to the mailbox ${mailbox}.`, fix: 'Grant the app Mail.ReadWrite for this mailbox (check application access policies).', target: mailbox, detail: error.message });
    }
    if (error.status === 413 && error.code !== 'ErrorMessageSizeExceeded') {
      // The request, not the item, was too large: the mailbox size cannot help (issue 17).
      return new ArchiverError({ code: 'too-large', message: `A request for an item to ${mailbox} was larger than Microsoft Graph accepts in one request (4 MB).`, fix: 'This is a fault in how the archiver planned the item; report it with the run log. The item stays in the ledger and is tried again on the next run.', target: mailbox, detail: error.message });
    }
    if (error.code === 'ErrorMessageSizeExceeded' || error.status === 413) {
      return new ArchiverError({ code: 'too-large', message: `An item is larger than the mailbox ${mailbox} accepts.`, fix: 'Raise the mailbox\'s maximum receive size (up to 150 MB) in Exchange Online.', target: mailbox, detail: error.message });
    }
    if (error.status === 429) {
      return new ArchiverError({ code: 'throttled', message: `Microsoft 365 kept throttling requests to ${mailbox}.`, fix: 'Nothing to do; the next run continues where this one stopped.', target: mailbox, detail: error.message });
    }
    return new ArchiverError({ code: error.status >= 500 ? 'unreachable' : 'invalid-input', message: `Microsoft 365 refused an item for ${mailbox} (${error.code}).`, target: mailbox, detail: error.message });
  }
  if (error instanceof GraphNetworkError) {
    return new ArchiverError({ code: 'unreachable', message: 'Microsoft 365 could not be reached.', fix: 'Check the network or proxy; the next run continues where this one stopped.', target: mailbox, detail: error.message });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') {
    const file = (error as NodeJS.ErrnoException).path ?? 'a spooled attachment';
    return new ArchiverError({
      code: 'not-found',
      message: `An attachment of this item cannot be read from the spool (${file}).`,
      fix: 'Check that the data folder is intact and readable by the archiver; a purge or an antivirus may have removed the file. Retry the item once the file is back, or skip it with a reason.',
      target: mailbox,
      detail: (error as Error).message,
    });
  }
  // The stack belongs in the application log, not in the item's reason the officer reads.
  return new ArchiverError({ code: 'internal', message: `Delivering to ${mailbox} failed unexpectedly.`, fix: 'The details are in the application log; the next run tries again.', target: mailbox, detail: errorText(error) });
}
