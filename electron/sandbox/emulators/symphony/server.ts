import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { BoundOperation, OpenApiContract } from '../../spec/openapi';
import { symphonyContract } from '../../spec/symphony';
import { reportViolation, takeViolations, type ContractViolation } from '../../spec/violations';
import { bigintJson } from './content';
import { DatahoseService, type DatahoseOptions } from './datahose';
import { FaultPlan, type FaultKind, type FaultOptions } from './faults';
import { attachmentChunks, normaliseId, opaqueToken, PodState, type EmStream, type EmUser, type PodOptions } from './model';
import { FilterError, streamFilter, type StreamFilter } from './stream-filter';
import { adminStream, userV2, v4Message } from './views';

export interface SymphonyEmulatorOptions extends PodOptions {
  faults?: FaultOptions;
  /** Session and key-manager token lifetime (ms). */
  sessionTtlMs?: number;
  /**
   * How /agent/v4 treats a stream the service account is not a member of (FACTS.md leaves it
   * unconfirmed): 403, an empty 204, or serve it anyway.
   */
  nonMemberRead?: 'forbidden' | 'empty' | 'allow';
  /** Agent calls need the keyManagerToken header (older agents; newer ones accept without). */
  requireKeyManagerToken?: boolean;
  /** `expire` faults spare sessions younger than this (ms). */
  minSessionAgeToExpireMs?: number;
  /** Added to every answer, as a network and a busy pod would. */
  latencyMs?: number;
  /** Largest accepted JWT lifetime (Symphony: 5 minutes). */
  maxJwtLifetimeSeconds?: number;
  /** POST /agent/v5/events/read: entitlement, where new feeds start, batch size, re-delivery. */
  datahose?: DatahoseOptions;
}

type Api = 'pod' | 'agent' | 'login';

interface Session {
  user: EmUser;
  kind: 'session' | 'keyManager';
  issuedAt: number;
  expiresAt: number;
}

interface Ctx {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: string[];
  body: string;
  api: Api;
  fault?: FaultKind;
  session?: Session;
  /** The operation of the FINOS description the request matched. */
  bound?: BoundOperation;
  /** An injected infrastructure fault answered: not the service's own answer, not checked. */
  injected?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface EmulatorCounters {
  requests: Record<string, number>;
  statuses: Record<string, number>;
  faults: Record<string, number>;
  logins: { session: number; keyManager: number; refused: number };
  messagesServed: number;
  attachmentBytesServed: number;
}

/**
 * A local Symphony pod + agent + key manager on one port, implementing the endpoints the capture
 * uses with the field names, limits, paging and error shapes of the public OpenAPI specs. It is
 * strict where the real service is (limits, required `since`, 204 on empty, signed JWTs, ids in
 * paths URL-safe) and can inject faults. Never simpler than the real service in a way a client
 * could come to rely on.
 */
export class SymphonyEmulator {
  readonly pod: PodState;
  readonly faults: FaultPlan;
  readonly datahose: DatahoseService;
  readonly counters: EmulatorCounters = { requests: {}, statuses: {}, faults: {}, logins: { session: 0, keyManager: 0, refused: 0 }, messagesServed: 0, attachmentBytesServed: 0 };
  /**
   * Streams whose member list the admin API refuses, with the status: 400 as for a stream of
   * another pod (the only client error the operation lists besides 401 and 403).
   */
  readonly membershipRefusals = new Map<string, 400 | 403 | 500>();
  private readonly sessions = new Map<string, Session>();
  private readonly server: http.Server;
  url = '';

