import { randomBytes } from 'node:crypto';

/** Symphony's ids: URL-safe base64 in paths, standard base64 in some payloads (both forms exist in the wild). */

/** URL-safe base64 without padding. */
export function urlSafe(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function toStandard(id: string): string {
  const std = id.replace(/-/g, '+').replace(/_/g, '/');
  return std + '='.repeat((4 - (std.length % 4)) % 4);
}

export function normaliseId(id: string): string {
  return id.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A session or key-manager token: opaque to the client. */
export function opaqueToken(): string {
  return randomBytes(32).toString('hex');
}
