import type { z } from 'zod';
import { ArchiverError } from '../../../shared/errors';
import type { SymphonySettings } from '../../../shared/contract/capture';
import { checkPodUrl } from '../../../shared/contract/fields';
import { systemClock, type Clock } from '../platform/clock';
import { silentLogger, type Logger } from '../platform/logger';
import { withRetry } from '../platform/retry';
import { MAX_ATTACHMENT_BYTES, saveBase64Body } from './attachment-download';
import { SymphonyAuthenticator } from './auth';
import { classifySymphonyError, HttpTransport, SymphonyHttpError } from './http';
import { toUrlSafeId } from './ids';
import {
  adminStreamListSchema,
  membershipListSchema,
  sessionInfoSchema,
  userListSchema,
  type AdminStream,
  type DirectoryUser,
  type SessionInfo,
  type StreamMember,
} from './schemas';

export interface RetryTuning {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export interface ClientOptions {
  clock?: Clock;
  logger?: Logger;
  signal?: AbortSignal;
  /** Per JSON request. */
  timeoutMs?: number;
  retry?: Partial<RetryTuning>;
  /** Injectable for tests; Math.random otherwise. */
  random?: () => number;
  /** Told of every retry (after the wait is chosen, before it starts). */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

/** The body of a Datahose read (V5EventsReadBody of the agent spec). */
export interface DatahoseReadBody {
  type: 'datahose';
  /** 1 to 80 characters; the same tag (and filters) reads the same feed. */
  tag: string;
  eventTypes: readonly string[];
  /** Omitted: every scope (agents before 25.8 do not know the field). */
  scopes?: readonly string[];
  /** '' on the first read; then the ackId of the last batch stored. */
  ackId: string;
  /** false: reading must not show the service account as available. */
  updatePresence: boolean;
}

/** A Datahose read may be held open by the agent while it waits for events. */
export const DATAHOSE_READ_TIMEOUT_MS = 90_000;

/** What every JSON call of the specs produces and consumes. */
export const JSON_MEDIA_TYPE = 'application/json';
/** What the agent spec's attachment download produces (its body is still base64 text). */
export const ATTACHMENT_MEDIA_TYPE = 'application/octet-stream';

/** Page sizes: the maxima Symphony accepts. */
export const LIMITS = { streams: 100, members: 1000, messages: 500, users: 100 } as const;

/**
 * The Symphony REST calls the capture needs. Every call retries 429, 5xx and network failures
 * with backoff (honouring Retry-After), and a 401 triggers exactly one fresh login before the
 * call is repeated.
 */
export class SymphonyClient {
  readonly auth: SymphonyAuthenticator;
  readonly http: HttpTransport;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly base: { pod: string; agent: string; keyManager: string };
  /** Retries done (throttling, server errors, network), for the summary and the tests. */
  retries = 0;
  reauthentications = 0;

  constructor(
    readonly settings: Pick<SymphonySettings, 'podUrl' | 'agentUrl' | 'keyManagerUrl' | 'username' | 'privateKeyPath' | 'proxyUrl'>,
    private readonly options: ClientOptions = {},
  ) {
    if (!settings.podUrl) {
      throw new ArchiverError({ code: 'invalid-input', message: 'The pod URL is not set.', fix: 'Enter the pod address, such as https://acme.symphony.com.', target: 'settings.symphony.podUrl' });
    }
    if (!settings.username) {
      throw new ArchiverError({ code: 'invalid-input', message: 'The service account username is not set.', fix: 'Enter the username of the service account.', target: 'settings.symphony.username' });
    }
    const pod = normalisedBase(settings.podUrl, 'podUrl');
    this.base = {
      pod,
      agent: settings.agentUrl ? normalisedBase(settings.agentUrl, 'agentUrl') : pod,
      keyManager: settings.keyManagerUrl ? normalisedBase(settings.keyManagerUrl, 'keyManagerUrl') : pod,
    };
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.http = new HttpTransport({ proxyUrl: settings.proxyUrl || undefined, timeoutMs: options.timeoutMs ?? 30_000 });
    this.auth = new SymphonyAuthenticator({
      username: settings.username,
      privateKeyPath: settings.privateKeyPath,
      endpoints: { pod: this.base.pod, keyManager: this.base.keyManager },
      http: this.http,
      clock: this.clock,
      signal: options.signal,
    });
  }