  private constructor(
    readonly options: SymphonyEmulatorOptions,
    private readonly contract: OpenApiContract,
  ) {
    this.pod = new PodState(options);
    this.faults = new FaultPlan(options.faults);
    this.datahose = new DatahoseService(this.pod, options.datahose);
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  static async start(options: SymphonyEmulatorOptions = {}): Promise<SymphonyEmulator> {
    const emulator = new SymphonyEmulator(options, await symphonyContract());
    await new Promise<void>((resolve) => emulator.server.listen(0, '127.0.0.1', resolve));
    emulator.url = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
    return emulator;
  }

  /** Registers the RSA public key of the service account (or another user, by username). */
  registerKey(publicKey: KeyObject, username = this.pod.serviceAccount.username): void {
    const user = [...this.pod.users.values()].find((u) => u.username === username);
    if (!user) throw new Error(`no user ${username}`);
    user.publicKey = publicKey;
  }

  /** Every token issued so far stops working, as when sessions time out. */
  expireSessions(): void {
    for (const s of this.sessions.values()) s.expiresAt = 0;
  }

  /**
   * Takes the contract violations this emulator recorded (so that they no longer fail the test):
   * for tests that send a wrong request on purpose and check that it is caught.
   */
  takeViolations(): ContractViolation[] {
    return takeViolations(this);
  }

  resetCounters(): void {
    Object.assign(this.counters, { requests: {}, statuses: {}, faults: {}, logins: { session: 0, keyManager: 0, refused: 0 }, messagesServed: 0, attachmentBytesServed: 0 });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private routes: { method: string; pattern: RegExp; api: Api; name: string; auth: boolean; handler: (ctx: Ctx) => Promise<void> | void }[] = [
    { method: 'POST', pattern: /^\/login\/pubkey\/authenticate$/, api: 'login', name: 'login', auth: false, handler: (c) => this.login(c, 'session') },
    { method: 'POST', pattern: /^\/relay\/pubkey\/authenticate$/, api: 'login', name: 'relay', auth: false, handler: (c) => this.login(c, 'keyManager') },
    { method: 'GET', pattern: /^\/pod\/v2\/sessioninfo$/, api: 'pod', name: 'sessioninfo', auth: true, handler: (c) => this.json(c, 200, userV2(c.session!.user)) },
    { method: 'POST', pattern: /^\/pod\/v2\/admin\/streams\/list$/, api: 'pod', name: 'streams', auth: true, handler: (c) => this.listStreams(c) },
    { method: 'GET', pattern: /^\/pod\/v1\/admin\/stream\/([^/]+)\/membership\/list$/, api: 'pod', name: 'membership', auth: true, handler: (c) => this.membership(c) },
    { method: 'GET', pattern: /^\/pod\/v3\/users$/, api: 'pod', name: 'users', auth: true, handler: (c) => this.usersV3(c) },
    { method: 'GET', pattern: /^\/agent\/v4\/stream\/([^/]+)\/message$/, api: 'agent', name: 'messages', auth: true, handler: (c) => this.messages(c) },
    { method: 'GET', pattern: /^\/agent\/v1\/stream\/([^/]+)\/attachment$/, api: 'agent', name: 'attachment', auth: true, handler: (c) => this.attachment(c) },
    { method: 'POST', pattern: /^\/agent\/v5\/events\/read$/, api: 'agent', name: 'events', auth: true, handler: (c) => this.readEvents(c) },
  ];

  /** The pod's network goes down for `ms` (the sandbox's control): connections are cut, as a dropped link does. */
  goOffline(ms: number): void {
    this.offlineUntil = Date.now() + ms;
  }
  private offlineUntil = 0;

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (Date.now() < this.offlineUntil) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body = '';
    try {
      for await (const chunk of req) body += chunk;
    } catch {
      return;
    }
    if (url.pathname.startsWith('/__admin/')) return this.admin(req, res, url, body);
    const route = this.routes.find((r) => r.pattern.test(url.pathname));
    const api: Api = route?.api ?? (url.pathname.startsWith('/agent/') ? 'agent' : 'pod');
    const ctx: Ctx = { req, res, url, params: [], body, api };
    try {
      ctx.bound = this.contract.bind(req.method ?? 'GET', url.pathname);
      if (!route || req.method !== route.method || !ctx.bound) {
        // Not an operation of the descriptions: the client called something that does not exist.
        this.violation(ctx, 'request', undefined, [`${req.method} ${url.pathname} is not an operation the emulator serves from the FINOS descriptions`]);
        ctx.injected = true;
        throw new HttpError(route ? 405 : 404, route ? `Method ${req.method} not allowed` : `No such endpoint: ${req.method} ${url.pathname}`);
      }
      this.checkRequest(ctx);
      this.counters.requests[route.name] = (this.counters.requests[route.name] ?? 0) + 1;
      ctx.params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
      if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
      ctx.fault = this.faults.draw(url.pathname);
      if (ctx.fault) this.counters.faults[ctx.fault] = (this.counters.faults[ctx.fault] ?? 0) + 1;
      // Throttling and outages come from the network and gateways in front of the service, not
      // from its description (FACTS.md: the BDKs retry 429 and 5xx): their answers are not checked.
      ctx.injected = ctx.fault === '429' || ctx.fault === '500' || ctx.fault === '503';
      if (ctx.fault === 'slow') await new Promise((r) => setTimeout(r, this.faults.slowMs));
      if (ctx.fault === '429') throw new HttpError(429, 'Too many requests', { 'retry-after': String(this.faults.retryAfterSeconds) });
      if (ctx.fault === '500') throw new HttpError(500, 'Internal server error');
      if (ctx.fault === '503') throw new HttpError(503, 'Service unavailable', { 'retry-after': String(this.faults.retryAfterSeconds) });
      if (route.auth) ctx.session = this.authenticate(ctx);
      await route.handler(ctx);
    } catch (error) {
      if (!(error instanceof HttpError)) {
        this.violation(ctx, 'response', 500, [`the emulator failed: ${String(error)}`]);
        ctx.injected = true;
        this.send(ctx, 500, { code: 500, message: `Emulator failure: ${String(error)}` });
        return;
      }
      const payload: Record<string, unknown> = { code: error.status, message: error.message };
      if (api === 'agent') payload.details = {};
      this.send(ctx, error.status, payload, error.headers);
    }
  }

  /**
   * The request against its operation's description: media types (a server framework answers
   * 406 and 415 before the service sees the request), then parameters and body (400, or the
   * description's own client-error status where it lists no 400, as login does with 401).
   */
  private checkRequest(ctx: Ctx): void {
    const refusal = this.contract.checkRequest(ctx.bound!, { method: ctx.req.method ?? 'GET', pathname: ctx.url.pathname, search: ctx.url.search.slice(1), headers: ctx.req.headers, body: ctx.body });
    if (!refusal) return;
    const listed = Object.keys(ctx.bound!.operation.responses ?? {});
    const status = refusal.status === 400 && !listed.includes('400') ? Number(listed.find((s) => s.startsWith('4')) ?? 400) : refusal.status;
    this.violation(ctx, 'request', status, refusal.problems);
    // 406 and 415 come from the framework, outside the description.
    ctx.injected = status === 406 || status === 415;
    throw new HttpError(status, `Request refused: ${refusal.problems.join('; ')}`);
  }

  private violation(ctx: Ctx, direction: 'request' | 'response', status: number | undefined, problems: string[]): void {
    reportViolation({ service: 'symphony', direction, call: `${ctx.req.method} ${ctx.url.pathname}`, operation: ctx.bound?.name ?? 'no operation', status, problems, source: this });
  }

  /** An answer against the description: listed status, its media type and its schema. */
  private checkAnswer(ctx: Ctx, status: number, contentType: string | undefined, body: string | undefined): void {
    if (ctx.injected || !ctx.bound) return;
    const problems = this.contract.checkResponse(ctx.bound, status, contentType, body);
    if (problems.length) this.violation(ctx, 'response', status, problems);
  }

  /** The media type the description gives for this status (JSON where it gives none). */
  private mediaTypeFor(ctx: Ctx, status: number): string {
    return (ctx.bound && this.contract.mediaTypeFor(ctx.bound, status)) ?? 'application/json';
  }

  private authenticate(ctx: Ctx): Session {
    const token = header(ctx.req, 'sessiontoken');
    const session = token ? this.sessions.get(token) : undefined;
    if (!session || session.kind !== 'session' || session.expiresAt <= Date.now()) throw new HttpError(401, 'Invalid session');
    // A real session never expires the moment it was issued; an `expire` fault only ends older ones.
    if (ctx.fault === 'expire' && Date.now() - session.issuedAt >= (this.options.minSessionAgeToExpireMs ?? 250)) {
      session.expiresAt = 0;
      throw new HttpError(401, 'Invalid session');
    }
    if (ctx.api === 'agent') {
      const km = header(ctx.req, 'keymanagertoken');
      const kmSession = km ? this.sessions.get(km) : undefined;
      const required = this.options.requireKeyManagerToken ?? true;
      if ((required || km) && (!kmSession || kmSession.kind !== 'keyManager' || kmSession.expiresAt <= Date.now())) throw new HttpError(401, 'Invalid key manager token');
    }
    return session;
  }

  private async login(ctx: Ctx, kind: Session['kind']): Promise<void> {
    // login-api-public.yaml lists 401 for every authentication error ("malformed authentication
    // token" included) and no 400.
    const refuse = (why: string) => {
      this.counters.logins.refused++;
      return new HttpError(401, `Unauthorized: ${why}`);
    };
    const token = (JSON.parse(ctx.body) as { token?: unknown }).token;
    if (typeof token !== 'string') throw refuse('no authentication token');
    let sub: string | undefined;
    try {
      if (decodeProtectedHeader(token).alg !== 'RS512') throw refuse('JWT must be signed with RS512');
      const unverified = decodeJwt(token);
      // FACTS.md (from the BDKs and Symphony's RSA authentication guide): the claims are sub and exp, nothing else.
      const extra = Object.keys(unverified).filter((k) => k !== 'sub' && k !== 'exp');
      if (extra.length) throw refuse(`the JWT may carry only sub and exp (it has ${extra.join(', ')})`);
      sub = typeof unverified.sub === 'string' ? unverified.sub : undefined;
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw refuse('malformed JWT');
    }
    const user = [...this.pod.users.values()].find((u) => u.username === sub);
    if (!user?.publicKey) throw refuse('unknown user or no public key registered');
    let exp: number | undefined;
    try {
      const verified = await jwtVerify(token, user.publicKey, { algorithms: ['RS512'], requiredClaims: ['exp', 'sub'] });
      exp = verified.payload.exp;
    } catch (error) {
      throw refuse(`invalid token signature or expiry (${(error as Error).message})`);
    }
    // At most 5 minutes ahead (FACTS.md), to the second: no leeway a client could come to use.
    if (exp === undefined || exp - Math.floor(Date.now() / 1000) > (this.options.maxJwtLifetimeSeconds ?? 300)) throw refuse('token expiration is more than 5 minutes ahead');
    const value = opaqueToken();
    this.sessions.set(value, { user, kind, issuedAt: Date.now(), expiresAt: Date.now() + (this.options.sessionTtlMs ?? 3600_000) });
    this.counters.logins[kind]++;
    this.json(ctx, 200, { name: kind === 'session' ? 'sessionToken' : 'keyManagerToken', token: value });
  }

  private listStreams(ctx: Ctx): void {
    this.requireAdmin(ctx);
    const skip = intParam(ctx.url, 'skip', 0, 0);
    const limit = intParam(ctx.url, 'limit', 50, 1, 100);
    const filter = (ctx.body.trim() ? JSON.parse(ctx.body) : {}) as StreamFilter;
    let matches: (s: EmStream) => boolean;
    try {
      matches = streamFilter(this.pod, filter);
    } catch (error) {
      if (error instanceof FilterError) throw new HttpError(400, error.message);
      throw error;
    }
    const all = [...this.pod.streams.values()].filter(matches).sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
    const page = all.slice(skip, skip + limit);
    this.json(ctx, 200, { count: all.length, skip, limit, filter, streams: page.map((s) => adminStream(this.pod, s)) });
  }

  private membership(ctx: Ctx): void {
    this.requireAdmin(ctx);
    const stream = this.stream(ctx.params[0]!);
    const refused = this.membershipRefusals.get(stream.id);
    if (refused) throw new HttpError(refused, refused === 400 ? `Stream ${stream.id} is not a stream of this pod` : 'The member list cannot be read');
    const skip = intParam(ctx.url, 'skip', 0, 0);
    const limit = intParam(ctx.url, 'limit', 100, 1, 1000);
    const members = [...stream.members.entries()].filter(([, m]) => !m.left);
    const page = members.slice(skip, skip + limit).map(([id, m]) => {
      const u = this.pod.users.get(id)!;
      return {
        user: { userId: u.id, email: u.email, firstName: u.firstName || undefined, lastName: u.lastName || undefined, displayName: u.displayName, company: u.company, companyId: u.companyId, isExternal: u.external },
        isOwner: m.owner,
        isCreator: id === stream.createdBy,
        joinDate: m.joinDate,
      };
    });
    this.json(ctx, 200, { count: members.length, skip, limit, members: page });
  }

  private usersV3(ctx: Ctx): void {
    const uid = ctx.url.searchParams.get('uid');
    const email = ctx.url.searchParams.get('email');
    if ((uid ? 1 : 0) + (email ? 1 : 0) + (ctx.url.searchParams.get('username') ? 1 : 0) !== 1) throw new HttpError(400, 'Exactly one of uid, email or username must be given');
    const local = ctx.url.searchParams.get('local') === 'true';
    const keys = (uid ?? email ?? '').split(',').filter(Boolean);
    if (keys.length > 100) throw new HttpError(400, 'Search lists may contain up to 100 elements');
    const users: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const key of keys) {
      if (uid && !/^\d+$/.test(key)) {
        errors.push({ error: 'invalid.format', id: key });
        continue;
      }
      const u = uid ? this.pod.users.get(BigInt(key)) : [...this.pod.users.values()].find((x) => x.email.toLowerCase() === key.toLowerCase());
      if (u && (!local || !u.external)) users.push(userV2(u));
    }
    if (users.length === 0 && errors.length === 0) return this.send(ctx, 204);
    this.json(ctx, 200, errors.length ? { users, errors } : { users });
  }

