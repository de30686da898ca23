import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenApiContract } from '../../spec/openapi';
import { symphonyContract } from '../../spec/symphony';
import { takeViolations, type ContractViolation } from '../../spec/violations';
import { Answers } from './answers';
import { attachment } from './attachments';
import type { Api, Ctx, RoutedEmulator, SymphonyEmulatorOptions } from './context';
import { newCounters, HttpError, type EmulatorCounters } from './exchange';
import { control } from './control';
import { DatahoseService } from './datahose';
import { FaultPlan } from './faults';
import { messages, readEvents } from './messages';
import { PodState } from './model';
import { Sessions } from './sessions';
import { listStreams, membership } from './streams';
import { sessionInfo, usersV3 } from './users';

export type { SymphonyEmulatorOptions } from './context';
export type { EmulatorCounters } from './exchange';

interface Route {
  method: string;
  pattern: RegExp;
  api: Api;
  /** The key of `counters.requests`. */
  name: string;
  auth: boolean;
  handler: (ctx: Ctx) => Promise<void> | void;
}

/**
 * A local Symphony pod + agent + key manager on one port, implementing the endpoints the capture
 * uses with the field names, limits, paging and error shapes of the public OpenAPI specs. It is
 * strict where the real service is (limits, required `since`, 204 on empty, signed JWTs, ids in
 * paths URL-safe) and can inject faults. Never simpler than the real service in a way a client
 * could come to rely on. This file is the server, its route table and the path of a request
 * through the description and the faults; the routes are in their own files by resource.
 */
export class SymphonyEmulator implements RoutedEmulator {
  readonly pod: PodState;
  readonly faults: FaultPlan;
  readonly datahose: DatahoseService;
  readonly counters: EmulatorCounters = newCounters();
  /**
   * Streams whose member list the admin API refuses, with the status: 400 as for a stream of
   * another pod (the only client error the operation lists besides 401 and 403).
   */
  readonly membershipRefusals = new Map<string, 400 | 403 | 500>();
  private readonly sessions = new Sessions();
  private readonly server: http.Server;
  /** Every answer goes through the description checks (answers.ts). */
  readonly answers: Answers;
  private offlineUntil = 0;
  url = '';

  private readonly routes: Route[] = [
    { method: 'POST', pattern: /^\/login\/pubkey\/authenticate$/, api: 'login', name: 'login', auth: false, handler: (c) => this.sessions.login(c, 'session') },
    { method: 'POST', pattern: /^\/relay\/pubkey\/authenticate$/, api: 'login', name: 'relay', auth: false, handler: (c) => this.sessions.login(c, 'keyManager') },
    { method: 'GET', pattern: /^\/pod\/v2\/sessioninfo$/, api: 'pod', name: 'sessioninfo', auth: true, handler: sessionInfo },
    { method: 'POST', pattern: /^\/pod\/v2\/admin\/streams\/list$/, api: 'pod', name: 'streams', auth: true, handler: listStreams },
    { method: 'GET', pattern: /^\/pod\/v1\/admin\/stream\/([^/]+)\/membership\/list$/, api: 'pod', name: 'membership', auth: true, handler: membership },
    { method: 'GET', pattern: /^\/pod\/v3\/users$/, api: 'pod', name: 'users', auth: true, handler: usersV3 },
    { method: 'GET', pattern: /^\/agent\/v4\/stream\/([^/]+)\/message$/, api: 'agent', name: 'messages', auth: true, handler: messages },
    { method: 'GET', pattern: /^\/agent\/v1\/stream\/([^/]+)\/attachment$/, api: 'agent', name: 'attachment', auth: true, handler: attachment },
    { method: 'POST', pattern: /^\/agent\/v5\/events\/read$/, api: 'agent', name: 'events', auth: true, handler: readEvents },
  ];

  private constructor(
    readonly options: SymphonyEmulatorOptions,
    contract: OpenApiContract,
  ) {
    this.pod = new PodState(options);
    this.faults = new FaultPlan(options.faults);
    this.datahose = new DatahoseService(this.pod, options.datahose);
    this.answers = new Answers(contract, this.counters, this);
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
    this.sessions.expireAll();
  }

  /**
   * Takes the contract violations this emulator recorded (so that they no longer fail the test):
   * for tests that send a wrong request on purpose and check that it is caught.
   */
  takeViolations(): ContractViolation[] {
    return takeViolations(this);
  }

  resetCounters(): void {
    Object.assign(this.counters, newCounters());
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The pod's network goes down for `ms` (the sandbox's control): connections are cut, as a dropped link does. */
  goOffline(ms: number): void {
    this.offlineUntil = Date.now() + ms;
  }

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
    if (url.pathname.startsWith('/__admin/')) return control(this, req, res, url, body);
    const route = this.routes.find((r) => r.pattern.test(url.pathname));
    const api: Api = route?.api ?? (url.pathname.startsWith('/agent/') ? 'agent' : 'pod');
    const ctx: Ctx = { emulator: this, req, res, url, params: [], body, api };
    try {
      await this.serve(ctx, route);
    } catch (error) {
      this.fail(ctx, error);
    }
  }

  /** A request through the description, the faults and authentication to its route. */
  private async serve(ctx: Ctx, route: Route | undefined): Promise<void> {
    const { req, url } = ctx;
    ctx.bound = this.answers.contract.bind(req.method ?? 'GET', url.pathname);
    if (!route || req.method !== route.method || !ctx.bound) {
      // Not an operation of the descriptions: the client called something that does not exist.
      this.answers.violation(ctx, 'request', undefined, [`${req.method} ${url.pathname} is not an operation the emulator serves from the FINOS descriptions`]);
      ctx.injected = true;
      throw new HttpError(route ? 405 : 404, route ? `Method ${req.method} not allowed` : `No such endpoint: ${req.method} ${url.pathname}`);
    }
    this.answers.checkRequest(ctx);
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
    if (route.auth) ctx.session = this.sessions.authenticate(ctx);
    await route.handler(ctx);
  }

  /** Symphony's error shape, `{code, message}` (the agent adds `details`); anything else is the emulator's own bug. */
  private fail(ctx: Ctx, error: unknown): void {
    if (!(error instanceof HttpError)) {
      this.answers.violation(ctx, 'response', 500, [`the emulator failed: ${String(error)}`]);
      ctx.injected = true;
      this.answers.send(ctx, 500, { code: 500, message: `Emulator failure: ${String(error)}` });
      return;
    }
    const payload: Record<string, unknown> = { code: error.status, message: error.message };
    if (ctx.api === 'agent') payload.details = {};
    this.answers.send(ctx, error.status, payload, error.headers);
  }
}
