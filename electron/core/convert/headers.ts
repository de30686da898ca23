import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { oneLine } from './normalise';

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

/** A display name: atoms as they are, other ASCII as a quoted string, the rest encoded words. */
export function phrase(name: string): string {
  const line = oneLine(name);
  if (needsEncoding(line)) return encoded(line);
  if (ATOMS.test(line)) return line;
  return `"${line.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