  private messages(ctx: Ctx): void {
    const stream = this.stream(ctx.params[0]!);
    const sinceRaw = ctx.url.searchParams.get('since');
    if (sinceRaw === null || !/^\d+$/.test(sinceRaw)) throw new HttpError(400, 'Parameter since is required and must be a timestamp in milliseconds');
    const since = Number(sinceRaw);
    const untilRaw = ctx.url.searchParams.get('until');
    const until = untilRaw === null ? Number.POSITIVE_INFINITY : Number(untilRaw);
    const skip = intParam(ctx.url, 'skip', 0, 0);
    const limit = intParam(ctx.url, 'limit', 50, 1, 500);
    if (!stream.members.has(ctx.session!.user.id) || stream.members.get(ctx.session!.user.id)?.left) {
      const mode = this.options.nonMemberRead ?? 'forbidden';
      if (mode === 'forbidden') throw new HttpError(403, 'The user is not a member of this stream');
      if (mode === 'empty') return this.send(ctx, 204);
    }
    const page = stream.messages.filter((m) => m.timestamp >= since && m.timestamp <= until).slice(skip, skip + limit);
    if (page.length === 0) return this.send(ctx, 204);
    this.counters.messagesServed += page.length;
    this.json(ctx, 200, page.map((m) => v4Message(this.pod, stream, m)));
  }

