import { Parser } from 'htmlparser2';
import type { Participant } from '../model/captured';
import { CHIME_LINE, ELEMENT_TAGS, elementLine, isChime, type ElementCapture } from './elements';
import { parseEntityJson, resolveEntity, type ResolvedEntity } from './entities';
import { cleanText } from '../model/normalise';
import { purifyHtml } from './sanitize';
import { DROP, HEADINGS, INLINE, MAX_DEPTH, TABLE_SECTIONS, classes, digits, escapeHtml, safeHref } from './html-rules';
import { TextBuilder, type TextSnapshot } from './text-builder';

export { escapeHtml };

export interface RenderContext {
  /** Conversation members by Symphony user id, to name mentioned users. */
  members: ReadonlyMap<string, Participant>;
  /** Content ids of this message's own inline parts: `<img src="cid:…">` survives only for these. */
  contentIds?: ReadonlySet<string>;
}

export interface RenderedBody {
  /** Sanitised HTML fragment (no document wrapper). */
  html: string;
  text: string;
}

interface Frame {
  name: string;
  /** HTML written when the element closes ('' when the element is unwrapped). */
  close: string;
  /** Text-body work when the element closes. */
  after?: () => void;
  skip?: boolean;
  entity?: { key: string; htmlMark: number; textMark: TextSnapshot };
  link?: { href: string };
  /** Raw text inside, for entities and links. */
  inner?: string[];
  /** A Symphony Elements control: its text is collected and written as one line when it closes. */
  element?: ElementCapture;
  option?: { label: string[]; selected: boolean };
}

interface ListState {
  ordered: boolean;
  counter: number;
}

/**
 * Renders untrusted PresentationML as a sanitised HTML fragment and a readable plain text. The
 * walk keeps only allow-listed elements and attributes (everything else is unwrapped, or dropped
 * whole for active content); entity spans are replaced by what EntityJSON says they are; the
 * resulting HTML goes through DOMPurify as a second, independent line of defence.
 */
