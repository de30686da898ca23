import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import { encodeWords } from 'nodemailer/lib/mime-funcs';
import type { ConvertedEmail } from '../model/email';
import { boundaryFor, threadIndexFor } from './ids';

/** Header names as we write them; nodemailer would otherwise print "X-Symphony-Message-ID". */
const HEADER_NAMES = new Map(
  ['X-Symphony-Message-Id', 'X-Symphony-Stream-Id', 'X-Symphony-Stream-Type', 'X-Symphony-Pod', 'X-Symphony-Source-SHA256', 'X-Symphony-Replaces',
    'X-Symphony-Archive-Key', 'X-Symphony-Transcript-Day', 'X-Symphony-Transcript-Part', 'X-Symphony-Message-Count', 'Thread-Index', 'Message-ID']
    .map((name) => [name.toLowerCase(), name]),
);

/** A header value with one raw quoted parameter, the input form nodemailer's header parser reads back exactly. */
function withParam(value: string, param: string, raw: string): string {
  return `${value}; ${param}="${headerValue(raw).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function crlf(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\r\n');
}

// eslint-disable-next-line no-control-regex
const headerValue = (value: string) => value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/**
 * Chat text quoted in the subject may contain something that looks like an RFC 2047 encoded word
 * ("=?utf-8?B?...?="); written as it is, every reader would decode it and show other words than
 * were sent. Such a subject is encoded whole, so it reads back literally.
 */
function subjectValue(subject: string): string {
  const value = headerValue(subject);
  return value.includes('=?') ? encodeWords(value, 'Q', 52, true) : value;
}

/**
 * The nodemailer options for an e-mail. Nothing is left to chance: the Date and Message-ID are
 * the item's own, boundaries derive from the archive key, MailComposer adds no X-Mailer, and URL
 * access is off so that no content is ever fetched while composing.
 */
function mailOptions(email: ConvertedEmail) {
  const headers = email.headers.map((h) => ({ key: h.name, value: headerValue(h.value) }));
  if (email.references[0]) headers.push({ key: 'Thread-Index', value: threadIndexFor(email.references[0]) });
  return {
    from: email.from,
    to: email.to,
    cc: email.cc,
    subject: subjectValue(email.subject),
    date: email.date,
    messageId: email.messageId,
    inReplyTo: email.inReplyTo,
    references: email.references,
    // Bare LF is not allowed in a 7bit MIME body; the model keeps \n, the wire gets CRLF.
    text: crlf(email.text),
    html: crlf(email.html),
    headers,
    attachments: email.attachments.map((a) => ({
      // Given `filename`, nodemailer writes name="=?UTF-8?Q?…?=" into Content-Type: an
      // encoded-word inside a quoted string, which RFC 2047 forbids (Python flags it as a defect).
      // Both parameters are handed over raw instead; nodemailer parses them and writes a
      // non-ASCII or long name as an RFC 2231 parameter in both fields.
      filename: false as const,
      contentType: withParam(a.contentType, 'name', a.filename),
      contentDisposition: withParam(a.inline ? 'inline' : 'attachment', 'filename', a.filename),
      path: a.path,
      ...(a.contentId ? { cid: a.contentId } : {}),
    })),
    baseBoundary: boundaryFor(email.archiveKey, email.html, email.text),
    boundaryPrefix: '--_SymphonyArchive',
    disableUrlAccess: true,
    normalizeHeaderKey: (key: string) => HEADER_NAMES.get(key.toLowerCase()) ?? key,
  };
}

function compose(email: ConvertedEmail) {
  return new MailComposer(mailOptions(email) as ConstructorParameters<typeof MailComposer>[0]).compile();
}

/** The RFC 5322 message, streamed (attachments are read from the spool as they are written). */
export function toMimeStream(email: ConvertedEmail): Readable {
  return compose(email).createReadStream();
}

/** The RFC 5322 message in memory; for previews, tests and small items. */
export function toMime(email: ConvertedEmail): Promise<Buffer> {
  return compose(email).build();
}