  private async readEvents(ctx: Ctx): Promise<void> {
    const answer = await this.datahose.read(ctx.body);
    if (answer.status !== 200 || !('value' in answer)) throw new HttpError(answer.status, 'message' in answer ? answer.message : 'Datahose failure');
    this.json(ctx, 200, answer.value);
  }

  private async attachment(ctx: Ctx): Promise<void> {
    const stream = this.stream(ctx.params[0]!);
    const fileId = ctx.url.searchParams.get('fileId');
    const messageId = ctx.url.searchParams.get('messageId');
    if (!fileId || !messageId) throw new HttpError(400, 'fileId and messageId are required');
    if (!stream.members.has(ctx.session!.user.id) && (this.options.nonMemberRead ?? 'forbidden') !== 'allow') throw new HttpError(403, 'The user is not a member of this stream');
    const message = stream.messages.find((m) => m.id === normaliseId(messageId));
    const a = message?.attachments.find((x) => x.id === fileId);
    // The download lists no 404 (agent-api-public.yaml): an unknown file is a client error.
    if (!a) throw new HttpError(400, 'Attachment not found');
    const total = 4 * Math.ceil(a.size / 3);
    const cutAt = ctx.fault === 'truncate' || ctx.fault === 'short' ? Math.floor(total / 2) : Number.POSITIVE_INFINITY;
    const res = ctx.res;
    const contentType = this.mediaTypeFor(ctx, 200);
    const headers: Record<string, string | number> = { 'content-type': contentType };
    if (ctx.fault !== 'short') headers['content-length'] = total;
    // The body streams: its status and media type are checked here, its text chunk by chunk.
    const head = this.contract.checkStreamedResponse(ctx.bound!, 200, contentType);
    if (head.problems.length) this.violation(ctx, 'response', 200, head.problems);
    const base64 = head.format === 'byte';
    res.writeHead(200, headers);
    this.counters.statuses['200'] = (this.counters.statuses['200'] ?? 0) + 1;
    let sent = 0;
    for (const chunk of attachmentChunks(a)) {
      let text = chunk.toString('base64');
      if (base64 && !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) this.violation(ctx, 'response', 200, ['the attachment body is not base64 text (format: byte)']);
      if (sent + text.length > cutAt) text = text.slice(0, cutAt - sent);
      if (res.destroyed) return;
      if (!res.write(text)) await new Promise((r) => res.once('drain', r));
      sent += text.length;
      this.counters.attachmentBytesServed += Math.floor((text.length * 3) / 4);
      if (sent >= cutAt) break;
    }
    if (ctx.fault === 'truncate') res.socket?.destroy();
    else res.end();
  }

