import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { ConvertedEmail, EmailAddress, EmailThread } from './email';

/**
 * The one normalisation every text and address goes through before it leaves the archiver, as
 * .eml (convert/mime.ts) or as Graph JSON (graph/message.ts). It lives with the e-mail model
 * because it defines the model's canonical form and both domains must share it without importing
 * each other. Both renderers call these same
 * functions on the same ConvertedEmail, so the two paths cannot disagree (issue #15). All of them
 * are idempotent: normalising a normalised value changes nothing.
 */

// C0 and C1 controls except tab, LF and CR. DEL is a C0-range control for this purpose.
// eslint-disable-next-line no-control-regex
const BODY_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Lone UTF-16 surrogates become U+FFFD (String.prototype.toWellFormed, done by hand for Node 18). */
export function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Body text: no controls but tab, CR and LF; no lone surrogates. */
export function cleanText(value: string): string {
  return wellFormed(value).replace(BODY_CONTROLS, '');
}

/** One line of text (names, subjects, header values): every control and line break is a space. */
export function oneLine(value: string): string {
  return wellFormed(value).replace(LINE_CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

// RFC 5322 dot-atom: atext with single dots inside. "=?" is left out on purpose: an address that
// contains it would be read as an encoded word by lenient parsers.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The domain as ASCII (IDN as punycode, UTS #46), or undefined when it is not a host name. */
export function asciiDomain(domain: string): string | undefined {
  const ascii = domainToASCII(domain.trim());
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.toLowerCase().split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return undefined;
  return labels.join('.');
}

/** Where addresses that cannot be written as they are go: a domain that never receives mail. */
export const PLACEHOLDER_DOMAIN = 'invalid.symphony.archive';

/** Display names are kept to 300 bytes of UTF-8: what any reader shows, and one encoded word of it fits a header line. */
export const MAX_NAME_BYTES = 300;

function capName(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  let out = '';
  for (const char of name) {
    if (Buffer.byteLength(out + char) > MAX_NAME_BYTES - 3) break;
    out += char;
  }
  return `${out.trimEnd()}…`;
}

export interface NormalisedAddress {
  address: EmailAddress;
  /** The address as it was, when it had to be replaced (kept visible and in a custody header). */
  original?: string;
}

/**
 * An address as every reader and Graph accept it: ASCII dot-atom local part, IDN domain as
 * punycode. Anything else (a non-ASCII local part, `dot..double`, no domain) is replaced by
 * `invalid.{hash}@invalid.symphony.archive` — we chose this over RFC 6532 (SMTPUTF8) because an
 * 8-bit header is refused by Graph's recipient validation and by 7-bit readers — and the original
 * stays visible in the display name: `Jörg (jörg@example.com)`.
 */
export function normaliseAddress(input: EmailAddress): NormalisedAddress {
  const name = capName(oneLine(input.name));
  const raw = oneLine(input.address);
  const at = raw.lastIndexOf('@');
  const local = at > 0 ? raw.slice(0, at) : '';
  const domain = at > 0 ? asciiDomain(raw.slice(at + 1)) : undefined;
  if (domain && local.length <= 64 && DOT_ATOM.test(local) && !local.includes('=?')) {
    const address = `${local}@${domain}`;
    // A name that only repeats the address is no name: readers drop it, so the model does too.
    return { address: { name: name.toLowerCase() === address.toLowerCase() || name.toLowerCase() === raw.toLowerCase() ? '' : name, address } };
  }
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  const visible = raw || 'no address';
  const shown = capName(name && name !== raw ? `${name} (${visible})` : visible);
  return { address: { name: shown, address: `invalid.${hash}@${PLACEHOLDER_DOMAIN}` }, original: raw };
}

/**
 * Custody header values carry originals that may hold any character: percent-encoded UTF-8 for
 * everything outside printable ASCII (space, "%" and ";" included), so the value is 7-bit, one
 * line, the same in the .eml and on the Graph item. A space is inserted every 60 characters so the
 * header can be folded within 998 octets: remove spaces, then decodeURIComponent, to read it back.
 */
export function custodyValue(value: string): string {
  const encoded = wellFormed(value).replace(/[^\x21\x23\x24\x26-\x3a\x3c-\x3e\x40-\x7e]/gu, (c) => encodeURIComponent(c).replace(/!/g, '%21'));
  return (encoded.match(/.{1,60}/g) ?? []).join(' ');
}

export function decodeCustodyValue(value: string): string {
  return decodeURIComponent(value.replace(/\s+/g, ''));
}

/**
 * An X-Symphony-* value as written on both paths: one line of printable ASCII. Anything else
 * (non-ASCII, a quote, an encoded-word look-alike) is percent-encoded like a custody value, so
 * no reader decodes it into something else and Graph takes it as it is.
 */
export function headerValue(value: string): string {
  const line = oneLine(value);
  return /[^\x20-\x7e]|"|=\?/.test(line) ? custodyValue(line) : line;
}

export interface Envelope {
  from: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  /** The e-mail's headers plus X-Symphony-Original-Address for each address replaced now. */
  headers: Array<{ name: string; value: string }>;
}

export const ORIGINAL_ADDRESS_HEADER = 'X-Symphony-Original-Address';

/**
 * From, To and Cc normalised, with the originals of replaced addresses recorded once in
 * `X-Symphony-Original-Address: from=…; to=…` (values percent-encoded). Called by the converter
 * and again by both renderers; on an already normalised e-mail it changes nothing.
 */
export function normaliseEnvelope(email: { from: EmailAddress; to: EmailAddress[]; cc: EmailAddress[]; headers: Array<{ name: string; value: string }> }): Envelope {
  const originals: string[] = [];
  const one = (field: string) => (a: EmailAddress) => {
    const n = normaliseAddress(a);
    if (n.original !== undefined) originals.push(`${field}=${custodyValue(n.original)}`);
    return n.address;
  };
  const from = one('from')(email.from);
  const to = email.to.map(one('to'));
  const cc = email.cc.map(one('cc'));
  const headers = email.headers.map((h) => ({ name: h.name, value: headerValue(h.value) }));
  if (originals.length > 0) {
    const existing = headers.find((h) => h.name === ORIGINAL_ADDRESS_HEADER);
    if (existing) existing.value = [existing.value, ...originals].join('; ');
    else headers.push({ name: ORIGINAL_ADDRESS_HEADER, value: originals.join('; ') });
  }
  return { from, to, cc, headers };
}

/**
 * Outlook and Exchange group a conversation by Thread-Index / PidTagConversationIndex (MS-OXOMSG
 * 2.2.1.3): 22 bytes, a reserved 0x01, 5 bytes of FILETIME and a 16-byte GUID. Deriving the whole
 * header block from the thread root id puts every message of a stream in one conversation,
 * whatever its subject (docs/decisions/conversation-identity.md).
 */
export function threadIndexFor(rootMessageId: string): string {
  const hash = createHash('sha256').update(rootMessageId).digest();
  const index = Buffer.alloc(22);
  index[0] = 1;
  hash.copy(index, 1, 0, 5);
  hash.copy(index, 6, 5, 21);
  return index.toString('base64');
}

/** The e-mail's conversation identity; one built outside the converter gets its index from its root reference. */
export function threadOfEmail(email: Pick<ConvertedEmail, 'thread' | 'references'>): EmailThread | undefined {
  return email.thread ?? (email.references[0] ? { topic: '', index: threadIndexFor(email.references[0]) } : undefined);
}
