import { ArchiverError } from '../../../shared/errors';
import type { ConvertedEmail } from '../model/email';

/** Exchange Online's largest message (and Graph's largest attachment upload): 150 MB. */
export const MAX_MESSAGE_BYTES = 150 * 1024 * 1024;

/** Bytes of base64 with 76-character lines, as MIME writes attachments. */
export function base64Size(bytes: number): number {
  const encoded = Math.ceil(bytes / 3) * 4;
  return encoded + Math.ceil(encoded / 76) * 2;
}

/**
 * An upper bound of the encoded message size, known before any byte is read: bodies counted as
 * if every character needed quoted-printable escaping, attachments as base64, plus headers.
 */
export function estimateMimeSize(email: ConvertedEmail): number {
  const bodies = (Buffer.byteLength(email.html) + Buffer.byteLength(email.text)) * 3 + 2048;
  const headers = 4096 + email.headers.reduce((n, h) => n + h.name.length + h.value.length + 4, 0) + (email.to.length + email.cc.length) * 200;
  return email.attachments.reduce((n, a) => n + base64Size(a.size) + 512 + Buffer.byteLength(a.filename) * 6, bodies + headers);
}

export function assertWithinSizeLimit(email: ConvertedEmail, what: string, limit = MAX_MESSAGE_BYTES): void {
  const size = estimateMimeSize(email);
  if (size <= limit) return;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  throw new ArchiverError({
    code: 'too-large',
    message: `${what} would become an e-mail of about ${mb(size)}, more than the ${mb(limit)} Exchange Online accepts, so it cannot be archived as one message.`,
    fix: 'Export the attachment from Symphony and keep it in your records by other means; in daily-transcript mode, switch the connector to per-message mode so that each message stays separate.',
    target: email.archiveKey,
    detail: `estimated MIME size ${size} bytes; attachments ${email.attachments.map((a) => `${a.filename}=${a.size}`).join(', ')}`,
  });
}