  private requireAdmin(ctx: Ctx): void {
    if (!ctx.session!.user.roles.some((r) => r === 'USER_PROVISIONING' || r === 'SUPER_ADMINISTRATOR')) {
      throw new HttpError(403, 'The user lacks the required entitlement to perform this operation');
    }
  }

  private stream(rawId: string): EmStream {
    // Paths carry URL-safe ids; `+`, `/` or `=` there is a client bug Symphony answers with 400.
    if (!/^[A-Za-z0-9_-]+$/.test(rawId)) throw new HttpError(400, `Invalid stream id ${rawId}`);
    const stream = this.pod.streams.get(rawId);
    // None of the stream operations lists 404: an unknown stream is a client error (400).
    if (!stream) throw new HttpError(400, `Stream ${rawId} not found`);
    return stream;
  }

  private json(ctx: Ctx, status: number, value: unknown): void {
    this.send(ctx, status, value);
  }

  private send(ctx: Ctx, status: number, value?: unknown, headers: Record<string, string> = {}): void {
    this.counters.statuses[String(status)] = (this.counters.statuses[String(status)] ?? 0) + 1;
    const res = ctx.res;
    if (res.destroyed) return;
    if (value === undefined) {
      this.checkAnswer(ctx, status, undefined, undefined);
      res.writeHead(status, headers).end();
      return;
    }
    const text = bigintJson(value);
    const contentType = this.mediaTypeFor(ctx, status);
    this.checkAnswer(ctx, status, contentType, text);
    const body = Buffer.from(text, 'utf8');
    res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': body.length });
    if ((ctx.fault === 'truncate' || ctx.fault === 'short') && status === 200) {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      res.socket?.destroy();
      return;
    }
    res.end(body);
  }

