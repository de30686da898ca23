import { createHash } from 'node:crypto';
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import { ArchiverError } from '../../../../shared/errors';
import type { StreamType } from '../../model/captured';
import { isUrlSafeId, toUrlSafeId } from '../ids';
import { addressesOf, headerLinesOf, streamTypeOf, symphonyHeader, type MailAddress } from './eml-headers';

export interface ExportAddress extends MailAddress {
  /** Symphony user id when the EML names it; otherwise resolved by e-mail address later. */
  symphonyUserId: string | null;
}

export interface ExportAttachment {
  name: string;
  contentType: string;
  content: Buffer;
  inline: boolean;
}

export interface ExportMessage {
  messageId: string;
  /** `header`: Symphony's own id from the EML; `derived`: computed (see deriveMessageId). */
  idSource: 'header' | 'derived';
  timestamp: number;
  sender: ExportAddress;
  presentationML: string;
  replacesMessageId: string | null;
  /** The message as received (raw bytes and headers) for the chain-of-custody record. */
  source: Record<string, unknown>;
  attachments: ExportAttachment[];
}

export interface ExportConversation {
  streamId: string;
  idSource: 'header' | 'derived';
  streamType: StreamType;
  name: string;
  members: ExportAddress[];
  messages: ExportMessage[];
}

export interface EmlContext {
  file: string;
  fileSha256: string;
  entry: string;
  /** Used when a message has no usable date (the export period's start from the file name). */
  fallbackTimestamp: number | null;
}

const PARSE_OPTIONS = { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true } as const;

/**
 * One EML of a Content Export is one conversation. Two layouts are read, since Symphony does not
 * publish the inner structure: a container whose message/rfc822 parts are the chat messages (one
 * item each), or a single message holding the transcript (one item for the conversation and
 * period). Nothing in the file is dropped: a container's own attachments become an item too.
 */
export async function parseConversationEml(data: Buffer, ctx: EmlContext): Promise<ExportConversation> {
  let outer: ParsedMail;
  try {
    outer = await simpleParser(data, PARSE_OPTIONS);
  } catch (error) {
    throw new ArchiverError(
      { code: 'invalid-input', message: `${ctx.file}: ${ctx.entry} is not a readable e-mail (EML) file.`, fix: 'The export file is skipped; ask your Symphony admin to re-run the export for that period.', target: `${ctx.file}/${ctx.entry}`, detail: String(error) },
      { cause: error },
    );
  }
  const entrySha256 = sha256(data);
  const nested = outer.attachments.filter(isMessagePart);
  const parts: { mail: ParsedMail; raw: Buffer; part: number | null }[] = [];
  for (const [index, attachment] of nested.entries()) {
    parts.push({ mail: await simpleParser(attachment.content, PARSE_OPTIONS), raw: attachment.content, part: index });
  }
  const ownAttachments = outer.attachments.filter((a) => !isMessagePart(a));
  if (nested.length === 0 || ownAttachments.length > 0) parts.unshift({ mail: outer, raw: data, part: null });

  const all = [outer, ...parts.map((p) => p.mail)];
  const headerStreamId = firstHeader(all, 'streamId');
  const name = (firstHeader(all, 'roomName') ?? outer.subject ?? '').trim();
  const members = collectMembers(all);
  const streamType = streamTypeOf(firstHeader(all, 'streamType')) ?? (name ? 'ROOM' : members.length <= 2 ? 'IM' : 'MIM');
  const streamId = headerStreamId ? toUrlSafeId(headerStreamId) : deriveStreamId(streamType, name, members);
  if (!isUrlSafeId(streamId)) {
    throw new ArchiverError({ code: 'invalid-input', message: `${ctx.file}: ${ctx.entry} names the conversation ${JSON.stringify(headerStreamId)}, which is not a Symphony stream id.`, target: `${ctx.file}/${ctx.entry}` });
  }

  const messages = parts.map(({ mail, raw, part }) => toMessage(mail, raw, part, streamId, members, { ...ctx, entrySha256 }));
  return { streamId, idSource: headerStreamId ? 'header' : 'derived', streamType, name, members, messages };
}

