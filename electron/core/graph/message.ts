import fs from 'node:fs/promises';
import type { Message, FileAttachment, Recipient, SingleValueLegacyExtendedProperty, InternetMessageHeader } from '@microsoft/microsoft-graph-types';
import type { ConvertedEmail, EmailAddress, EmailAttachment } from '../model/email';
import { cleanText, normaliseEnvelope, oneLine as cleanLine, threadOfEmail } from '../model/normalise';

/** Our property set for named MAPI properties; fixed forever, items are found again by it. */
export const ARCHIVER_PROPERTY_SET = '{6C3A9E51-2B7D-4F08-9A1E-5D4C3B2A1F90}';
export const ARCHIVE_KEY_PROPERTY = `String ${ARCHIVER_PROPERTY_SET} Name archiveKey`;
export const CUSTODY_PROPERTY = `String ${ARCHIVER_PROPERTY_SET} Name custodyHeaders`;
/** Per attachment: the original name, declared and sniffed type (the .eml has them as part headers). */
export const ATTACHMENT_CUSTODY_PROPERTY = `String ${ARCHIVER_PROPERTY_SET} Name attachmentCustody`;
/**
 * The conversation: PidTagConversationTopic (0x0070, PtypString) and PidTagConversationIndex
 * (0x0071, PtypBinary), the MAPI properties behind Thread-Topic and Thread-Index
 * (docs/decisions/conversation-identity.md).
 */
export const PR_CONVERSATION_TOPIC = 'String 0x0070';
export const PR_CONVERSATION_INDEX = 'Binary 0x0071';
export const PR_MESSAGE_FLAGS = 'Integer 0x0E07';
export const PR_CLIENT_SUBMIT_TIME = 'SystemTime 0x0039';
export const PR_MESSAGE_DELIVERY_TIME = 'SystemTime 0x0E06';
const PR_IN_REPLY_TO_ID = 'String 0x1042';
const PR_INTERNET_REFERENCES = 'String 0x1039';
const MSGFLAG_READ = 0x1;

/** Graph's request body limit, and what we keep below it for the JSON around inline attachments. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const REQUEST_MARGIN = 64 * 1024;
/** Above this an attachment cannot be posted in one request (docs: "under 3 MB"). */
export const MAX_SIMPLE_ATTACHMENT_BYTES = 3 * 1024 * 1024;
/** Graph accepts at most five custom internet headers on create. */
const MAX_HEADERS = 5;

export interface RenderOptions {
  markAsRead: boolean;
  /** Create as a draft (the fallback of docs/decisions/graph-import.md (b)). */
  asDraft?: boolean;
}

export interface AttachmentPlan {
  /** Indexes into email.attachments sent inside the create request. */
  inline: number[];
  /** Indexes posted afterwards (< 3 MB) or uploaded by session (>= 3 MB). */
  later: number[];
}

/** Splits the attachments: as many as fit go inline in the create request (base64 grows by 4/3). */
export function planAttachments(email: ConvertedEmail, options: RenderOptions): AttachmentPlan {
  let budget = MAX_REQUEST_BYTES - REQUEST_MARGIN - rendered(email, options).bytes;
  const inline: number[] = [];
  const later: number[] = [];
  email.attachments.forEach((attachment, index) => {
    const cost = base64Length(attachment.size) + Buffer.byteLength(JSON.stringify({ name: attachment.filename, contentType: attachment.contentType, contentId: attachment.contentId ?? '' })) + 120;
    if (attachment.size <= MAX_SIMPLE_ATTACHMENT_BYTES && cost <= budget) {
      inline.push(index);
      budget -= cost;
    } else {
      later.push(index);
    }
  });
  return { inline, later };
}

export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * The Graph message for one ConvertedEmail: non-draft, original dates, custody headers, archive
 * key, conversation identity. Recipients and text go through the same normalisation as the .eml
 * (convert/normalise.ts), so both carry the same addresses and no lone surrogate reaches the JSON.
 */
export function renderMessage(email: ConvertedEmail, options: RenderOptions, inline: FileAttachment[]): Message {
  // A shallow copy: callers may set fields on what they get, never on the remembered one.
  const message: Message = { ...rendered(email, options).message };
  if (inline.length) message.attachments = inline;
  return message;
}

/**
 * Each e-mail is rendered once per set of options and remembered as long as the e-mail object
 * lives (a WeakMap: the importer's cache of loaded e-mails decides that). Rendering normalises
 * every recipient and the body, and the importer needs it three times per delivery (measuring the
 * e-mail, planning its attachments, the create itself) — the day benchmark's largest allocation
 * by far. ConvertedEmail is never changed after conversion (a destination that reshapes one
 * returns a new object), so the remembered message stays true.
 */
const renderedMessages = new WeakMap<ConvertedEmail, Map<string, { message: Message; bytes: number }>>();

