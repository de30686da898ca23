import { Agent, fetch, ProxyAgent, type Dispatcher, type Response } from 'undici';
import { ArchiverError } from '../../../shared/errors';
import { parseRetryAfter, type RetryDecision } from '../platform/retry';
import { parseJson } from './json';

/** A non-2xx answer from Symphony, with the parsed `{code, message, details}` when there was one. */
export class SymphonyHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly body: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status} from ${redact(url)}${describeBody(body)}`);
    this.name = 'SymphonyHttpError';
  }

  /**
   * 406 (Accept) and 415 (Content-Type): the request did not match the published description
   * of the endpoint. Nothing on the pod's side causes these, so they are the archiver's bug.
   */
  get isClientBug(): boolean {
    return this.status === 406 || this.status === 415;
  }

  /** The `message` of Symphony's error body, when it sent one. */
  get serverMessage(): string | undefined {
    try {
      const parsed = JSON.parse(this.body) as { message?: unknown };
      return typeof parsed.message === 'string' ? parsed.message : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A network failure or timeout: the request may not have reached Symphony. */
export class SymphonyNetworkError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
    readonly timedOut: boolean,
  ) {
    super(`${timedOut ? 'Timed out' : 'Network error'} calling ${redact(url)}: ${causeText(cause)}`, { cause });
    this.name = 'SymphonyNetworkError';
  }
}

export interface HttpSettings {
  proxyUrl?: string;
  /** Per request (headers and body) for JSON calls. */
  timeoutMs: number;
}

/** One connection pool (or proxy) per client, closed with it. */
export class HttpTransport {
  readonly dispatcher: Dispatcher;

  constructor(readonly settings: HttpSettings) {
    this.dispatcher = settings.proxyUrl ? new ProxyAgent(settings.proxyUrl) : new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  }

  /** Sends one request; throws SymphonyNetworkError or SymphonyHttpError, never retries. */
  async send(url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; timeoutMs?: number }): Promise<Response> {
    const timeout = AbortSignal.timeout(init.timeoutMs ?? this.settings.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal, dispatcher: this.dispatcher });
    } catch (error) {
      if (init.signal?.aborted) throw cancelledError(init.signal);
      throw new SymphonyNetworkError(url, error, timeout.aborted);
    }
    if (response.status >= 400) {
      let body = '';
      try {
        body = await response.text();
      } catch {
        // The status is what matters; a broken error body must not hide it.
      }
      throw new SymphonyHttpError(response.status, url, body, parseRetryAfter(response.headers.get('retry-after')));
    }
    return response;
  }

  /** Sends and parses a JSON answer; 204 gives `undefined`. */
  async json(url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; timeoutMs?: number }): Promise<unknown> {
    const response = await this.send(url, init);
    if (response.status === 204) {
      await response.body?.cancel();
      return undefined;
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (init.signal?.aborted) throw cancelledError(init.signal);
      throw new SymphonyNetworkError(url, error, false);
    }
    if (text.trim() === '') return undefined;
    try {
      return parseJson(text);
    } catch (error) {
      // A cut-off body (proxy, dropped connection) is worth another try.
      throw new SymphonyNetworkError(url, new Error(`the answer is not valid JSON (${text.length} characters): ${String(error)}`), false);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** Which failures are worth retrying: throttling, server errors and network trouble. */
export function classifySymphonyError(error: unknown): RetryDecision {
  if (error instanceof SymphonyHttpError) {
    if (error.status === 429) return { retry: true, afterMs: error.retryAfterMs, reason: 'throttled (429)' };
    if (error.status >= 500) return { retry: true, afterMs: error.retryAfterMs, reason: `server error (${error.status})` };
    return { retry: false };
  }
  if (error instanceof SymphonyNetworkError) return { retry: true, reason: error.timedOut ? 'timeout' : 'network error' };
  if (error instanceof TruncatedDownloadError) return { retry: true, reason: 'truncated download' };
  // A login that could not reach the pod or key manager is as transient as any other call.
  if (ArchiverError.is(error) && error.code === 'unreachable' && error.cause instanceof SymphonyNetworkError) return { retry: true, reason: 'network error at login' };
  if (ArchiverError.is(error) && (error.cause instanceof SymphonyHttpError)) return classifySymphonyError(error.cause);
  return { retry: false };
}

/** An attachment whose body ended early or did not match the declared size. */
export class TruncatedDownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TruncatedDownloadError';
  }
}

export function cancelledError(signal?: AbortSignal): ArchiverError {
  return new ArchiverError({ code: 'cancelled', message: 'The capture was cancelled.', detail: signal?.reason ? String(signal.reason) : undefined });
}

function describeBody(body: string): string {
  const trimmed = body.trim();
  return trimmed ? `: ${trimmed.slice(0, 300)}` : '';
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}

/** Query strings can carry ids only; still, keep logs short and free of tokens. */
function redact(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}
