import { CHIME_LINE, ELEMENT_TAGS, isChime } from './elements';
import { DROP, HEADINGS, INLINE, TABLE_SECTIONS, classes, digits, escapeHtml, safeHref } from './html-rules';
import type { Frame, Walk } from './walk';

/** What an allowed element becomes: it writes its opening, and sets what its end does on the frame. */
type TagHandler = (walk: Walk, frame: Frame, attribs: Record<string, string>) => void;

/** A block that stands on its own lines in the text, written as `tag` (with `attrs`) in HTML. */
function block(tag: string, attrs = ''): TagHandler {
  return (walk, frame) => {
    walk.text.block();
    frame.close = walk.open(tag, attrs);
    frame.after = () => walk.text.block();
  };
}

/** A block set apart by blank lines in the text. */
function paragraph(tag: string, attrs = ''): TagHandler {
  return (walk, frame) => {
    walk.text.paragraph();
    frame.close = walk.open(tag, attrs);
    frame.after = () => walk.text.paragraph();
  };
}

/** The message root adds nothing; without it a plain-text message has no markup at all. */
const division: TagHandler = (walk, frame, attribs) => {
  const cls = classes(attribs);
  if (attribs['data-format'] === 'PresentationML') {
    walk.text.block();
    frame.after = () => walk.text.block();
  } else if (cls.includes('card')) {
    walk.text.block();
    paragraph('div', ' class="card"')(walk, frame, attribs);
  } else if (cls.includes('cardHeader')) {
    walk.text.block();
    const closeDiv = walk.open('div', ' class="card-header"');
    const closeB = walk.open('b');
    frame.close = closeB + closeDiv;
    frame.after = () => walk.text.block();
  } else if (cls.includes('cardBody')) {
    block('div', ' class="card-body"')(walk, frame, attribs);
  } else {
    block('div')(walk, frame, attribs);
  }
};

const list: TagHandler = (walk, frame, attribs) => {
  const ordered = frame.name === 'ol';
  const start = ordered ? digits(attribs.start, 1_000_000) : undefined;
  if (walk.lists.length === 0) walk.text.paragraph();
  else walk.text.block();
  walk.lists.push({ ordered, counter: start ? Number(start) - 1 : 0 });
  frame.close = walk.open(frame.name, start ? ` start="${start}"` : '');
  frame.after = () => {
    walk.lists.pop();
    if (walk.lists.length === 0) walk.text.paragraph();
    else walk.text.block();
  };
};

const cell: TagHandler = (walk, frame, attribs) => {
  const depth = walk.rowCells.length - 1;
  if (depth >= 0) {
    if ((walk.rowCells[depth] ?? 0) > 0) walk.text.write(' | ');
    walk.rowCells[depth] = (walk.rowCells[depth] ?? 0) + 1;
  }
  walk.text.enterCell();
  const colspan = digits(attribs.colspan, 1000);
  const rowspan = digits(attribs.rowspan, 1000);
  frame.close = walk.open(frame.name, `${colspan ? ` colspan="${colspan}"` : ''}${rowspan ? ` rowspan="${rowspan}"` : ''}`);
  frame.after = () => walk.text.leaveCell();
};

