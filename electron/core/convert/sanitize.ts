import { createRequire } from 'node:module';
import type { IOptions } from 'sanitize-html';
import type sanitizeHtmlFunction from 'sanitize-html';
import { DROP, safeHref } from './html-rules';

/** Every tag the PresentationML walker may emit; anything else is removed a second time here. */
export const OUTPUT_TAGS = [
  'a', 'b', 'blockquote', 'br', 'caption', 'code', 'dd', 'del', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
] as const;

/**
 * The attributes the walker may emit: text-only ones on any allowed tag, the link and the image
 * source only where they mean something (and checked again below), never `style`, `id`, `on*`,
 * `data-*`, `target` or anything else.
 */
const OUTPUT_ATTRIBUTES: Record<string, string[]> = {
  '*': ['title', 'alt', 'class', 'colspan', 'rowspan', 'start', 'border', 'cellpadding', 'cellspacing'],
  a: ['href'],
  img: ['src'],
};

/** Void elements, written `<br>` as the walker writes them (not sanitize-html's XHTML `<br />`). */
const VOID = ['br', 'hr', 'img'];

const options: IOptions = {
  allowedTags: [...OUTPUT_TAGS],
  allowedAttributes: OUTPUT_ATTRIBUTES,
  // Links: http, https and mailto only, in the same strict form the walker accepts (safeHref:
  // controls browsers ignore removed first, `scheme://host`, no backslash); relative and
  // protocol-relative links are not kept. Images: only `cid:` parts of the same message — a remote
  // image is a tracking beacon and a data: URL is content the archive never vetted.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['cid'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: checked(attribs, 'href', safeHref) }),
    img: (tagName, attribs) => ({ tagName, attribs: checked(attribs, 'src', cidSource) }),
  },
  // An image without a (cid:) source is removed whole, as is anything else in the drop list with
  // its content (scripts, media, form controls, metadata); other tags are unwrapped, text kept.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  nonTextTags: [...DROP],
  disallowedTagsMode: 'discard',
  allowVulnerableTags: false,
  allowedStyles: {},
  selfClosing: VOID,
  enforceHtmlBoundary: false,
  parser: { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
};

/** `attribs` in their order, with `name` replaced by what `check` makes of it (dropped if nothing). */
function checked(attribs: Record<string, string>, name: string, check: (value: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attribs)) {
    const kept = key === name ? check(value) : value;
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function cidSource(raw: string): string | undefined {
  const src = raw.trim();
  return /^cid:[^\s"'<>]+$/i.test(src) ? src : undefined;
}

let instance: typeof sanitizeHtmlFunction | undefined;

function sanitizer(): typeof sanitizeHtmlFunction {
  // Loaded on first use, not at start-up (it brings postcss along); only conversion needs it.
  instance ??= createRequire(import.meta.url)('sanitize-html') as typeof sanitizeHtmlFunction;
  return instance;
}

/** sanitize-html escapes `<` and `>` inside attribute values, so ` />` can only end a void tag. */
const XHTML_VOID = /<(br|hr|img)((?: [^<>]*)?) \/>/g;

/**
 * The second line of defence: the walker already emits only allowed markup, and this pass makes
 * sure that what goes into an archive mailbox (and the preview) can never carry active content
 * even if the walker had a bug. sanitize-html is a streaming allow-list filter over htmlparser2
 * (the parser the walker uses too): no DOM is built, so it costs a small multiple of the input's
 * length and holds nothing once it returns.
 */
export function purifyHtml(html: string): string {
  if (html === '') return '';
  const cacheable = html.length <= CACHE_MAX_INPUT;
  if (cacheable) {
    const hit = cache.get(html);
    if (hit !== undefined) return hit;
  }
  // A no-break space is written as `&nbsp;`, as a DOM serialiser (and so every earlier archive) does.
  const clean = sanitizer()(html, options).replace(XHTML_VOID, '<$1$2>').replace(/\u00a0/g, '&nbsp;');
  if (cacheable) {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(html, clean);
  }
  return clean;
}

// Chat repeats itself ("ok", "thanks", the same bot card): short bodies already purified are
// remembered (oldest out first).
const CACHE_ENTRIES = 4096;
const CACHE_MAX_INPUT = 2048;
const cache = new Map<string, string>();

/** Forgets remembered results (benchmarks measure the uncached cost). */
export function clearPurifyCache(): void {
  cache.clear();
}