function toMessage(
  mail: ParsedMail,
  raw: Buffer,
  part: number | null,
  streamId: string,
  members: ExportAddress[],
  ctx: EmlContext & { entrySha256: string },
): ExportMessage {
  const from = addressesOf(mail.from)[0];
  const senderEmail = from?.email ?? '';
  const known = members.find((m) => m.email.toLowerCase() === senderEmail.toLowerCase());
  const sender: ExportAddress = {
    email: senderEmail,
    displayName: from?.displayName || known?.displayName || '',
    symphonyUserId: symphonyHeader(mail, 'senderId') ?? known?.symphonyUserId ?? null,
  };
  const headerTs = symphonyHeader(mail, 'timestamp');
  const timestamp = headerTs && /^\d{10,16}$/.test(headerTs) ? Number(headerTs) : (mail.date?.getTime() ?? ctx.fallbackTimestamp ?? 0);
  const presentationML = toPresentationML(mail);
  const attachments = mail.attachments.filter((a) => !isMessagePart(a)).map(toAttachment);
  const headerId = symphonyHeader(mail, 'messageId');
  const replacing = symphonyHeader(mail, 'replacing');
  const source = {
    source: 'symphony-content-export',
    format: 'eml',
    file: ctx.file,
    fileSha256: ctx.fileSha256,
    entry: ctx.entry,
    entrySha256: ctx.entrySha256,
    part,
    headers: headerLinesOf(mail),
    // latin1 keeps every byte of the original message, 8-bit parts included.
    raw: raw.toString('latin1'),
  };
  const messageId = headerId ? toUrlSafeId(headerId) : deriveMessageId(streamId, timestamp, sender.email, mail, attachments);
  return {
    messageId,
    idSource: headerId ? 'header' : 'derived',
    timestamp,
    sender,
    presentationML,
    replacesMessageId: replacing ? toUrlSafeId(replacing) : null,
    source,
    attachments,
  };
}

function isMessagePart(a: Attachment): boolean {
  return a.contentType.toLowerCase() === 'message/rfc822';
}

function toAttachment(a: Attachment, index: number): ExportAttachment {
  return {
    name: a.filename?.trim() || `attachment-${index + 1}${extensionFor(a.contentType)}`,
    contentType: a.contentType || 'application/octet-stream',
    content: a.content,
    inline: a.related || (a.contentDisposition === 'inline' && Boolean(a.cid)),
  };
}

function collectMembers(mails: ParsedMail[]): ExportAddress[] {
  const byEmail = new Map<string, ExportAddress>();
  for (const mail of mails) {
    const senderId = symphonyHeader(mail, 'senderId') ?? null;
    const fromList = addressesOf(mail.from);
    const all = [...fromList, ...addressesOf(mail.to), ...addressesOf(mail.cc)];
    all.forEach((address, i) => {
      const key = address.email.toLowerCase();
      const current = byEmail.get(key);
      const id = i === 0 && fromList.length > 0 ? senderId : null;
      if (!current) byEmail.set(key, { ...address, symphonyUserId: id });
      else {
        if (!current.displayName && address.displayName) current.displayName = address.displayName;
        if (!current.symphonyUserId && id) current.symphonyUserId = id;
      }
    });
  }
  return [...byEmail.values()].sort((a, b) => (a.email.toLowerCase() < b.email.toLowerCase() ? -1 : 1));
}

function firstHeader(mails: ParsedMail[], which: Parameters<typeof symphonyHeader>[1]): string | undefined {
  for (const mail of mails) {
    const value = symphonyHeader(mail, which);
    if (value) return value;
  }
  return undefined;
}

/**
 * Without Symphony's stream id, a room is known by its name and an IM/MIM by its members, so the
 * same conversation keeps one id across daily exports (a renamed room starts a new one).
 */
export function deriveStreamId(streamType: StreamType, name: string, members: ExportAddress[]): string {
  const key = streamType === 'ROOM' && name ? `room\n${name}` : `members\n${members.map((m) => m.email.toLowerCase()).join('\n')}`;
  return `ce${base64url(createHash('sha256').update(key).digest()).slice(0, 30)}`;
}

/** Stream + timestamp + sender + content: the same message in two exports gets the same id. */
export function deriveMessageId(streamId: string, timestamp: number, senderEmail: string, mail: ParsedMail, attachments: ExportAttachment[]): string {
  const content = createHash('sha256');
  content.update(mail.text ?? '').update('\0').update(typeof mail.html === 'string' ? mail.html : '');
  for (const a of attachments) content.update('\0').update(sha256(a.content));
  const key = `${streamId}\n${timestamp}\n${senderEmail.toLowerCase()}\n${content.digest('hex')}`;
  return `ce${base64url(createHash('sha256').update(key).digest())}`;
}

function toPresentationML(mail: ParsedMail): string {
  const inner = typeof mail.html === 'string' && mail.html.trim() ? htmlBody(mail.html) : escapeText(mail.text ?? '');
  return `<div data-format="PresentationML" data-version="2.0">${inner}</div>`;
}

/** The body's content only; head, styles and scripts never reach the converter's allow-list. */
function htmlBody(html: string): string {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  return body
    .replace(/<head[\s\S]*?<\/head>/gi, '')
    .replace(/<(style|script)[\s\S]*?<\/\1\s*>/gi, '')
    .trim();
}

function escapeText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .trimEnd()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\n/g, '<br/>');
}

function extensionFor(contentType: string): string {
  const sub = contentType.split('/')[1]?.toLowerCase() ?? '';
  return /^[a-z0-9]{1,5}$/.test(sub) ? `.${sub}` : '';
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function base64url(data: Buffer): string {
  return data.toString('base64url');
}
