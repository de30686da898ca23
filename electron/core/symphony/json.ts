import { isLosslessNumber, isSafeNumber, LosslessNumber, parse as losslessParse } from 'lossless-json';

/**
 * Symphony ids are int64 and may exceed 2^53, where JSON.parse silently rounds them. Numbers
 * that do not survive a round trip are kept as LosslessNumber (their exact digits); the rest
 * become ordinary numbers. The fast path skips the slower parser when no long digit run exists.
 */
export function parseJson(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return losslessParse(text, null, (value) => (isSafeNumber(value) ? Number(value) : new LosslessNumber(value)));
}

/** A decimal string for an id that came as a number, a LosslessNumber or a string. */
export function idString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value)).toString();
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'bigint') return value.toString();
  return '';
}

/**
 * Canonical JSON (RFC 8785 style): keys sorted by UTF-16 code units, no whitespace, strings
 * and numbers as ECMAScript serialises them, large integers with their exact digits. The same
 * received message always gives the same bytes, hence the same chain-of-custody hash.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'bigint') return value.toString();
  if (isLosslessNumber(value)) return value.value;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return 'null';
}

export { sha256Hex } from '../platform/hash';
