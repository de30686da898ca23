import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK, type JSONWebKeySet, type JWK } from 'jose';
import { TokenVerifier } from './auth';
import { newCounters, type GraphCounters, type Tenant } from './context';
import { FaultPicker, type FaultOptions } from './faults';
import { GraphError } from './graph-error';
import { RequestGuard, type RequestHook } from './guard';
import { send } from './http';
import { ImportMimeRoute, type ImportMimeOptions, type TokenClaims } from './import-mime';
import { realLimits, type LimitOptions } from './limits';
import { Directory, graphId, type EmulatedUser, type Mailbox } from './model';
import { routeV1 } from './routes';
import { uploadFragment } from './routes/upload-session';
import { reachableMailbox } from './routes/users';
import { takeGraphViolations } from './schema';
import type { ContractViolation } from '../../spec/violations';

export type { FaultKind, FaultOptions } from './faults';
export type { GraphCounters } from './context';
export { sameExtendedId } from './filter';

export interface GraphEmulatorOptions {
  tenantId?: string;
  /** Tokens from other issuers (the test OpenID provider): issuer URL and its public keys. */
  issuers?: Array<{ issuer: string; jwks: JSONWebKeySet }>;
  audience?: string;
  limits?: Partial<LimitOptions>;
  latencyMs?: number;
  faults?: FaultOptions;
  /** The unsettled case of docs/decisions/graph-import.md (b): refuse attachments on non-drafts. */
  refuseAttachmentsOnNonDraft?: boolean;
  /** Where large attachments are written; without it only their hash and size are kept. */
  blobDir?: string;
  /** Graph beta importMime and the non-draft PATCH rule (import-mime.ts). */
  importMime?: ImportMimeOptions;
  now?: () => number;
  /**
   * Sees every request before it is handled (tests change the tenant at a chosen moment); an
   * error it returns is the answer instead (a refusal Graph gives, for the request the test picks).
   */
  onRequest?: RequestHook;
}

/**
 * A stateful stand-in for the parts of Microsoft Graph the archiver uses, strict where Graph is
 * strict (docs/decisions/graph-import.md): tokens, payload rules, isDraft, limits, upload sessions.
 * This file is the server and its lifecycle; the routes are in routes/ (by resource), the limits
 * and faults around each request in guard.ts, token checks in auth.ts.
 */
export class GraphEmulator {
  readonly directory: Directory;
  readonly tenantId: string;
  readonly counters: GraphCounters = newCounters();
  readonly limits: LimitOptions;
  refuseAttachmentsOnNonDraft: boolean;
  readonly importMime: ImportMimeRoute;
  private readonly server: http.Server;
  private readonly now: () => number;
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly audience: string;
  private readonly tokens: TokenVerifier;
  private readonly guard: RequestGuard;
  private readonly claims = new WeakMap<http.IncomingMessage, TokenClaims>();
  private readonly tenant: Tenant;
  private url = '';

