import { wellFormed } from '../model/normalise';

/**
 * Attachment names a reviewer can save on any system (Windows, macOS, Linux) and that cannot
 * pretend to be something else. The original name is kept in the attachment's custody header.
 *
 * - controls and line breaks become spaces; bidirectional controls (U+202A–U+202E, U+2066–U+2069,
 *   U+200E/U+200F, U+061C) are removed: "invoice\u202Efdp.exe" would show as "invoiceexe.pdf";
 * - `/ \ : * ? " < > |` become `_` (path separators and what Windows refuses);
 * - trailing dots and spaces are dropped (Windows drops them silently, so two names would meet);
 * - a reserved device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with any extension) gets a `_`
 *   prefix: Windows cannot create `CON.txt`;
 * - at most 255 bytes of UTF-8 (the common file-system limit), cut before the extension, never
 *   inside a character.
 */

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;
export const MAX_FILENAME_BYTES = 255;

function cutToBytes(value: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > max) break;
    out += char;
    bytes += size;
  }
  return out;
}

export function safeFilename(name: string, index: number): string {
  let value = wellFormed(name).normalize('NFC').replace(BIDI, '').replace(CONTROLS, ' ').replace(/[/\\:*?"<>|]/g, '_');
  value = value.replace(/\s+/g, ' ').trim().replace(/[. ]+$/, '');
  if (RESERVED.test(value)) value = `_${value}`;
  if (!value || /^\.+$/.test(value)) value = `attachment-${index + 1}`;
  if (Buffer.byteLength(value) > MAX_FILENAME_BYTES) {
    const dot = value.lastIndexOf('.');
    const ext = dot > 0 && value.length - dot <= 16 ? value.slice(dot) : '';
    value = `${cutToBytes(value.slice(0, value.length - ext.length), MAX_FILENAME_BYTES - Buffer.byteLength(ext) - 3).trimEnd()}…${ext}`;
  }
  return value;
}
