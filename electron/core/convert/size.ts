import type { ConvertedEmail } from '../model/email';

/*
 * The converter reports sizes; it never refuses an item for its size. Whether an e-mail is too
 * large for Exchange Online is the planner's rule alone (model/limits.ts, runs/plan.ts).
 */

/** Bytes of base64 with 76-character lines, as MIME writes attachments. */
export function base64Size(bytes: number): number {
  const encoded = Math.ceil(bytes / 3) * 4;
  return encoded + Math.ceil(encoded / 76) * 2;
}

/**
 * An upper bound of the encoded message size, known before any byte is read: bodies counted as
 * if every character needed quoted-printable escaping, attachments as base64, plus headers.
 * The planner compares it with `EXCHANGE_MAX_MESSAGE_BYTES`.
 */
export function estimateMimeSize(email: ConvertedEmail): number {
  const bodies = (Buffer.byteLength(email.html) + Buffer.byteLength(email.text)) * 3 + 2048;
  const headers = 4096 + email.headers.reduce((n, h) => n + h.name.length + h.value.length + 4, 0) + (email.to.length + email.cc.length) * 200;
  return email.attachments.reduce((n, a) => n + base64Size(a.size) + 512 + Buffer.byteLength(a.filename) * 6, bodies + headers);
}
