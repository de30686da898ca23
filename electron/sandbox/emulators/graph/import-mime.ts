import type http from 'node:http';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { createHash } from 'node:crypto';
import { graphId, messageSize, type Directory, type EmulatedUser, type Mailbox, type StoredAttachment, type StoredMessage } from './model';
import { GraphError } from './graph-error';
import { mediaType, readBody, readJsonObject, send } from './http';
import { renderMessage } from './render';
import type { LimitOptions } from './limits';

/**
 * Graph beta `POST /users/{id}/mailFolders/{id}/importMime`, as documented
 * (https://learn.microsoft.com/en-us/graph/api/mailfolder-importmime?view=graph-rest-beta):
 * `Content-Type: text/plain`, the whole body is the base64 MIME (no JSON envelope), answer `201`
 * with the message, `isDraft: false`, "as if it was delivered", all headers, parts and attachments
 * kept. It needs `Mail-Advanced.ReadWrite.All` (application) or `Mail-Advanced.ReadWrite`
 * (delegated). What the page does not state, the emulator does the least helpful way, so that the
 * archiver cannot come to rely on it: the received date is the time of the import, the item is
 * unread, and the message class is what an Exchange MIME reader derives from `Content-Class`
 * (MS-OXCMAIL 2.2.3.2.15) — `IPM.Note` unless the header asks for `urn:content-class:custom.*`.
 *
 * Also here: `PATCH /messages/{id}`, holding non-draft items to the rule Exchange enforces from
 * 2026-12-31 — sensitive properties (those "updatable only if isDraft = true") of a non-draft item
 * change only with Mail-Advanced.ReadWrite* (https://devblogs.microsoft.com/microsoft365dev/graph-api-updates-to-sensitive-email-properties).
 */
export interface ImportMimeOptions {
  /** Largest importMime request body (base64 text). Not documented; Graph's general 4 MB by default. */
  maxRequestBytes?: number;
  /** When Exchange starts refusing sensitive-property changes of non-drafts without Mail-Advanced. */
  sensitiveEnforcementFrom?: number;
}

export interface TokenClaims {
  roles?: string[];
  scp?: string;
}

export interface ImportMimeHost {
  readonly directory: Directory;
  readonly limits: Pick<LimitOptions, 'maxRequestBytes' | 'maxItemBytes'>;
  url(): string;
  now(): number;
  mailboxOf(user: EmulatedUser): Mailbox;
  /** Counts a created item in the emulator's counters. */
  created(): void;
}

export const SENSITIVE_ENFORCEMENT_FROM = Date.UTC(2026, 11, 31);
export const PR_MESSAGE_CLASS_ID = 'String 0x001A';

/** Management properties any Mail.ReadWrite app may change on any item. */
const MANAGEMENT = new Set(['isRead', 'categories', 'flag', 'importance', 'inferenceClassification']);

export interface ImportMimeCounters {
  imports: number;
  refusedPermission: number;
  refusedSize: number;
  /** Every PATCH of a message, with whether the item was a draft: the archiver must never send one for a non-draft. */
  patches: Array<{ messageId: string; isDraft: boolean; fields: string[]; refused: boolean }>;
}

export class ImportMimeRoute {
  readonly counters: ImportMimeCounters = { imports: 0, refusedPermission: 0, refusedSize: 0, patches: [] };
  maxRequestBytes: number;
  sensitiveEnforcementFrom: number;

  constructor(private readonly host: ImportMimeHost, options: ImportMimeOptions = {}) {
    this.maxRequestBytes = options.maxRequestBytes ?? host.limits.maxRequestBytes;
    this.sensitiveEnforcementFrom = options.sensitiveEnforcementFrom ?? SENSITIVE_ENFORCEMENT_FROM;
  }

