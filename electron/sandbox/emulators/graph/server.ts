import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { Directory, graphId, messageSize, type EmulatedUser, type Mailbox, type StoredMessage, type UploadSession } from './model';
import { MailboxLimiter, realLimits, type LimitOptions } from './limits';
import type { ContractViolation } from '../../spec/violations';
import { takeGraphViolations } from './schema';
import { GraphError, validateAttachmentPost, validateFolderBody, validateMessage, validateUploadSessionBody } from './validate';
import { FilterError, parseFilter, sameExtendedId } from './filter';
import { renderAttachment, renderFolder, renderMessage, renderUser } from './render';
import { ImportMimeRoute, type ImportMimeOptions, type TokenClaims } from './import-mime';
import { applyLate, FaultPicker, runDiscarding, type FaultKind, type FaultOptions } from './faults';

export type { FaultKind, FaultOptions } from './faults';

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
  onRequest?: (method: string, path: string) => void | { status: number; code: string; message: string };
}

export interface GraphCounters {
  requests: number;
  throttled: number;
  faults: Record<FaultKind, number>;
  created: number;
  /** Requests drawn `late` that were applied after the client gave up (creates among them in `lateCreates`). */
  lateApplied: number;
  lateCreates: number;
  uploadsCompleted: number;
  maxConcurrentPerMailbox: number;
}

const json = 'application/json';

/**
 * A stateful stand-in for the parts of Microsoft Graph the archiver uses, strict where Graph is
 * strict (docs/decisions/graph-import.md): tokens, payload rules, isDraft, limits, upload sessions.
 */
export class GraphEmulator {
  readonly directory: Directory;
  readonly tenantId: string;
  readonly counters: GraphCounters = { requests: 0, throttled: 0, faults: { '429': 0, '503': 0, reset: 0, hang: 0, lost: 0, late: 0 }, created: 0, lateApplied: 0, lateCreates: 0, uploadsCompleted: 0, maxConcurrentPerMailbox: 0 };
  readonly limits: LimitOptions;
  onRequest: GraphEmulatorOptions['onRequest'];
  refuseAttachmentsOnNonDraft: boolean;
  latencyMs: number;
  private readonly server: http.Server;
  private readonly limiter: MailboxLimiter;
  private readonly now: () => number;
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private ownJwks?: JSONWebKeySet;
  private readonly issuers: Array<{ issuer: string; keys: ReturnType<typeof createLocalJWKSet> }> = [];
  private readonly audience: string;
  private readonly verified = new Map<string, { until: number; claims: TokenClaims }>();
  private readonly claims = new WeakMap<http.IncomingMessage, TokenClaims>();
  readonly importMime: ImportMimeRoute;
  private picker: FaultPicker;
  private url = '';