const TAGS: Record<string, TagHandler> = {
  br: (walk) => {
    walk.writeVoid('<br>');
    walk.text.lineBreak();
  },
  hr: (walk) => {
    walk.writeVoid('<hr>');
    walk.text.writeMarker('----');
    walk.text.block();
  },
  p: paragraph('p'),
  ...Object.fromEntries([...HEADINGS].map((h) => [h, paragraph(h)])),
  div: division,
  blockquote: (walk, frame) => {
    walk.text.paragraph();
    walk.text.pushPrefix('> ');
    frame.close = walk.open('blockquote');
    frame.after = () => {
      walk.text.popPrefix();
      walk.text.paragraph();
    };
  },
  pre: (walk, frame) => {
    walk.text.paragraph();
    walk.preDepth++;
    walk.preFresh = true;
    frame.close = walk.open('pre');
    frame.after = () => {
      walk.preDepth--;
      walk.text.paragraph();
    };
  },
  ul: list,
  ol: list,
  li: (walk, frame) => {
    const current = walk.lists[walk.lists.length - 1];
    const marker = current?.ordered ? `${++current.counter}. ` : '• ';
    walk.text.writeMarker(marker);
    walk.text.pushPrefix(' '.repeat(marker.length));
    frame.close = current ? walk.open('li') : '';
    frame.after = () => {
      walk.text.popPrefix();
      walk.text.block();
    };
  },
  dl: paragraph('dl'),
  dt: block('dt'),
  dd: (walk, frame) => {
    walk.text.block();
    walk.text.pushPrefix('    ');
    frame.close = walk.open('dd');
    frame.after = () => {
      walk.text.popPrefix();
      walk.text.block();
    };
  },
  table: paragraph('table', ' border="1" cellpadding="4" cellspacing="0"'),
  caption: block('caption'),
  tr: (walk, frame) => {
    walk.text.block();
    walk.rowCells.push(0);
    frame.close = walk.open('tr');
    frame.after = () => {
      walk.rowCells.pop();
      walk.text.block();
    };
  },
  td: cell,
  th: cell,
  ...Object.fromEntries([...TABLE_SECTIONS].map((s) => [s, (walk: Walk, frame: Frame) => void (frame.close = walk.open(s))])),
  a: (walk, frame, attribs) => {
    const href = safeHref(attribs.href);
    if (!href) return;
    frame.close = walk.open('a', ` href="${escapeHtml(href)}"`);
    frame.link = { href };
    frame.inner ??= [];
    if (!walk.collecting.includes(frame)) walk.collecting.push(frame);
  },
  img: (walk, _frame, attribs) => {
    const src = (attribs.src ?? '').trim();
    const cid = /^cid:/i.test(src) ? src.slice(4) : '';
    if (!cid || !walk.context.contentIds?.has(cid)) return;
    const alt = (attribs.alt ?? '').slice(0, 200);
    walk.writeVoid(`<img src="cid:${escapeHtml(cid)}" alt="${escapeHtml(alt)}">`);
    walk.text.write(`[image${alt ? `: ${alt}` : ''}]`);
  },
  // Block containers become plain divisions: their content still stands on its own lines.
  ...Object.fromEntries(
    ['form', 'section', 'article', 'header', 'footer', 'main', 'aside', 'nav', 'address', 'figure', 'figcaption', 'details', 'summary', 'fieldset', 'legend', 'center'].map((t) => [t, block('div')]),
  ),
  ...Object.fromEntries(Object.entries(INLINE).map(([from, to]) => [from, (walk: Walk, frame: Frame) => void (frame.close = walk.open(to))])),
};

/**
 * Opens a frame for an element of the input: inside an Elements control only options and text
 * count; dropped subtrees are skipped whole; entity spans collect their text; everything not in
 * the handler table (span, font, label, custom elements, …) is unwrapped — its text stays, the
 * element does not.
 */
export function startFrame(walk: Walk, name: string, attribs: Record<string, string>): Frame {
  const frame: Frame = { name, close: '' };
  if (walk.skipDepth === 0 && walk.elements.length > 0) {
    if (name === 'option') frame.option = { label: [], selected: attribs.selected !== undefined && attribs.selected !== 'false' };
    else if (DROP.has(name)) {
      frame.skip = true;
      walk.skipDepth++;
    }
    return frame;
  }
  if (walk.skipDepth === 0 && ELEMENT_TAGS.has(name)) {
    frame.element = { tag: name, attribs, inner: [], options: [] };
    walk.elements.push(frame);
    return frame;
  }
  if (walk.skipDepth === 0 && name === 'audio' && isChime(attribs)) walk.writeLine(CHIME_LINE);
  if (walk.skipDepth > 0 || DROP.has(name)) {
    frame.skip = true;
    walk.skipDepth++;
    return frame;
  }
  const entityKey = attribs['data-entity-id'];
  if (entityKey !== undefined && classes(attribs).includes('entity')) {
    frame.entity = { key: entityKey, htmlMark: walk.html.length, textMark: walk.text.snapshot() };
    frame.inner = [];
    walk.collecting.push(frame);
  }
  const handler = Object.hasOwn(TAGS, name) ? TAGS[name] : undefined;
  handler?.(walk, frame, attribs);
  return frame;
}