  /** The account the archiver is logged in as (GET /pod/v2/sessioninfo). */
  async sessionInfo(): Promise<SessionInfo> {
    return this.parse(sessionInfoSchema, await this.call('pod', 'GET', '/pod/v2/sessioninfo'), 'session info');
  }

  /** One page of the pod's streams (POST /pod/v2/admin/streams/list). */
  async listStreams(skip: number, limit: number, streamTypes: readonly string[]): Promise<{ count: number | null; streams: AdminStream[] }> {
    const body = { streamTypes: streamTypes.map((type) => ({ type })) };
    const page = this.parse(adminStreamListSchema, await this.call('pod', 'POST', '/pod/v2/admin/streams/list', { skip, limit }, body), 'stream list');
    return { count: page.count ?? null, streams: page.streams };
  }

  /** Every stream of the given types, following skip/limit until a short page. */
  async allStreams(streamTypes: readonly string[]): Promise<AdminStream[]> {
    const all: AdminStream[] = [];
    for (let skip = 0; ; skip += LIMITS.streams) {
      const page = await this.listStreams(skip, LIMITS.streams, streamTypes);
      all.push(...page.streams);
      if (page.streams.length < LIMITS.streams || (page.count !== null && skip + page.streams.length >= page.count)) break;
    }
    const seen = new Set<string>();
    // A stream created while paging can shift a page: keep each id once.
    return all.filter((s) => !seen.has(toUrlSafeId(s.id)) && seen.add(toUrlSafeId(s.id)));
  }

  /** Every member of a stream (GET /pod/v1/admin/stream/{id}/membership/list, paged). */
  async allMembers(streamId: string): Promise<StreamMember[]> {
    const all: StreamMember[] = [];
    const sid = encodeURIComponent(toUrlSafeId(streamId));
    for (let skip = 0; ; skip += LIMITS.members) {
      const page = this.parse(membershipListSchema, await this.call('pod', 'GET', `/pod/v1/admin/stream/${sid}/membership/list`, { skip, limit: LIMITS.members }), 'membership list');
      all.push(...page.members);
      if (page.members.length < LIMITS.members || (page.count != null && skip + page.members.length >= page.count)) break;
    }
    return all;
  }

  /** Directory entries for up to 100 user ids (GET /pod/v3/users); 204 gives []. */
  async users(userIds: readonly string[]): Promise<DirectoryUser[]> {
    if (userIds.length === 0) return [];
    if (userIds.length > LIMITS.users) throw new Error(`users(): at most ${LIMITS.users} ids per call`);
    const body = await this.call('pod', 'GET', '/pod/v3/users', { uid: userIds.join(','), local: false });
    return body === undefined ? [] : this.parse(userListSchema, body, 'user list').users;
  }

  /**
   * One page of a stream's messages (GET /agent/v4/stream/{sid}/message), raw as received so
   * that they can be stored verbatim. 204 gives [].
   */
  async messages(streamId: string, since: number, skip: number, limit: number = LIMITS.messages): Promise<unknown[]> {
    const sid = encodeURIComponent(toUrlSafeId(streamId));
    const body = await this.call('agent', 'GET', `/agent/v4/stream/${sid}/message`, { since, skip, limit });
    if (body === undefined) return [];
    if (!Array.isArray(body)) throw this.shapeError('message list', 'expected an array');
    return body;
  }

  /**
   * One Datahose read (POST /agent/v5/events/read), raw as received: the body carries the ackId
   * of the previous batch, which acknowledges it. The agent may hold the request open while it
   * waits for events (long poll), hence the longer timeout.
   */
  async readEvents(body: DatahoseReadBody, timeoutMs = DATAHOSE_READ_TIMEOUT_MS): Promise<unknown> {
    return this.call('agent', 'POST', '/agent/v5/events/read', undefined, body, timeoutMs);
  }