  constructor(options: GraphEmulatorOptions = {}) {
    this.tenantId = options.tenantId ?? '11111111-2222-3333-4444-555555555555';
    this.limits = { ...realLimits, ...options.limits };
    this.onRequest = options.onRequest;
    this.refuseAttachmentsOnNonDraft = options.refuseAttachmentsOnNonDraft ?? false;
    this.latencyMs = options.latencyMs ?? 0;
    this.audience = options.audience ?? 'https://graph.microsoft.com';
    this.now = options.now ?? Date.now;
    this.directory = new Directory(options.blobDir);
    this.limiter = new MailboxLimiter(this.limits, this.now);
    this.picker = new FaultPicker(options.faults);
    for (const issuer of options.issuers ?? []) this.trustIssuer(issuer.issuer, issuer.jwks);
    this.importMime = new ImportMimeRoute(
      { directory: this.directory, limits: this.limits, now: () => this.now(), url: () => this.url, mailboxOf: (user) => this.mailboxOf(user), created: () => void this.counters.created++ },
      options.importMime,
    );
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  trustIssuer(issuer: string, jwks: JSONWebKeySet): void {
    this.issuers.push({ issuer, keys: createLocalJWKSet(jwks) });
  }

  /** The faults in force; read-only, because only setFaults re-arms the picker that draws them. */
  get faults(): FaultOptions | undefined {
    return this.picker.options;
  }

  setFaults(faults: FaultOptions | undefined): void {
    this.picker = new FaultPicker(faults);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const jwk: JWK = { ...(await exportJWK(this.key.publicKey)), kid: 'emulator', alg: 'RS256', use: 'sig' };
    this.ownJwks = { keys: [jwk] };
    this.trustIssuer(this.issuer, this.ownJwks);
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
    return new Map(this.limiter.maxConcurrent);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.counters.requests++;
    try {
      // `r` is a replay of the request when a `late` fault runs it after the client gave up.
      if (url.pathname.startsWith('/upload/')) return await this.guarded(req, res, url, method, (r = req) => this.upload(r, res, url, method));
      if (url.pathname.startsWith('/beta/')) {
        const claims = await this.authenticate(req);
        return await this.guarded(req, res, url, method, (r = req) => this.importMime.handleBeta(r, res, url, method, claims));
      }
      if (!url.pathname.startsWith('/v1.0/')) throw new GraphError(404, 'BadRequest', `Resource not found for the segment '${url.pathname}'.`);
      const claims = await this.authenticate(req);
      this.claims.set(req, claims);
      await this.guarded(req, res, url, method, (r = req) => {
        this.claims.set(r, claims);
        return this.route(r, res, url, method);
      });
    } catch (error) {
      this.fail(res, error);
    }
  }

  private async authenticate(req: http.IncomingMessage): Promise<TokenClaims> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const token = match[1]!;
    const cached = this.verified.get(token);
    if (cached !== undefined && cached.until > this.now()) return cached.claims;
    let payload: Record<string, unknown> | undefined;
    let lastError: unknown;
    for (const issuer of this.issuers) {
      try {
        const result = await jwtVerify(token, issuer.keys, { issuer: issuer.issuer, audience: this.audience, currentDate: new Date(this.now()) });
        payload = result.payload as Record<string, unknown>;
        break;
      } catch (error) {
        lastError = error;
      }
    }
    if (!payload) {
      const expired = lastError instanceof Error && /exp/.test(lastError.message);
      throw new GraphError(401, 'InvalidAuthenticationToken', expired ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid audience or signature.');
    }
    if (payload.tid !== this.tenantId) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure: the token was issued for another tenant.');
    const claims: TokenClaims = { roles: Array.isArray(payload.roles) ? (payload.roles as string[]) : undefined, scp: typeof payload.scp === 'string' ? payload.scp : undefined };
    this.verified.set(token, { until: ((payload.exp as number) ?? 0) * 1000, claims });
    return claims;
  }

  /** Per-mailbox limits and injected faults around one request. */
  private async guarded(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, run: (replay?: http.IncomingMessage) => Promise<void>): Promise<void> {
    const refusal = this.onRequest?.(method, url.pathname);
    if (refusal) {
      req.resume();
      throw new GraphError(refusal.status, refusal.code, refusal.message);
    }
    const mailboxKey = this.mailboxKeyOf(url);
    const contentLength = Number(req.headers['content-length'] ?? 0);
    if (contentLength > this.limits.maxRequestBytes) {
      req.resume();
      throw new GraphError(413, 'RequestBodyTooLarge', `The request body exceeds the maximum of ${this.limits.maxRequestBytes} bytes.`);
    }
    if (mailboxKey) {
      const upload = method === 'GET' || method === 'DELETE' ? 0 : contentLength;
      const verdict = this.limiter.enter(mailboxKey, upload);
      this.counters.maxConcurrentPerMailbox = Math.max(this.counters.maxConcurrentPerMailbox, this.limiter.maxConcurrent.get(mailboxKey) ?? 0);
      let left = false;
      const leave = () => {
        if (!left) {
          left = true;
          this.limiter.leave(mailboxKey);
        }
      };
      res.on('finish', leave);
      res.on('close', leave);
      req.on('close', () => {
        if (res.writableFinished || res.destroyed) leave();
      });
      if (verdict.refused) {
        this.counters.throttled++;
        req.resume();
        throw new GraphError(429, 'ApplicationThrottled', verdict.reason, { 'Retry-After': String(verdict.retryAfterSec) });
      }
    }
    if (this.latencyMs > 0) await delay(this.latencyMs);
    const fault = this.picker.pick(method, url, req.headers);
    if (fault === '429') {
      // Tenant-wide throttling (e.g. of directory reads), not the per-mailbox limiter above.
      this.counters.faults['429']++;
      req.resume();
      throw new GraphError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': '1' });
    }
    if (fault === '503') {
      this.counters.faults['503']++;
      req.resume();
      throw new GraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable.', { 'Retry-After': '1' });
    }
    if (fault === 'reset') {
      this.counters.faults.reset++;
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      this.counters.faults.hang++;
      await delay(this.faults?.hangMs ?? 2000);
      req.socket.destroy();
      return;
    }
    if (fault === 'lost') {
      this.counters.faults.lost++;
      // The work is done, then the answer never arrives: the client cannot know the outcome.
      await runDiscarding(res, () => run());
      req.socket.destroy();
      return;
    }
    if (fault === 'late') {
      this.counters.faults.late++;
      const createsMessage = method === 'POST' && /\/(messages|importMime)$/.test(url.pathname);
      const applied = await applyLate(req, res, run, { delayMs: this.picker.lateDelayMs(), holdMs: this.faults?.lateHoldMs ?? 120_000 });
      if (applied) {
        this.counters.lateApplied++;
        if (createsMessage) this.counters.lateCreates++;
      }
      return;
    }
    await run();
  }

  private mailboxKeyOf(url: URL): string | undefined {
    if (url.pathname.startsWith('/upload/')) {
      const session = this.directory.sessions.get(url.pathname.split('/')[2] ?? '');
      return session?.mailboxUserId;
    }
    const m = /^\/(?:v1\.0|beta)\/users\/([^/]+)\/(mailFolders|messages)/.exec(url.pathname);
    if (!m) return undefined;
    return this.directory.findUser(decodeURIComponent(m[1]!))?.id ?? decodeURIComponent(m[1]!).toLowerCase();
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string): Promise<void> {
    const parts = url.pathname.slice('/v1.0/'.length).split('/').map(decodeURIComponent);
    const q = url.searchParams;
    if (parts[0] !== 'users') throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${parts[0]}'.`);
    if (parts.length === 1 && method === 'GET') return this.listUsers(res, q);
    const user = this.directory.findUser(parts[1] ?? '');
    if (!user) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${parts[1]}' is invalid.`);
    if (parts.length === 2 && method === 'GET') return send(res, 200, renderUser(user, q.get('$select')));
    const mailbox = this.mailboxOf(user);
    const rest = parts.slice(2);
    // /mailFolders/{id}[/childFolders | /messages]
    if (rest[0] === 'mailFolders') {
      const folder = this.directory.folder(mailbox, rest[1] ?? '');
      if (!folder) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (rest.length === 2 && method === 'GET') return send(res, 200, renderFolder(folder, mailbox));
      if (rest[2] === 'childFolders' && rest.length === 3) {
        if (method === 'GET') return this.listChildFolders(res, mailbox, folder.id, q);
        if (method === 'POST') return this.createFolder(req, res, mailbox, folder.id);
      }
      if (rest[2] === 'messages' && rest.length === 3) {
        if (method === 'POST') return this.createMessage(req, res, mailbox, folder.id);
        if (method === 'GET') return this.listMessages(res, mailbox, folder.id, q);
      }
      if (rest[2] === 'messages' && rest.length >= 4) return this.messageRoute(req, res, mailbox, rest.slice(3), method, q);
    }
    if (rest[0] === 'messages' && rest.length >= 2) return this.messageRoute(req, res, mailbox, rest.slice(1), method, q);
    throw new GraphError(400, 'BadRequest', `Unsupported request ${method} ${url.pathname}.`);
  }

  mailboxOf(user: EmulatedUser): Mailbox {
    if (user.mailbox === 'none') throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    if (user.mailbox === 'unlicensed') throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'REST API is not yet supported for this mailbox.');
    if (user.mailbox === 'denied') throw new GraphError(403, 'ErrorAccessDenied', 'Access to OData is disabled: Access is denied. Check credentials and try again.');
    return this.directory.mailboxes.get(user.id)!;
  }

