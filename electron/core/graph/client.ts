import { createHash } from 'node:crypto';
import { Client, HTTPMessageHandler, ResponseType } from '@microsoft/microsoft-graph-client';
import { requestSignal, type RequestSignal } from '../platform/abort';
import { parseRetryAfter } from '../platform/retry';
import { systemClock, type Clock } from '../platform/clock';
import { GraphNetworkError, GraphRequestError } from './errors';
import { MailboxThrottle } from './throttle';

/** Gives the current access token; called per request, so renewal happens underneath. */
export type TokenProvider = () => Promise<string>;

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com (no version); tests pass the emulator's URL. */
  baseUrl: string;
  getToken: TokenProvider;
  throttle?: MailboxThrottle;
  clock?: Clock;
  /** A request with no answer after this long is abandoned (its outcome is then unknown). */
  requestTimeoutMs?: number;
  /**
   * How long after a request was abandoned Microsoft 365 may still apply it: the service's
   * longest processing time (docs/decisions/graph-import.md, "Unknown outcomes"). An unknown
   * outcome is settled only after its request's deadline plus this.
   */
  settleMarginMs?: number;
  /** Backoff of every retry made on behalf of this client (platform/retry.ts). */
  retry?: { baseMs?: number; maxMs?: number };
}

export interface GraphRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under /v1.0, e.g. /users/a@b/mailFolders/inbox. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** A `text/plain` body sent as it is instead of JSON (importMime's base64 MIME). */
  text?: string;
  /** `beta` only for calls Microsoft offers nowhere else (importMime); v1.0 otherwise. */
  version?: 'v1.0' | 'beta';
  /** Which mailbox the request counts against (concurrency, upload budget). */
  mailbox?: string;
  signal?: AbortSignal;
  /**
   * Called once the mailbox throttle lets the request go, right before it is sent, with its deadline
   * (the moment it is abandoned without an answer). The request waits for the returned promise:
   * the importer commits `sending` and the request's deadline there, in one transaction.
   */
  beforeSend?: (deadline: Date) => Promise<void>;
}

/** Default of `settleMarginMs`; see the decision record for where the number comes from. */
export const DEFAULT_SETTLE_MARGIN_MS = 5 * 60_000;

export interface GraphResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Microsoft Graph through the official JavaScript client, with our own middleware chain: the
 * SDK's retry handler is left out because retries must know whether a create may have been
 * applied (see importer.ts), and every request runs under the mailbox throttle.
 */
export class GraphClient {
  readonly throttle: MailboxThrottle;
  readonly retry: { baseMs?: number; maxMs?: number };
  /** A request without an answer after this long is abandoned. */
  readonly timeoutMs: number;
  readonly settleMarginMs: number;
  private readonly client: Client;
  private readonly clock: Clock;

  constructor(readonly options: GraphClientOptions) {
    this.throttle = options.throttle ?? new MailboxThrottle();
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.requestTimeoutMs ?? 120_000;
    this.settleMarginMs = options.settleMarginMs ?? DEFAULT_SETTLE_MARGIN_MS;
    this.retry = options.retry ?? {};
    this.client = Client.initWithMiddleware({ middleware: new HTTPMessageHandler(), baseUrl: options.baseUrl.replace(/\/+$/, '') + '/', defaultVersion: 'v1.0' });
  }

  async request<T = unknown>(request: GraphRequest): Promise<GraphResponse<T>> {
    const text = request.text ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    const bytes = text ? Buffer.byteLength(text) : 0;
    const run = (sent: () => void = () => {}) => this.send<T>(request, text, sent);
    return request.mailbox ? this.throttle.run(request.mailbox, bytes, run, request.signal) : run();
  }

  private async send<T>(request: GraphRequest, text: string | undefined, sent: () => void): Promise<GraphResponse<T>> {
    // The token is fetched here, not in a middleware: the SDK would turn a lost sign-in
    // (ArchiverError `sign-in-required`) into a GraphError that reads like a network failure,
    // and the run would retry it instead of stopping for the officer to sign in.
    const token = await this.options.getToken();
    const limit = await this.deadlineSignal(request.signal, request.beforeSend);
    try {
      sent();
      return await this.sendWithin<T>(request, text, token, limit.signal);
    } finally {
      limit.dispose();
    }
  }

  private async sendWithin<T>(request: GraphRequest, text: string | undefined, token: string, signal: AbortSignal): Promise<GraphResponse<T>> {
    let api = this.client.api(request.path).responseType(ResponseType.RAW).option('signal', signal).header('Authorization', `Bearer ${token}`);
    if (request.version) api = api.version(request.version);
    if (request.query) api = api.query(request.query);
    let raw: Response;
    try {
      if (request.method === 'GET') raw = (await api.get()) as Response;
      else if (request.method === 'DELETE') raw = (await api.delete()) as Response;
      else {
        api = api.header('Content-Type', request.text === undefined ? 'application/json' : 'text/plain');
        raw = (await (request.method === 'POST' ? api.post(text) : request.method === 'PUT' ? api.put(text) : api.patch(text))) as Response;
      }
    } catch (error) {
      throw new GraphNetworkError(`${request.method} ${request.path}: ${describeNetworkError(error)}`, { cause: error });
    }
    return this.finish<T>(raw, request.mailbox, `${request.method} ${request.path}`);
  }

