import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { oneLine } from '../model/normalise';

/**
 * Header fields whose words a reader shows: Subject, Thread-Topic and display names. Chat text
 * and directory names may contain something that looks like an RFC 2047 encoded word
 * ("=?utf-8?B?…?="); written as it is, every reader would decode it and show other words than
 * were said, and inside a quoted string lenient readers decode it anyway (a spoofed name). Such a
 * value, like any non-ASCII one, is therefore encoded whole as encoded words (never quoted): a
 * reader decodes it once and shows the literal text. Nodemailer's encodeWords would leave an
 * ASCII value alone, so this is done here with its encodeWord.
 */

const PRINTABLE = /^[\x20-\x7e]*$/;
const ATOMS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$/;

function needsEncoding(value: string): boolean {
  return !PRINTABLE.test(value) || value.includes('=?');
}

function encoded(value: string): string {
  // Q keeps mostly-Latin text readable in the raw message; B is shorter for other scripts.
  const nonAscii = value.replace(/[\x20-\x7e]/g, '').length;
  return encodeWord(value, nonAscii > value.length / 3 ? 'B' : 'Q', 52);
}

/** Unstructured text (Subject, Thread-Topic): as is, or encoded words. */
export function textHeader(value: string): string {
  const line = oneLine(value);
  return needsEncoding(line) ? encoded(line) : line;
}

/**
 * A display name: atoms as they are, other ASCII as a quoted string, the rest as ONE encoded word.
 * Not split into several: Python's parser (3.11, default policy) keeps the space between two
 * encoded words of a phrase, which RFC 2047 says to drop and other readers do drop, so a split
 * name would read differently in different readers. Names are capped (normaliseAddress) so the
 * single word stays far below the 998-octet line limit.
 */
export function phrase(name: string): string {
  const line = oneLine(name);
  if (needsEncoding(line)) return `=?UTF-8?B?${Buffer.from(line).toString('base64')}?=`;
  if (ATOMS.test(line)) return line;
  return `"${line.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * `attachment; filename…` / `inline; filename…` as written. A plain token stays plain; any other
 * name is an RFC 2231 extended parameter (UTF-8, percent-encoded, in continuations of at most 60
 * characters), so the value holds no whitespace: header folding can never fall inside the name,
 * which Python's compat32 reader would otherwise return with the line break in it.
 */
export function dispositionHeader(disposition: 'attachment' | 'inline', filename: string): string {
  if (/^[A-Za-z0-9!#$&+.^_`{}~-]{1,60}$/.test(filename)) return `${disposition}; filename=${filename}`;
  const encoded = Array.from(filename, (c) => (/^[A-Za-z0-9!#$&+.^_`|~-]$/.test(c) ? c : encodeURIComponent(c).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16).toUpperCase()}`)));
  const chunks: string[] = [];
  let current = '';
  for (const piece of encoded) {
    if (current.length + piece.length > 60) {
      chunks.push(current);
      current = '';
    }
    current += piece;
  }
  if (current) chunks.push(current);
  const params = chunks.map((chunk, i) => (chunks.length === 1 ? `filename*=utf-8''${chunk}` : `filename*${i}*=${i === 0 ? "utf-8''" : ''}${chunk}`));
  return [`${disposition};`, ...params.map((p, i) => `${p}${i < params.length - 1 ? ';' : ''}`)].join('\r\n ');
}
