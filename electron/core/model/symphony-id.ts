/**
 * Symphony sends stream and message ids either URL-safe (`-`, `_`, no padding) or as standard
 * base64 (`+`, `/`, `=`), depending on the endpoint. Paths need the URL-safe form, the store keys
 * on it (so the same message is never stored twice under two spellings), and the e-mail's ids
 * carry it (convert/ids.ts `headerSafeId`).
 */
export function toUrlSafeId(id: string): string {
  return id.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const URL_SAFE = /^[A-Za-z0-9_-]+$/;

export function isUrlSafeId(id: string): boolean {
  return URL_SAFE.test(id);
}