  constructor(options: GraphEmulatorOptions = {}) {
    this.tenantId = options.tenantId ?? '11111111-2222-3333-4444-555555555555';
    this.limits = { ...realLimits, ...options.limits };
    this.refuseAttachmentsOnNonDraft = options.refuseAttachmentsOnNonDraft ?? false;
    this.audience = options.audience ?? 'https://graph.microsoft.com';
    this.now = options.now ?? Date.now;
    this.directory = new Directory(options.blobDir);
    this.guard = new RequestGuard(this.directory, this.limits, this.counters, { onRequest: options.onRequest, latencyMs: options.latencyMs, faults: options.faults, now: this.now });
    this.tokens = new TokenVerifier(this.tenantId, this.audience, this.now);
    for (const issuer of options.issuers ?? []) this.trustIssuer(issuer.issuer, issuer.jwks);
    this.importMime = new ImportMimeRoute(
      { directory: this.directory, limits: this.limits, now: () => this.now(), url: () => this.url, mailboxOf: (user) => this.mailboxOf(user), created: () => void this.counters.created++ },
      options.importMime,
    );
    this.tenant = {
      directory: this.directory,
      limits: this.limits,
      counters: this.counters,
      importMime: this.importMime,
      now: () => this.now(),
      baseUrl: () => this.url,
      attachmentsOnDraftsOnly: () => this.refuseAttachmentsOnNonDraft,
      claimsOf: (req) => this.claims.get(req) ?? {},
    };
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  trustIssuer(issuer: string, jwks: JSONWebKeySet): void {
    this.tokens.trust(issuer, jwks);
  }

  /** The faults in force; read-only, because only setFaults re-arms the picker that draws them. */
  get faults(): FaultOptions | undefined {
    return this.guard.picker.options;
  }

  setFaults(faults: FaultOptions | undefined): void {
    this.guard.picker = new FaultPicker(faults);
  }

  get onRequest(): RequestHook | undefined {
    return this.guard.onRequest;
  }

  set onRequest(hook: RequestHook | undefined) {
    this.guard.onRequest = hook;
  }

  get latencyMs(): number {
    return this.guard.latencyMs;
  }

  set latencyMs(ms: number) {
    this.guard.latencyMs = ms;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const jwk: JWK = { ...(await exportJWK(this.key.publicKey)), kid: 'emulator', alg: 'RS256', use: 'sig' };
    this.trustIssuer(this.issuer, { keys: [jwk] });
    return this.url;
  }

  get baseUrl(): string {
    return this.url;
  }

  get issuer(): string {
    return `${this.url}/${this.tenantId}/v2.0`;
  }

  /** Takes the request bodies Microsoft's description refused (tests that send them on purpose). */
  takeViolations(): ContractViolation[] {
    return takeGraphViolations();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** An app-only access token as Entra ID would issue it for the Graph resource. */
  async mintToken(options: { tenantId?: string; expiresInSec?: number; audience?: string; roles?: string[] } = {}): Promise<string> {
    const now = Math.floor(this.now() / 1000);
    return new SignJWT({ tid: options.tenantId ?? this.tenantId, roles: options.roles ?? ['Mail.ReadWrite', 'User.Read.All'], appid: 'emulator-app' })
      .setProtectedHeader({ alg: 'RS256', kid: 'emulator', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime(now + (options.expiresInSec ?? 3600))
      .setSubject('emulator-app')
      .sign(this.key.privateKey);
  }

  maxConcurrentObserved(): Map<string, number> {
    return this.guard.maxConcurrentObserved();
  }

  mailboxOf(user: EmulatedUser): Mailbox {
    return reachableMailbox({ tenant: this.tenant }, user);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.counters.requests++;
    try {
      // `r` is a replay of the request when a `late` fault runs it after the client gave up.
      if (url.pathname.startsWith('/upload/')) return await this.guard.run(req, res, url, method, (r = req) => uploadFragment(this.tenant, r, res, url, method));
      if (url.pathname.startsWith('/beta/')) {
        const claims = await this.tokens.authenticate(req);
        return await this.guard.run(req, res, url, method, (r = req) => this.importMime.handleBeta(r, res, url, method, claims));
      }
      if (!url.pathname.startsWith('/v1.0/')) throw new GraphError(404, 'BadRequest', `Resource not found for the segment '${url.pathname}'.`);
      const claims = await this.tokens.authenticate(req);
      this.claims.set(req, claims);
      await this.guard.run(req, res, url, method, (r = req) => {
        this.claims.set(r, claims);
        return routeV1(this.tenant, { req: r, res, method, query: url.searchParams }, url);
      });
    } catch (error) {
      this.fail(res, error);
    }
  }

  private fail(res: http.ServerResponse, error: unknown): void {
    if (res.headersSent || res.destroyed) return;
    if (error instanceof GraphError) {
      const body: Record<string, unknown> = { error: { code: error.code, message: error.message, innerError: { date: new Date(this.now()).toISOString(), 'request-id': graphId('req') } } };
      if (error.status === 416) {
        // An out-of-order fragment: Graph says where the session expects the next one.
        const session = [...this.directory.sessions.values()].find((s) => res.req?.url?.includes(s.id));
        if (session) body.nextExpectedRanges = [`${session.received}-`];
      }
      send(res, error.status, body, error.headers);
      return;
    }
    send(res, 500, { error: { code: 'InternalServerError', message: error instanceof Error ? error.message : String(error) } });
  }
}
