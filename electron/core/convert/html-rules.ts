/** The allow-list of the PresentationML walker: which elements survive, and how links are checked. */

/** Whole subtrees that never reach the archive: active content, media, form controls, metadata. */
export const DROP = new Set([
  'script', 'style', 'audio', 'video', 'source', 'track', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param',
  'input', 'button', 'select', 'option', 'optgroup', 'datalist', 'textarea', 'output', 'meter', 'progress', 'svg', 'math',
  'template', 'noscript', 'noembed', 'noframes', 'head', 'title', 'meta', 'link', 'base', 'canvas', 'map', 'area', 'picture',
  'xmp', 'plaintext', 'dialog', 'slot', 'portal',
]);

/** Inline formatting kept under its own (or an equivalent) name. */
export const INLINE: Record<string, string> = {
  b: 'b', strong: 'strong', i: 'i', em: 'em', u: 'u', s: 's', strike: 's', del: 'del', ins: 'ins', sub: 'sub', sup: 'sup',
  small: 'small', mark: 'mark', code: 'code', tt: 'code', kbd: 'kbd', samp: 'samp', var: 'i', cite: 'i',
};

export const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
export const TABLE_SECTIONS = new Set(['thead', 'tbody', 'tfoot']);
/** http(s) only in the plain `scheme://host` form: browsers read "https:/\\x" as a link to host x. */
const ALLOWED_LINK = /^(?:https?:\/\/[^/\\]|mailto:)/i;
/** Deeper nesting is flattened: it is never meaningful in chat and it would only slow the purifier. */
export const MAX_DEPTH = 64;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

export function classes(attribs: Record<string, string>): string[] {
  return (attribs.class ?? '').split(/\s+/).filter(Boolean);
}

export function digits(value: string | undefined, max: number): string | undefined {
  if (!value || !/^\s*\d{1,6}\s*$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= max ? String(n) : undefined;
}

/** Browsers ignore tabs and newlines inside URLs ("java\nscript:"), so the check must too. */
export function safeHref(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = raw.replace(/[\u0000-\u0020\u007f-\u009f]/g, (c) => (c === ' ' ? '%20' : '')).trim();
  if (!ALLOWED_LINK.test(cleaned) || cleaned.includes('\\')) return undefined;
  try {
    const url = new URL(cleaned);
    if (!['http:', 'https:', 'mailto:'].includes(url.protocol)) return undefined;
    if (url.protocol !== 'mailto:' && !url.hostname) return undefined;
  } catch {
    return undefined;
  }
  return cleaned;
}