export function renderPresentationML(presentationML: string, entityJSON: string, context: RenderContext): RenderedBody {
  const entities = parseEntityJson(entityJSON);
  const html: string[] = [];
  const text = new TextBuilder();
  const frames: Frame[] = [];
  const lists: ListState[] = [];
  const collecting: Frame[] = [];
  let skipDepth = 0;
  const elements: Frame[] = [];
  let preDepth = 0;
  let emittedDepth = 0;
  let rowCells: number[] = [];

  const open = (tag: string, attrs = ''): string => {
    if (emittedDepth >= MAX_DEPTH) return '';
    emittedDepth++;
    html.push(`<${tag}${attrs}>`);
    return `</${tag}>`;
  };
  const writeLine = (line: string) => {
    text.block();
    text.write(line);
    text.block();
    if (emittedDepth < MAX_DEPTH) html.push(`<div class="element">${escapeHtml(line)}</div>`);
  };
  const closeFrame = (frame: Frame) => {
    if (frame.skip) {
      skipDepth--;
      return;
    }
    if (frame.option) {
      const owner = elements[elements.length - 1]?.element;
      owner?.options.push({ label: frame.option.label.join('').replace(/\s+/g, ' ').trim(), selected: frame.option.selected });
      return;
    }
    if (frame.element) {
      elements.pop();
      writeLine(elementLine(frame.element));
      return;
    }
    if (frame.close) {
      html.push(frame.close);
      emittedDepth -= frame.close.split('</').length - 1;
    }
    frame.after?.();
    if (frame.inner) collecting.splice(collecting.lastIndexOf(frame), 1);
    if (frame.entity) finishEntity(frame);
    if (frame.link) finishLink(frame);
  };

  const finishEntity = (frame: Frame) => {
    const entity = frame.entity;
    if (!entity) return;
    const resolved = resolveEntity(entities, entity.key, (frame.inner ?? []).join(''), context.members);
    if (!resolved) return;
    html.length = entity.htmlMark;
    text.restore(entity.textMark);
    writeEntity(resolved);
  };

  const writeEntity = (entity: ResolvedEntity) => {
    switch (entity.kind) {
      case 'mention': {
        const label = `@${entity.name}`;
        const title = entity.email ? ` title="${escapeHtml(entity.email)}"` : '';
        html.push(`<span class="mention"${title}>${escapeHtml(label)}</span>`);
        text.write(label);
        return;
      }
      case 'hashtag':
        html.push(`<span class="hashtag">#${escapeHtml(entity.tag)}</span>`);
        text.write(`#${entity.tag}`);
        return;
      case 'cashtag':
        html.push(`<span class="cashtag">$${escapeHtml(entity.tag)}</span>`);
        text.write(`$${entity.tag}`);
        return;
      case 'emoji':
        html.push(escapeHtml(entity.text));
        text.write(entity.text);
        return;
    }
  };

  const finishLink = (frame: Frame) => {
    const href = frame.link?.href;
    if (!href) return;
    const label = (frame.inner ?? []).join('').replace(/\s+/g, ' ').trim();
    const bare = href.replace(/^mailto:/i, '');
    // "text <url>"; a link without text still shows where it pointed.
    if (label !== href && label !== bare) text.write(label ? ` <${href}>` : `<${href}> `);
  };

  const startFrame = (name: string, attribs: Record<string, string>): Frame => {
    const frame: Frame = { name, close: '' };
    if (skipDepth === 0 && elements.length > 0) {
      // Inside an Elements control only its options and its text count.
      if (name === 'option') frame.option = { label: [], selected: attribs.selected !== undefined && attribs.selected !== 'false' };
      else if (DROP.has(name)) {
        frame.skip = true;
        skipDepth++;
      }
      return frame;
    }
    if (skipDepth === 0 && ELEMENT_TAGS.has(name)) {
      frame.element = { tag: name, attribs, inner: [], options: [] };
      elements.push(frame);
      return frame;
    }
    if (skipDepth === 0 && name === 'audio' && isChime(attribs)) writeLine(CHIME_LINE);
    if (skipDepth > 0 || DROP.has(name)) {
      frame.skip = true;
      skipDepth++;
      return frame;
    }
    const cls = classes(attribs);
    const entityKey = attribs['data-entity-id'];
    if (entityKey !== undefined && cls.includes('entity')) {
      frame.entity = { key: entityKey, htmlMark: html.length, textMark: text.snapshot() };
      frame.inner = [];
      collecting.push(frame);
    }
    const inline = INLINE[name];
    if (inline) {
      frame.close = open(inline);
      return frame;
    }
    if (HEADINGS.has(name) || name === 'p') {
      text.paragraph();
      frame.close = open(name);
      frame.after = () => text.paragraph();
      return frame;
    }
    switch (name) {
      case 'br':
        if (emittedDepth < MAX_DEPTH) html.push('<br>');
        text.lineBreak();
        return frame;
      case 'hr':
        if (emittedDepth < MAX_DEPTH) html.push('<hr>');
        text.writeMarker('----');
        text.block();
        return frame;
      case 'div': {
        text.block();
        if (attribs['data-format'] === 'PresentationML') {
          // The message root adds nothing; without it a plain-text message has no markup at all
          // and DOMPurify returns it at once instead of building a DOM for it.
          frame.after = () => text.block();
        } else if (cls.includes('card')) {
          text.paragraph();
          frame.close = open('div', ' class="card"');
          frame.after = () => text.paragraph();
        } else if (cls.includes('cardHeader')) {
          const closeDiv = open('div', ' class="card-header"');
          const closeB = open('b');
          frame.close = closeB + closeDiv;
          frame.after = () => text.block();
        } else if (cls.includes('cardBody')) {
          frame.close = open('div', ' class="card-body"');
          frame.after = () => text.block();
        } else {
          frame.close = open('div');
          frame.after = () => text.block();
        }
        return frame;
      }
      case 'blockquote':
        text.paragraph();
        text.pushPrefix('> ');
        frame.close = open('blockquote');
        frame.after = () => {
          text.popPrefix();
          text.paragraph();
        };
        return frame;
      case 'pre':
        text.paragraph();
        preDepth++;
        frame.close = open('pre');
        frame.after = () => {
          preDepth--;
          text.paragraph();
        };
        return frame;
      case 'ul':
      case 'ol': {
        const start = name === 'ol' ? digits(attribs.start, 1_000_000) : undefined;
        if (lists.length === 0) text.paragraph();
        else text.block();
        lists.push({ ordered: name === 'ol', counter: start ? Number(start) - 1 : 0 });
        frame.close = open(name, start ? ` start="${start}"` : '');
        frame.after = () => {
          lists.pop();
          if (lists.length === 0) text.paragraph();
          else text.block();
        };
        return frame;
      }
      case 'li': {
        const list = lists[lists.length - 1];
        const marker = list?.ordered ? `${++list.counter}. ` : '• ';
        text.writeMarker(marker);
        text.pushPrefix(' '.repeat(marker.length));
        frame.close = list ? open('li') : '';
        frame.after = () => {
          text.popPrefix();
          text.block();
        };
        return frame;
      }
      case 'dl':
        text.paragraph();
        frame.close = open('dl');
        frame.after = () => text.paragraph();
        return frame;
      case 'dt':
        text.block();
        frame.close = open('dt');
        frame.after = () => text.block();
        return frame;
      case 'dd':
        text.block();
        text.pushPrefix('    ');
        frame.close = open('dd');
        frame.after = () => {
          text.popPrefix();
          text.block();
        };
        return frame;
      case 'table':
        text.paragraph();
        frame.close = open('table', ' border="1" cellpadding="4" cellspacing="0"');
        frame.after = () => text.paragraph();
        return frame;
      case 'caption':
        text.block();
        frame.close = open('caption');
        frame.after = () => text.block();
        return frame;
      case 'tr':
        text.block();
        rowCells.push(0);
        frame.close = open('tr');
        frame.after = () => {
          rowCells.pop();
          text.block();
        };
        return frame;
      case 'td':
      case 'th': {
        const depth = rowCells.length - 1;
        if (depth >= 0) {
          if ((rowCells[depth] ?? 0) > 0) text.write(' | ');
          rowCells[depth] = (rowCells[depth] ?? 0) + 1;
        }
        text.enterCell();
        const colspan = digits(attribs.colspan, 1000);
        const rowspan = digits(attribs.rowspan, 1000);
        frame.close = open(name, `${colspan ? ` colspan="${colspan}"` : ''}${rowspan ? ` rowspan="${rowspan}"` : ''}`);
        frame.after = () => text.leaveCell();
        return frame;
      }
      case 'a': {
        const href = safeHref(attribs.href);
        if (href) {
          frame.close = open('a', ` href="${escapeHtml(href)}"`);
          frame.link = { href };
          frame.inner ??= [];
          if (!collecting.includes(frame)) collecting.push(frame);
        }
        return frame;
      }
      case 'img': {
        const src = (attribs.src ?? '').trim();
        const cid = /^cid:/i.test(src) ? src.slice(4) : '';
        if (cid && context.contentIds?.has(cid)) {
          const alt = (attribs.alt ?? '').slice(0, 200);
          if (emittedDepth < MAX_DEPTH) html.push(`<img src="cid:${escapeHtml(cid)}" alt="${escapeHtml(alt)}">`);
          text.write(`[image${alt ? `: ${alt}` : ''}]`);
        }
        return frame;
      }
      case 'form':
      case 'section':
      case 'article':
      case 'header':
      case 'footer':
      case 'main':
      case 'aside':
      case 'nav':
      case 'address':
      case 'figure':
      case 'figcaption':
      case 'details':
      case 'summary':
      case 'fieldset':
      case 'legend':
      case 'center':
        // Block containers become plain divisions: their content still stands on its own lines.
        text.block();
        frame.close = open('div');
        frame.after = () => text.block();
        return frame;
      default:
        if (TABLE_SECTIONS.has(name)) frame.close = open(name);
        // Unknown and purely presentational elements (span, font, section, form, label, …) are
        // unwrapped: their text stays, the element does not.
        return frame;
    }
  };

  let preFresh = false;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const frame = startFrame(name, attribs);
        if (name === 'pre' && !frame.skip) preFresh = true;
        frames.push(frame);
      },
      ontext(data) {
        if (skipDepth > 0) return;
        const inElement = elements[elements.length - 1];
        if (inElement) {
          const top = frames[frames.length - 1];
          if (top?.option) top.option.label.push(data);
          else inElement.element?.inner.push(data);
          return;
        }
        for (const frame of collecting) frame.inner?.push(data);
        html.push(escapeHtml(data));
        if (preDepth > 0) {
          // As in browsers, a newline right after <pre> is not content.
          const value = preFresh ? data.replace(/^\r?\n/, '') : data;
          preFresh = false;
          text.writePre(value);
        } else {
          text.write(data);
        }
      },
      onclosetag(name) {
        // The parser closes what it opened; a tag cut off by the end of input may be closed without
        // having been opened, so only the matching frame is closed.
        const top = frames[frames.length - 1];
        if (!top || top.name !== name) return;
        frames.pop();
        closeFrame(top);
      },
    },
    { decodeEntities: true, recognizeSelfClosing: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(presentationML);
  parser.end();
  while (frames.length > 0) closeFrame(frames.pop() as Frame);
  rowCells = [];

  // Controls and lone surrogates go before the purifier: DOMPurify on jsdom returns nothing at all
  // for a string holding a lone surrogate.
  return { html: purifyHtml(cleanText(html.join('').trim())), text: cleanText(text.toString()) };
}