  private listUsers(res: http.ServerResponse, q: URLSearchParams): void {
    let users = [...this.directory.users.values()];
    const filter = q.get('$filter');
    if (filter) {
      const predicate = this.parse<EmulatedUser>(filter, {
        property: (u, name) => (name === 'mail' ? (u.mail ?? undefined) : name === 'userPrincipalName' ? u.userPrincipalName : name === 'id' ? u.id : name === 'displayName' ? u.displayName : undefined),
        collection: (u, name) => (name === 'proxyAddresses' ? u.proxyAddresses : undefined),
      });
      users = users.filter(predicate);
    }
    const top = Math.min(999, Number(q.get('$top') ?? 100));
    send(res, 200, { value: users.slice(0, top).map((u) => renderUser(u, q.get('$select'))) });
  }

  private parse<T>(filter: string, accessors: Parameters<typeof parseFilter<T>>[1]) {
    try {
      return parseFilter<T>(filter, accessors);
    } catch (error) {
      if (error instanceof FilterError) throw new GraphError(400, 'BadRequest', error.message);
      throw error;
    }
  }

  private listChildFolders(res: http.ServerResponse, mailbox: Mailbox, parentId: string, q: URLSearchParams): void {
    let folders = [...mailbox.folders.values()].filter((f) => f.parentFolderId === parentId);
    const filter = q.get('$filter');
    if (filter) folders = folders.filter(this.parse(filter, { property: (f, name) => (name === 'displayName' ? f.displayName : undefined), collection: () => undefined }));
    send(res, 200, { value: folders.map((f) => renderFolder(f, mailbox)) });
  }