  /** Test control: faults, new content, counters. */
  private admin(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): void {
    const reply = (status: number, value: unknown) => {
      const text = bigintJson(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    try {
      const input = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
      const path = url.pathname.slice('/__admin'.length);
      if (req.method === 'GET' && path === '/counters') return reply(200, this.counters);
      if (req.method === 'POST' && path === '/counters/reset') return reply(200, (this.resetCounters(), {}));
      if (req.method === 'POST' && path === '/faults') {
        const options = input as FaultOptions & { paths?: string };
        this.faults.set({ ...options, paths: typeof options.paths === 'string' ? new RegExp(options.paths) : undefined });
        return reply(200, {});
      }
      if (req.method === 'POST' && path === '/sessions/expire') return reply(200, (this.expireSessions(), {}));
      if (req.method === 'POST' && path === '/streams') {
        const members = (input.members as string[] | undefined)?.map((m) => BigInt(m)) ?? [...this.pod.users.values()].filter((u) => u.accountType === 'NORMAL').slice(0, Number(input.memberCount ?? 3)).map((u) => u.id);
        const stream = this.pod.addStream({ type: (input.type as 'IM' | 'MIM' | 'ROOM') ?? 'ROOM', name: String(input.name ?? ''), members });
        return reply(200, { streamId: stream.id });
      }
      if (req.method === 'POST' && path === '/datahose') return reply(200, (Object.assign(this.datahose.options, input), {}));
      if (req.method === 'GET' && path === '/datahose/feeds') {
        return reply(200, [...this.datahose.feeds.values()].map((f) => ({ tag: f.tag, cursor: f.cursor, logLength: this.pod.log.length, inflight: f.inflight.size, requeued: f.requeued.length, delivered: f.delivered, acknowledged: f.acknowledged })));
      }
      const suppress = /^\/streams\/([^/]+)\/messages\/([^/]+)\/suppress$/.exec(path);
      if (req.method === 'POST' && suppress) return reply(200, { eventId: this.pod.suppress(suppress[1]!, suppress[2]!).id });
      const add = /^\/streams\/([^/]+)\/messages$/.exec(path);
      if (req.method === 'POST' && add) {
        const ids: string[] = [];
        for (let i = 0; i < Number(input.count ?? 1); i++) ids.push(this.pod.addMessage(add[1]!, { attachmentSizes: input.attachmentSizes as number[] | undefined, edits: input.edits as string | undefined }).id);
        return reply(200, { messageIds: ids });
      }
      reply(404, { code: 404, message: 'No such admin call' });
    } catch (error) {
      reply(400, { code: 400, message: String(error) });
    }
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function intParam(url: URL, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, `Parameter ${name} must be an integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new HttpError(400, `Parameter ${name} must be between ${min} and ${max}`);
  return n;
}