  /**
   * Downloads an attachment (GET /agent/v1/stream/{sid}/attachment, a base64 body) straight to
   * `dest`, refusing it by its declared size first and again while streaming.
   */
  async downloadAttachment(
    ref: { streamId: string; messageId: string; attachmentId: string; declaredSize: number },
    dest: string,
    maxBytes = MAX_ATTACHMENT_BYTES,
  ): Promise<{ size: number; sha256: string }> {
    const sid = encodeURIComponent(toUrlSafeId(ref.streamId));
    const query = { fileId: ref.attachmentId, messageId: toUrlSafeId(ref.messageId) };
    // Large files at a slow 256 KB/s still finish; the floor covers latency.
    const timeoutMs = (this.options.timeoutMs ?? 30_000) + Math.ceil((ref.declaredSize / (256 * 1024)) * 1000);
    return this.retrying(() =>
      // The agent spec produces only application/octet-stream here, though the body is the file
      // as base64 text; a strict agent refuses any other Accept with 406.
      this.authed('agent', ATTACHMENT_MEDIA_TYPE, async (headers) => {
        const response = await this.http.send(this.url('agent', `/agent/v1/stream/${sid}/attachment`, query), { method: 'GET', headers, signal: this.options.signal, timeoutMs });
        return saveBase64Body(response, dest, { declaredSize: ref.declaredSize, maxBytes }, this.options.signal);
      }),
    );
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async call(kind: 'pod' | 'agent', method: 'GET' | 'POST', path: string, query?: Record<string, string | number | boolean>, body?: unknown, timeoutMs?: number): Promise<unknown> {
    const url = this.url(kind, path, query);
    return this.retrying(() =>
      this.authed(kind, JSON_MEDIA_TYPE, (headers) =>
        this.http.json(url, {
          method,
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: this.options.signal,
          timeoutMs,
        }),
      ),
    );
  }

  private retrying<T>(fn: () => Promise<T>): Promise<T> {
    const tuning = this.options.retry ?? {};
    return withRetry(fn, {
      attempts: tuning.attempts ?? 10,
      baseMs: tuning.baseMs ?? 500,
      maxMs: tuning.maxMs ?? 5 * 60_000,
      clock: this.clock,
      signal: this.options.signal,
      random: this.options.random,
      classify: classifySymphonyError,
      onRetry: ({ attempt, waitMs, reason }) => {
        this.retries++;
        this.options.onRetry?.({ attempt, waitMs, reason });
        this.logger.debug(`retry ${attempt} in ${Math.round(waitMs)} ms: ${reason}`);
      },
    });
  }

  /** Runs a request with the session (and, for the agent, key manager) token; one re-login on 401. */
  private async authed<T>(kind: 'pod' | 'agent', accept: string, fn: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.auth.sessionToken();
      const keyManager = kind === 'agent' ? await this.auth.keyManagerToken() : undefined;
      const headers: Record<string, string> = { accept, sessionToken: session };
      if (keyManager) headers.keyManagerToken = keyManager;
      try {
        return await fn(headers);
      } catch (error) {
        if (!(error instanceof SymphonyHttpError) || error.status !== 401) throw error;
        if (attempt >= 2) {
          throw new ArchiverError(
            {
              code: 'auth-failed',
              message: 'Symphony refused the service account\'s session even right after a fresh login.',
              fix: 'Check that the service account is active and holds the roles the archiver needs.',
              detail: error.message,
            },
            { cause: error },
          );
        }
        this.reauthentications++;
        this.logger.info(`session refused (401) on ${new URL(error.url).pathname}; logging in again`);
        await this.auth.invalidate('session', session);
        if (keyManager) await this.auth.invalidate('keyManager', keyManager);
      }
    }
  }

  private url(kind: 'pod' | 'agent', path: string, query?: Record<string, string | number | boolean>): string {
    const url = new URL((kind === 'agent' ? this.base.agent : this.base.pod) + path);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v));
    return url.toString();
  }

  private parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
    const result = schema.safeParse(body);
    if (!result.success) throw this.shapeError(what, result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return result.data;
  }

  private shapeError(what: string, detail: string): ArchiverError {
    return new ArchiverError({
      code: 'internal',
      message: `Symphony answered with a ${what} the archiver does not understand.`,
      fix: 'Check that the URLs point at the pod and its agent; report the detail if they do.',
      detail,
    });
  }
}

/**
 * `https://host[:port]` of a pod, agent or key manager, by the same rules the settings form
 * applies (shared/contract/fields.ts): request paths are appended to it, so a query string or an
 * undocumented path stored by an older version must be refused here rather than glued in.
 */
function normalisedBase(url: string, field: 'podUrl' | 'agentUrl' | 'keyManagerUrl'): string {
  const checked = checkPodUrl(url);
  if ('problem' in checked) throw new ArchiverError({ code: 'invalid-input', message: checked.problem, fix: 'Correct the address in the connector setup.', target: `settings.symphony.${field}` });
  return checked.url;
}
