import createDOMPurify, { type Config, type DOMPurify } from 'dompurify';
import { createRequire } from 'node:module';
import type { JSDOM as JSDOMClass } from 'jsdom';

/** Every tag the PresentationML walker may emit; anything else is removed a second time here. */
export const OUTPUT_TAGS = [
  'a', 'b', 'blockquote', 'br', 'caption', 'code', 'dd', 'del', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
] as const;

export const OUTPUT_ATTRIBUTES = ['href', 'src', 'alt', 'title', 'colspan', 'rowspan', 'start', 'class', 'dir', 'border', 'cellpadding', 'cellspacing'] as const;

const config: Config = {
  ALLOWED_TAGS: [...OUTPUT_TAGS],
  ALLOWED_ATTR: [...OUTPUT_ATTRIBUTES],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  // The URI pattern applies to every attribute not listed as URI-safe, so the numeric table and
  // list attributes are listed; href and src then have to match http(s), mailto or cid.
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|cid:)/i,
  ADD_URI_SAFE_ATTR: ['colspan', 'rowspan', 'start', 'border', 'cellpadding', 'cellspacing'],
  KEEP_CONTENT: true,
  WHOLE_DOCUMENT: false,
};

let instance: DOMPurify | undefined;

/**
 * DOMPurify over one jsdom window, created on first use and kept: a window costs milliseconds
 * to build and the converter sanitises thousands of bodies per second.
 */
function purifier(): DOMPurify {
  if (instance) return instance;
  // jsdom is loaded on first use, not at start-up: it is most of the app's start time and only
  // conversion needs it.
  const { JSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: typeof JSDOMClass };
  const { window } = new JSDOM('<!DOCTYPE html><html><body></body></html>');
  const purify = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);
  // Images are only kept when they point at a part of the same message; a remote image is a
  // tracking beacon and a data: URL is content the archive never vetted.
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'IMG' && !/^cid:/i.test(node.getAttribute('src') ?? '')) node.remove();
    if (node.nodeName === 'A' && !node.getAttribute('href')) node.removeAttribute('href');
  });
  instance = purify;
  return purify;
}

/**
 * Memory: every call leaves a jsdom NodeIterator registered through a WeakRef, and V8 keeps
 * WeakRef targets alive until the current job ends. Within one synchronous loop the documents
 * therefore pile up (tens of KB each); they are freed as soon as the event loop turns. Callers
 * converting many items should yield between batches of a few hundred (the pipeline does,
 * between pages).
 *
 * The second line of defence: the walker already emits only allowed markup, and this pass makes
 * sure that what goes into an archive mailbox (and the preview) can never carry active content
 * even if the walker had a bug.
 */
export function purifyHtml(html: string): string {
  if (html === '') return '';
  const cacheable = html.length <= CACHE_MAX_INPUT;
  if (cacheable) {
    const hit = cache.get(html);
    if (hit !== undefined) return hit;
  }
  const clean = purifier().sanitize(html, config) as unknown as string;
  if (cacheable) {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(html, clean);
  }
  return clean;
}

// Chat repeats itself ("ok", "thanks", the same bot card): jsdom costs a few hundred
// microseconds per call, so short bodies already purified are remembered (oldest out first).
const CACHE_ENTRIES = 4096;
const CACHE_MAX_INPUT = 2048;
const cache = new Map<string, string>();

/** Forgets remembered results (benchmarks measure the uncached cost). */
export function clearPurifyCache(): void {
  cache.clear();
}
