/**
 * Symphony sends stream and message ids either URL-safe (`-`, `_`, no padding) or as standard
 * base64 (`+`, `/`, `=`), depending on the endpoint. Paths need the URL-safe form, and the store
 * keys on it so that the same message is never stored twice under two spellings.
 */
export function toUrlSafeId(id: string): string {
  return id.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const URL_SAFE = /^[A-Za-z0-9_-]+$/;

export function isUrlSafeId(id: string): boolean {
  return URL_SAFE.test(id);
}

/** Host name of a URL (the pod name used in Message-IDs); the input when it is not a URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