  private async createFolder(req: http.IncomingMessage, res: http.ServerResponse, mailbox: Mailbox, parentId: string): Promise<void> {
    const body = (await readJson(req, this.limits.maxRequestBytes)) as Record<string, unknown>;
    validateFolderBody(body);
    const name = body.displayName;
    if (typeof name !== 'string' || !name.trim()) throw new GraphError(400, 'ErrorInvalidRequest', 'displayName is required.');
    const exists = [...mailbox.folders.values()].some((f) => f.parentFolderId === parentId && f.displayName.toLowerCase() === name.toLowerCase());
    if (exists) throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    const folder = { id: graphId('AQMk'), displayName: name, parentFolderId: parentId };
    mailbox.folders.set(folder.id, folder);
    send(res, 201, renderFolder(folder, mailbox));
  }

  private async createMessage(req: http.IncomingMessage, res: http.ServerResponse, mailbox: Mailbox, folderId: string): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const now = new Date(this.now()).toISOString();
    let message: StoredMessage;
    if (contentType === 'text/plain') {
      // A MIME create: base64 RFC 822. No extended properties can travel with it, so it is a draft.
      const raw = (await readBody(req, this.limits.maxRequestBytes)).toString('utf8').trim();
      if (!/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(raw)) throw new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
      const mime = Buffer.from(raw, 'base64').toString('utf8');
      message = { id: graphId(), folderId, createdDateTime: now, lastModifiedDateTime: now, sentDateTime: now, receivedDateTime: now, isDraft: true, isRead: true, fields: { subject: /^Subject: (.*)$/m.exec(mime)?.[1] ?? '' }, extended: [], headers: [], attachments: [], mime };
    } else if (contentType === json) {
      const valid = validateMessage(await readJson(req, this.limits.maxRequestBytes));
      message = {
        id: graphId(),
        folderId,
        createdDateTime: now,
        lastModifiedDateTime: now,
        sentDateTime: valid.sentDateTime ?? now,
        receivedDateTime: valid.receivedDateTime ?? now,
        isDraft: valid.isDraft,
        isRead: valid.isRead,
        fields: valid.fields,
        extended: valid.extended,
        headers: valid.headers,
        attachments: valid.attachments.map((a) => this.directory.storeAttachment(a, now)),
      };
      delete message.fields.attachments;
      delete message.fields.singleValueExtendedProperties;
      delete message.fields.internetMessageHeaders;
    } else {
      throw new GraphError(415, 'UnsupportedMediaType', `Content-Type '${contentType}' is not supported.`);
    }
    if (messageSize(message) > this.limits.maxItemBytes) throw new GraphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
    mailbox.messages.set(message.id, message);
    this.counters.created++;
    send(res, 201, renderMessage(message, mailbox, null, null));
  }

  private listMessages(res: http.ServerResponse, mailbox: Mailbox, folderId: string, q: URLSearchParams): void {
    let messages = [...mailbox.messages.values()].filter((m) => m.folderId === folderId);
    const filter = q.get('$filter');
    if (filter) {
      messages = messages.filter(
        this.parse<StoredMessage>(filter, {
          property: (m, name) => (name === 'internetMessageId' ? (m.fields.internetMessageId as string | undefined) : name === 'subject' ? (m.fields.subject as string | undefined) : undefined),
          collection: (m, name) => (name === 'singleValueExtendedProperties' ? m.extended : undefined),
        }),
      );
    }
    const top = Math.min(1000, Number(q.get('$top') ?? 10));
    const skip = Number(q.get('$skip') ?? 0);
    const page = messages.slice(skip, skip + top);
    const body: Record<string, unknown> = { value: page.map((m) => renderMessage(m, mailbox, q.get('$select'), q.get('$expand'))) };
    if (skip + top < messages.length) {
      const next = new URL(`${this.url}/v1.0/users/${mailbox.user.id}/mailFolders/${folderId}/messages`);
      q.forEach((v, k) => next.searchParams.set(k, v));
      next.searchParams.set('$skip', String(skip + top));
      body['@odata.nextLink'] = next.toString();
    }
    send(res, 200, body);
  }

  private async messageRoute(req: http.IncomingMessage, res: http.ServerResponse, mailbox: Mailbox, rest: string[], method: string, q: URLSearchParams): Promise<void> {
    const message = mailbox.messages.get(rest[0]!);
    if (!message) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (rest.length === 1) {
      if (method === 'GET') return send(res, 200, renderMessage(message, mailbox, q.get('$select'), q.get('$expand')));
      if (method === 'PATCH') return this.importMime.patch(req, res, mailbox, message, this.claims.get(req) ?? {});
      if (method === 'DELETE') {
        mailbox.messages.delete(message.id);
        this.directory.deleted.push({ id: message.id, userPrincipalName: mailbox.user.userPrincipalName, extended: message.extended, at: new Date(this.now()).toISOString() });
        res.writeHead(204).end();
        return;
      }
    }
    if (rest[1] === 'attachments') {
      if (rest.length === 2 && method === 'GET') return send(res, 200, { value: message.attachments.map((a) => renderAttachment(a, q.get('$select'))) });
      if (rest.length === 2 && method === 'POST') {
        this.assertAttachable(message);
        const attachment = this.directory.storeAttachment(validateAttachmentPost(await readJson(req, this.limits.maxRequestBytes)), new Date(this.now()).toISOString());
        if (messageSize(message) + attachment.size > this.limits.maxItemBytes) throw new GraphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
        message.attachments.push(attachment);
        return send(res, 201, renderAttachment(attachment, null));
      }
      if (rest[2] === 'createUploadSession' || rest[2] === 'microsoft.graph.createUploadSession') {
        if (method !== 'POST') throw new GraphError(405, 'ErrorInvalidRequest', 'Use POST.');
        return this.createUploadSession(req, res, mailbox, message);
      }
      if (rest.length >= 3) {
        const attachment = message.attachments.find((a) => a.id === rest[2]);
        if (!attachment) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
        if (rest.length === 3 && method === 'GET') return send(res, 200, renderAttachment(attachment, q.get('$select'), true));
        if (rest[3] === '$value' && method === 'GET') {
          res.writeHead(200, { 'Content-Type': attachment.contentType, 'Content-Length': attachment.size });
          if (attachment.bytes) res.end(attachment.bytes);
          else if (attachment.file) fs.createReadStream(attachment.file).pipe(res);
          else res.end();
          return;
        }
      }
    }
    throw new GraphError(400, 'BadRequest', `Unsupported request ${method} on a message.`);
  }

  private assertAttachable(message: StoredMessage): void {
    if (this.refuseAttachmentsOnNonDraft && !message.isDraft) {
      throw new GraphError(400, 'ErrorInvalidOperation', 'Attachments can only be added to a draft item; this item is not a draft.');
    }
  }

  private async createUploadSession(req: http.IncomingMessage, res: http.ServerResponse, mailbox: Mailbox, message: StoredMessage): Promise<void> {
    const body = (await readJson(req, this.limits.maxRequestBytes)) as Record<string, unknown>;
    validateUploadSessionBody(body);
    const item = body.AttachmentItem as Record<string, unknown> | undefined;
    const extra = Object.keys(body).filter((k) => k !== 'AttachmentItem');
    if (!item || typeof item !== 'object' || extra.length) throw new GraphError(400, 'RequestBodyRead', 'The request body must contain exactly one AttachmentItem.');
    if (item.attachmentType !== 'file') throw new GraphError(405, 'ErrorAttachmentSessionIsSupportedOnlyForFileAttachments', 'Unsupported Attachment type specified. Only File attachments can be uploaded using an Upload Session.');
    const size = item.size;
    if (typeof item.name !== 'string' || !item.name || typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
      throw new GraphError(400, 'ErrorInvalidRequest', 'AttachmentItem needs a name and a positive size.');
    }
    if (size > 150 * 1024 * 1024) throw new GraphError(400, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', 'The attachment exceeds the 150 MB limit of an upload session.');
    this.assertAttachable(message);
    if (messageSize(message) + size > this.limits.maxItemBytes) throw new GraphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
    const id = graphId('AAMkSess');
    const token = randomBytes(24).toString('base64url');
    const session: UploadSession = {
      id,
      token,
      mailboxUserId: mailbox.user.id,
      messageId: message.id,
      name: item.name,
      contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
      isInline: item.isInline === true,
      contentId: typeof item.contentId === 'string' ? item.contentId : undefined,
      size,
      received: 0,
      hash: createHash('sha256'),
      file: this.directory.newSessionFile(id),
      chunks: this.directory.blobDir ? undefined : size <= 8 * 1024 * 1024 ? [] : undefined,
      expiresAt: this.now() + this.limits.sessionTtlMs,
    };
    this.directory.sessions.set(id, session);
    send(res, 201, {
      '@odata.context': `${this.url}/v1.0/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: `${this.url}/upload/${id}?authtoken=${token}`,
      expirationDateTime: new Date(session.expiresAt).toISOString(),
      nextExpectedRanges: ['0-'],
    });
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string): Promise<void> {
    const session = this.directory.sessions.get(url.pathname.split('/')[2] ?? '');
    if (!session || session.token !== url.searchParams.get('authtoken')) {
      req.resume();
      throw new GraphError(404, 'ErrorItemNotFound', 'The upload session was not found.');
    }
    if (req.headers.authorization) {
      req.resume();
      throw new GraphError(401, 'InvalidAudience', "The audience claim value is invalid for current resource. Audience claim is 'https://graph.microsoft.com', request url is an upload session.");
    }
    if (session.expiresAt <= this.now()) {
      this.directory.sessions.delete(session.id);
      req.resume();
      throw new GraphError(404, 'ErrorItemNotFound', 'The upload session has expired.');
    }
    if (method === 'DELETE') {
      this.directory.sessions.delete(session.id);
      if (session.file) fs.rmSync(session.file, { force: true });
      res.writeHead(204).end();
      return;
    }
    if (method !== 'PUT') throw new GraphError(405, 'ErrorInvalidRequest', 'Upload sessions accept PUT and DELETE only.');
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    const length = Number(req.headers['content-length'] ?? -1);
    if (!range) {
      req.resume();
      throw new GraphError(400, 'ErrorInvalidRequest', 'A Content-Range header of the form bytes a-b/total is required.');
    }
    const start = Number(range[1]);
    const end = Number(range[2]);
    const total = Number(range[3]);
    const chunk = await readBody(req, this.limits.maxRequestBytes);
    if (total !== session.size) throw new GraphError(400, 'ErrorInvalidRequest', `The total size ${total} does not match the session's ${session.size}.`);
    if (end < start || chunk.length !== end - start + 1 || length !== chunk.length) throw new GraphError(400, 'ErrorInvalidRequest', 'Content-Range and Content-Length do not match the body.');
    if (start !== session.received) {
      throw new GraphError(416, 'InvalidRange', `Expected the fragment to start at ${session.received}.`, {}, );
    }
    const last = end + 1 === session.size;
    if (!last && chunk.length % (320 * 1024) !== 0) throw new GraphError(400, 'ErrorInvalidRequest', 'Fragments other than the last must be a multiple of 320 KiB.');
    session.hash.update(chunk);
    if (session.file) fs.appendFileSync(session.file, chunk);
    else session.chunks?.push(chunk);
    session.received = end + 1;
    if (!last) {
      send(res, 200, { expirationDateTime: new Date(session.expiresAt).toISOString(), nextExpectedRanges: [`${session.received}-`] });
      return;
    }
    this.directory.sessions.delete(session.id);
    const mailbox = this.directory.mailboxes.get(session.mailboxUserId);
    const message = mailbox?.messages.get(session.messageId);
    if (!mailbox || !message) throw new GraphError(404, 'ErrorItemNotFound', 'The item of this upload session no longer exists.');
    const attachment = {
      id: graphId('AAMkAtt'),
      name: session.name,
      contentType: session.contentType,
      size: session.size,
      isInline: session.isInline,
      contentId: session.contentId,
      sha256: session.hash.digest('hex'),
      bytes: session.chunks ? Buffer.concat(session.chunks) : undefined,
      file: session.file,
      lastModifiedDateTime: new Date(this.now()).toISOString(),
    };
    message.attachments.push(attachment);
    this.counters.uploadsCompleted++;
    res.writeHead(201, { Location: `${this.url}/v1.0/users('${mailbox.user.id}')/messages('${message.id}')/attachments('${attachment.id}')`, 'Content-Length': 0 });
    res.end();
  }

  private fail(res: http.ServerResponse, error: unknown): void {
    if (res.headersSent || res.destroyed) return;
    if (error instanceof GraphError) {
      const body: Record<string, unknown> = { error: { code: error.code, message: error.message, innerError: { date: new Date(this.now()).toISOString(), 'request-id': graphId('req') } } };
      if (error.status === 416) {
        const session = [...this.directory.sessions.values()].find((s) => res.req?.url?.includes(s.id));
        if (session) body.nextExpectedRanges = [`${session.received}-`];
      }
      send(res, error.status, body, error.headers);
      return;
    }
    send(res, 500, { error: { code: 'InternalServerError', message: error instanceof Error ? error.message : String(error) } });
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': `${json}; charset=utf-8`, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new GraphError(413, 'RequestBodyTooLarge', `The request body exceeds the maximum of ${max} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: http.IncomingMessage, max: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== json) throw new GraphError(415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
  const text = (await readBody(req, max)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(400, 'RequestBodyRead', 'The request body is not valid JSON.');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { sameExtendedId };