  /** `/beta/...`: only importMime lives here; the archiver reads items back through v1.0. */
  async handleBeta(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, claims: TokenClaims): Promise<void> {
    const parts = url.pathname.slice('/beta/'.length).split('/').map(decodeURIComponent);
    const isImport = parts.length === 5 && parts[0] === 'users' && parts[2] === 'mailFolders' && /^(microsoft\.graph\.)?importMime$/.test(parts[4]!);
    if (!isImport) {
      req.resume();
      throw new GraphError(400, 'BadRequest', `Unsupported request ${method} ${url.pathname}.`);
    }
    if (method !== 'POST') {
      req.resume();
      throw new GraphError(405, 'ErrorInvalidRequest', 'importMime takes POST only.');
    }
    if (!hasAdvanced(claims)) {
      this.counters.refusedPermission++;
      req.resume();
      throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again. importMime needs Mail-Advanced.ReadWrite.All (application) or Mail-Advanced.ReadWrite (delegated).');
    }
    const user = this.host.directory.findUser(parts[1]!);
    if (!user) {
      req.resume();
      throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${parts[1]}' is invalid.`);
    }
    const mailbox = this.host.mailboxOf(user);
    const folder = this.host.directory.folder(mailbox, parts[3]!);
    if (!folder) {
      req.resume();
      throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    const contentType = mediaType(req);
    if (contentType !== 'text/plain') {
      req.resume();
      throw new GraphError(415, 'UnsupportedMediaType', `importMime takes Content-Type text/plain, not '${contentType}'.`);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxRequestBytes) {
      this.counters.refusedSize++;
      req.resume();
      throw new GraphError(413, 'RequestBodyTooLarge', `The request body exceeds the maximum of ${this.maxRequestBytes} bytes.`);
    }
    const text = (await readBody(req, this.maxRequestBytes, () => this.counters.refusedSize++)).toString('latin1').trim();
    if (!text || !/^[A-Za-z0-9+/\r\n]*={0,2}$/.test(text)) throw new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
    const mime = Buffer.from(text.replace(/[\r\n]/g, ''), 'base64');
    const parsed = await simpleParser(mime, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
    if (!parsed.headerLines.length) throw new GraphError(400, 'ErrorMimeContentInvalid', 'The MIME content has no headers.');
    const now = new Date(this.host.now()).toISOString();
    const message = storedFromMime(parsed, mime, folder.id, now);
    if (messageSize(message) > this.host.limits.maxItemBytes) throw new GraphError(413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
    mailbox.messages.set(message.id, message);
    this.counters.imports++;
    this.host.created();
    send(res, 201, { '@odata.context': `${this.host.url()}/beta/$metadata#users('${user.id}')/mailFolders('${folder.id}')/messages/$entity`, ...renderMessage(message, mailbox, null, null) });
  }

  /** `PATCH /v1.0/users/{id}/messages/{id}`. */
  async patch(req: http.IncomingMessage, res: http.ServerResponse, mailbox: Mailbox, message: StoredMessage, claims: TokenClaims): Promise<void> {
    const body = await readJsonObject(req, this.host.limits.maxRequestBytes);
    const fields = Object.keys(body);
    // Anything that is not a management property counts as sensitive: stricter than the list, never more lenient.
    const sensitive = fields.filter((f) => !MANAGEMENT.has(f));
    const enforced = this.host.now() >= this.sensitiveEnforcementFrom;
    const refused = !message.isDraft && sensitive.length > 0 && enforced && !hasAdvanced(claims);
    this.counters.patches.push({ messageId: message.id, isDraft: message.isDraft, fields, refused });
    if (refused) {
      throw new GraphError(403, 'ErrorAccessDenied', `Changing ${sensitive.join(', ')} of a non-draft message needs Mail-Advanced.ReadWrite (delegated) or Mail-Advanced.ReadWrite.All (application).`);
    }
    for (const [key, value] of Object.entries(body)) {
      if (key === 'isRead') message.isRead = value === true;
      else message.fields[key] = value;
    }
    message.lastModifiedDateTime = new Date(this.host.now()).toISOString();
    send(res, 200, renderMessage(message, mailbox, null, null));
  }
}

function hasAdvanced(claims: TokenClaims): boolean {
  const roles = claims.roles ?? [];
  const scopes = (claims.scp ?? '').split(' ').filter(Boolean);
  return roles.includes('Mail-Advanced.ReadWrite.All') || scopes.includes('Mail-Advanced.ReadWrite') || scopes.includes('Mail-Advanced.ReadWrite.Shared');
}

/** MS-OXCMAIL 2.2.3.2.15: only fixed Content-Class values (and `urn:content-class:custom.*`) change the class. */
export function messageClassFromContentClass(contentClass: string | undefined): string {
  const value = (contentClass ?? '').trim();
  const fixed: Record<string, string> = {
    fax: 'IPM.Note.Microsoft.Fax',
    'fax-ca': 'IPM.Note.Microsoft.Fax.CA',
    missedcall: 'IPM.Note.Microsoft.Missed.Voice',
    'voice-uc': 'IPM.Note.Microsoft.Conversation.Voice',
    'voice-ca': 'IPM.Note.Microsoft.Voicemail.UM.CA',
    voice: 'IPM.Note.Microsoft.Voicemail.UM',
  };
  if (fixed[value.toLowerCase()]) return fixed[value.toLowerCase()]!;
  const custom = /^urn:content-class:custom\.(.+)$/i.exec(value);
  return custom ? `IPM.Note.Custom.${custom[1]}` : 'IPM.Note';
}

function recipients(value: AddressObject | AddressObject[] | undefined): Array<{ emailAddress: { name: string; address: string } }> {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value).map((a) => ({ emailAddress: { name: a.name || a.address || '', address: a.address ?? '' } }));
}

function storedFromMime(parsed: ParsedMail, mime: Buffer, folderId: string, now: string): StoredMessage {
  const headerValue = (line: string) => line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  const headers = parsed.headerLines.map((h) => ({ name: h.line.slice(0, h.line.indexOf(':')), value: headerValue(h.line) }));
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  const extended = [{ id: PR_MESSAGE_CLASS_ID, value: messageClassFromContentClass(header('content-class')) }];
  const inReplyTo = header('in-reply-to');
  const references = header('references');
  if (inReplyTo) extended.push({ id: 'String 0x1042', value: inReplyTo });
  if (references) extended.push({ id: 'String 0x1039', value: references });
  const from = recipients(parsed.from)[0] ?? null;
  const attachments: StoredAttachment[] = parsed.attachments.map((a) => ({
    id: graphId('AAMkAtt'),
    name: a.filename ?? 'attachment',
    contentType: a.contentType,
    size: a.content.length,
    isInline: a.contentDisposition === 'inline',
    contentId: a.contentId?.replace(/^<|>$/g, ''),
    sha256: createHash('sha256').update(a.content).digest('hex'),
    bytes: a.content,
    lastModifiedDateTime: now,
  }));
  return {
    id: graphId(),
    folderId,
    createdDateTime: now,
    lastModifiedDateTime: now,
    sentDateTime: parsed.date ? parsed.date.toISOString() : now,
    // Not stated by the documentation: the emulator takes the time of the import.
    receivedDateTime: now,
    isDraft: false,
    isRead: false,
    fields: {
      subject: parsed.subject ?? '',
      body: parsed.html ? { contentType: 'html', content: parsed.html } : { contentType: 'text', content: parsed.text ?? '' },
      from,
      sender: from,
      toRecipients: recipients(parsed.to),
      ccRecipients: recipients(parsed.cc),
      internetMessageId: parsed.messageId ?? `<${graphId()}@emulator.local>`,
    },
    extended,
    headers,
    attachments,
    mime: mime.toString('latin1'),
  };
}