function rendered(email: ConvertedEmail, options: RenderOptions): { message: Message; bytes: number } {
  const key = `${options.markAsRead ? 1 : 0}${options.asDraft ? 1 : 0}`;
  let forEmail = renderedMessages.get(email);
  if (!forEmail) {
    forEmail = new Map();
    renderedMessages.set(email, forEmail);
  }
  let found = forEmail.get(key);
  if (!found) {
    const message = render(email, options);
    found = { message, bytes: Buffer.byteLength(JSON.stringify(message)) };
    forEmail.set(key, found);
  }
  return found;
}

function render(email: ConvertedEmail, options: RenderOptions): Message {
  const iso = email.date.toISOString();
  const envelope = normaliseEnvelope(email);
  const extended: SingleValueLegacyExtendedProperty[] = [
    { id: PR_CLIENT_SUBMIT_TIME, value: iso },
    { id: PR_MESSAGE_DELIVERY_TIME, value: iso },
    { id: ARCHIVE_KEY_PROPERTY, value: email.archiveKey },
    { id: CUSTODY_PROPERTY, value: JSON.stringify(envelope.headers) },
  ];
  const custody = email.attachments.map((a) => (a.custody ? { name: cleanLine(a.filename), ...a.custody, originalName: cleanText(a.custody.originalName) } : undefined));
  if (custody.some(Boolean)) extended.push({ id: ATTACHMENT_CUSTODY_PROPERTY, value: JSON.stringify(custody) });
  const thread = threadOfEmail(email);
  if (thread?.topic) extended.push({ id: PR_CONVERSATION_TOPIC, value: cleanLine(thread.topic) });
  if (thread) extended.push({ id: PR_CONVERSATION_INDEX, value: thread.index });
  // Without PR_MESSAGE_FLAGS on create, the store makes the item a draft, for good.
  if (!options.asDraft) extended.unshift({ id: PR_MESSAGE_FLAGS, value: String(options.markAsRead ? MSGFLAG_READ : 0) });
  if (email.inReplyTo) extended.push({ id: PR_IN_REPLY_TO_ID, value: email.inReplyTo });
  if (email.references.length) extended.push({ id: PR_INTERNET_REFERENCES, value: email.references.join(' ') });
  const message: Message = {
    subject: cleanLine(email.subject),
    body: { contentType: 'html', content: cleanText(email.html) },
    from: recipient(envelope.from),
    sender: recipient(envelope.from),
    toRecipients: envelope.to.map(recipient),
    ccRecipients: envelope.cc.map(recipient),
    internetMessageId: email.messageId,
    isRead: options.markAsRead,
    singleValueExtendedProperties: extended,
  };
  const headers = foldHeaders(envelope.headers);
  // An empty collection is refused just like six headers; leave it out instead.
  if (headers.length) message.internetMessageHeaders = headers;
  return message;
}

/**
 * Graph takes at most five `x-` headers on create: the first four go as they are, the rest are
 * folded into `X-Symphony-Custody-More` (Name=value; …). All of them are also kept in the
 * custodyHeaders property.
 */
export function foldHeaders(headers: ConvertedEmail['headers']): InternetMessageHeader[] {
  const custom = headers.filter((h) => /^x-/i.test(h.name)).map((h) => ({ name: h.name, value: oneLine(h.value) }));
  if (custom.length <= MAX_HEADERS) return custom;
  const kept = custom.slice(0, MAX_HEADERS - 1);
  const rest = custom.slice(MAX_HEADERS - 1).map((h) => `${h.name}=${h.value.replace(/%/g, '%25').replace(/;/g, '%3B')}`);
  return [...kept, { name: 'X-Symphony-Custody-More', value: rest.join('; ') }];
}

/** Reverses foldHeaders, for verification and for reading items back. */
export function unfoldHeaders(headers: InternetMessageHeader[]): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const header of headers) {
    if (header.name === 'X-Symphony-Custody-More') {
      for (const part of (header.value ?? '').split('; ')) {
        const eq = part.indexOf('=');
        out.push({ name: part.slice(0, eq), value: part.slice(eq + 1).replace(/%3B/g, ';').replace(/%25/g, '%') });
      }
    } else {
      out.push({ name: header.name ?? '', value: header.value ?? '' });
    }
  }
  return out;
}

export async function inlineAttachment(attachment: EmailAttachment): Promise<FileAttachment> {
  const bytes = await fs.readFile(attachment.path);
  const out: FileAttachment & { '@odata.type': string } = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    name: cleanLine(attachment.filename),
    contentType: attachment.contentType,
    contentBytes: bytes.toString('base64'),
    isInline: attachment.inline,
  };
  if (attachment.contentId) out.contentId = attachment.contentId;
  return out;
}

function recipient(address: EmailAddress): Recipient {
  return { emailAddress: { name: address.name || address.address, address: address.address } };
}

function oneLine(value: string): string {
  return value.replace(/\r?\n[ \t]*/g, ' ');
}