  /**
   * Reads a binary resource (an attachment's `$value`) as a stream and returns its length and
   * SHA-256; the bytes are never held whole in memory.
   */
  async download(path: string, mailbox: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
    return this.throttle.run(
      mailbox,
      0,
      async () => {
        const token = await this.options.getToken();
        const limit = requestSignal(signal, this.timeoutMs);
        try {
          return await this.hashBody(path, mailbox, token, limit.signal);
        } finally {
          limit.dispose();
        }
      },
      signal,
    );
  }

  private async hashBody(path: string, mailbox: string, token: string, signal: AbortSignal): Promise<{ size: number; sha256: string }> {
    let raw: Response;
    try {
      raw = (await this.client.api(path).responseType(ResponseType.RAW).option('signal', signal).header('Authorization', `Bearer ${token}`).get()) as Response;
    } catch (error) {
      throw new GraphNetworkError(`GET ${path}: ${describeNetworkError(error)}`, { cause: error });
    }
    // finish() throws for any status that is not 2xx.
    if (raw.status < 200 || raw.status >= 300) await this.finish<never>(raw, mailbox, `GET ${path}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of (raw.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
      }
    } catch (error) {
      throw new GraphNetworkError(`GET ${path}: the answer was cut off (${describeNetworkError(error)})`, { cause: error });
    }
    return { size, sha256: hash.digest('hex') };
  }

  /**
   * A PUT to an upload session's pre-authenticated URL: no Authorization header (Graph refuses
   * one there), counted against the mailbox like any other request.
   */
  async putChunk<T = unknown>(
    mailbox: string,
    uploadUrl: string,
    chunk: Buffer,
    range: { start: number; end: number; total: number },
    signal?: AbortSignal,
    beforeSend?: (deadline: Date) => Promise<void>,
  ): Promise<GraphResponse<T>> {
    return this.throttle.run(
      mailbox,
      chunk.length,
      async (sent) => {
        const limit = await this.deadlineSignal(signal, beforeSend);
        try {
          sent();
          let raw: Response;
          try {
            raw = await fetch(uploadUrl, {
              method: 'PUT',
              body: chunk as unknown as BodyInit,
              headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${range.start}-${range.end}/${range.total}` },
              signal: limit.signal,
            });
          } catch (error) {
            throw new GraphNetworkError(`PUT upload ${range.start}-${range.end}: ${describeNetworkError(error)}`, { cause: error });
          }
          return await this.finish<T>(raw, mailbox, 'PUT upload');
        } finally {
          limit.dispose();
        }
      },
      signal,
    );
  }

  /**
   * The request's timeout, ending exactly at the deadline handed to `beforeSend` (the commit in
   * between counts against it), so the recorded deadline is never earlier than the real one.
   */
  private async deadlineSignal(parent: AbortSignal | undefined, beforeSend: ((deadline: Date) => Promise<void>) | undefined): Promise<RequestSignal> {
    if (!beforeSend) return requestSignal(parent, this.timeoutMs);
    const deadline = Date.now() + this.timeoutMs;
    await beforeSend(new Date(this.clock.now() + this.timeoutMs));
    return requestSignal(parent, Math.max(1, deadline - Date.now()));
  }

  async deleteUploadSession(mailbox: string, uploadUrl: string): Promise<void> {
    await this.throttle.run(mailbox, 0, async () => {
      try {
        const limit = requestSignal(undefined, this.timeoutMs);
        try {
          const raw = await fetch(uploadUrl, { method: 'DELETE', signal: limit.signal });
          await raw.arrayBuffer();
        } finally {
          limit.dispose();
        }
      } catch {
        // An abandoned session expires by itself; failing to delete it changes nothing.
      }
    });
  }

  private async finish<T>(raw: Response, mailbox: string | undefined, what: string): Promise<GraphResponse<T>> {
    let text: string;
    try {
      text = await raw.text();
    } catch (error) {
      throw new GraphNetworkError(`${what}: the answer was cut off (${describeNetworkError(error)})`, { cause: error });
    }
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (raw.status >= 200 && raw.status < 300) return { status: raw.status, headers: raw.headers, body: body as T };
    const retryAfterMs = parseRetryAfter(raw.headers.get('retry-after'), this.clock.now());
    if (mailbox && retryAfterMs !== undefined && (raw.status === 429 || raw.status === 503)) this.throttle.pause(mailbox, retryAfterMs);
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new GraphRequestError(raw.status, error?.code ?? `HTTP${raw.status}`, `${what}: ${error?.message ?? raw.statusText}`, retryAfterMs, body);
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : '';
    return [error.name === 'TimeoutError' ? 'timed out' : error.message, causeText].filter(Boolean).join(' — ');
  }
  return String(error);
}

/** Quotes a value for an OData string literal. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function userPath(mailbox: string): string {
  return `/users/${encodeURIComponent(mailbox)}`;
}
