import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import type { ConvertedEmail } from '../model/email';
import { dispositionHeader, phrase, textHeader } from './headers';
import { boundaryFor } from './ids';
import { streamMime, writeMime } from './mime-writer';
import { cleanText, custodyValue, normaliseEnvelope, threadOfEmail } from '../model/normalise';

/** Header names as we write them; nodemailer would otherwise print "X-Symphony-Message-ID". */
const HEADER_NAMES = new Map(
  ['X-Symphony-Message-Id', 'X-Symphony-Stream-Id', 'X-Symphony-Stream-Type', 'X-Symphony-Pod', 'X-Symphony-Source-SHA256', 'X-Symphony-Replaces',
    'X-Symphony-Archive-Key', 'X-Symphony-Transcript-Day', 'X-Symphony-Transcript-Part', 'X-Symphony-Message-Count', 'Thread-Index', 'Thread-Topic', 'Message-ID']
    .map((name) => [name.toLowerCase(), name]),
);

function crlf(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\r\n');
}

/** A header written as given (already encoded here), folded at its spaces by nodemailer. */
const prepared = (key: string, value: string) => ({ key, value: { prepared: true, foldLines: true, value } });

/**
 * The nodemailer options for an e-mail. Nothing is left to chance: the Date and Message-ID are
 * the item's own, boundaries derive from the archive key, MailComposer adds no X-Mailer, and URL
 * access is off so that no content is ever fetched while composing. Addresses and text go through
 * the same normalisation as the Graph item (convert/normalise.ts); address lists, Subject and
 * Thread-Topic are encoded here (convert/headers.ts), never by nodemailer, so that an encoded-word
 * look-alike is always read literally.
 */
function mailOptions(email: ConvertedEmail) {
  const envelope = normaliseEnvelope(email);
  const text = cleanText(email.text);
  const html = cleanText(email.html);
  const headers: Array<{ key: string; value: unknown }> = [];
  // One line of printable ASCII with no quote or encoded-word look-alike (normaliseEnvelope), which
  // nodemailer writes as it is (only folded); not `prepared`, which would skip normalizeHeaderKey.
  headers.push(...envelope.headers.map((h) => ({ key: h.name, value: h.value })));
  const thread = threadOfEmail(email);
  if (thread?.topic) headers.push(prepared('Thread-Topic', textHeader(thread.topic)));
  if (thread) headers.push({ key: 'Thread-Index', value: thread.index });
  return {
    from: envelope.from,
    to: envelope.to,
    cc: envelope.cc,
    subject: textHeader(email.subject),
    date: email.date,
    messageId: email.messageId,
    inReplyTo: email.inReplyTo,
    references: email.references,
    // Bare LF is not allowed in a 7bit MIME body; the model keeps \n, the wire gets CRLF.
    text: crlf(text),
    html: crlf(html),
    headers,
    attachments: email.attachments.map((a) => ({
      // Given `filename`, nodemailer writes name="=?UTF-8?Q?…?=" into Content-Type (an encoded
      // word inside a quoted string, which RFC 2047 forbids) and folds quoted names at their
      // spaces. The name is written once, by us, in Content-Disposition (convert/headers.ts).
      filename: false as const,
      contentType: a.contentType,
      // Always base64: the only encoding that keeps any bytes exact (NUL, bare CR, long lines,
      // an attached .eml) through every reader; text/* would otherwise get quoted-printable with
      // its line breaks rewritten.
      contentTransferEncoding: 'base64',
      // A prepared value is written as it is (nodemailer would re-encode a string).
      contentDisposition: { prepared: true, value: dispositionHeader(a.inline ? 'inline' : 'attachment', a.filename) },
      headers: {
        ...(a.custody
          ? {
              'X-Symphony-Original-Filename': custodyValue(a.custody.originalName),
              'X-Symphony-Declared-Type': a.custody.declaredType || 'none',
              'X-Symphony-Sniffed-Type': a.custody.sniffedType || 'unknown',
            }
          : {}),
      },
      path: a.path,
      ...(a.contentId ? { cid: a.contentId } : {}),
    })),
    baseBoundary: boundaryFor(email.archiveKey, html, text),
    boundaryPrefix: '--_SymphonyArchive',
    disableUrlAccess: true,
    normalizeHeaderKey: (key: string) => HEADER_NAMES.get(key.toLowerCase()) ?? key,
  };
}

/** The e-mail as nodemailer's MIME tree, not yet written (toMime and toMimeStream write it). */
export function mimeTree(email: ConvertedEmail): MimeNode {
  const root = new MailComposer(mailOptions(email) as unknown as ConstructorParameters<typeof MailComposer>[0]).compile();
  // Nodemailer quotes an ASCII display name that is not a plain atom, an encoded-word look-alike
  // included, and lenient readers decode it inside the quotes (a spoofed name). Its address
  // headers (From, To, Cc) take no prepared value, so the one method that writes a display name
  // is replaced on this message's root node by ours (convert/headers.ts); the golden files of
  // test/unit/convert-golden.test.ts fail should a nodemailer update stop calling it.
  (root as unknown as { _encodeAddressName: (name: string) => string })._encodeAddressName = phrase;
  return root;
}

/** The RFC 5322 message, streamed (attachments are read from the spool as they are written). */
export function toMimeStream(email: ConvertedEmail): Readable {
  return streamMime(mimeTree(email));
}

/** The RFC 5322 message in memory; for previews, tests and small items. */
export function toMime(email: ConvertedEmail): Promise<Buffer> {
  return writeMime(mimeTree(email));
}
