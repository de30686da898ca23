import type { Participant } from '../model/captured';
import { elementLine, type ElementCapture } from './elements';
import { resolveEntity, type EntityMap, type ResolvedEntity } from './entities';
import { MAX_DEPTH, escapeHtml } from './html-rules';
import { TextBuilder, type TextSnapshot } from './text-builder';

export interface RenderContext {
  /** Conversation members by Symphony user id, to name mentioned users. */
  members: ReadonlyMap<string, Participant>;
  /** Content ids of this message's own inline parts: `<img src="cid:…">` survives only for these. */
  contentIds?: ReadonlySet<string>;
}

/** One open element of the input, and what its end tag has to do. */
export interface Frame {
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
 * The state of one PresentationML walk: the HTML and text written so far and the open elements.
 * The tag handlers (tag-handlers.ts) decide what each element becomes; this class keeps the
 * bookkeeping both bodies share (depth limit, skipped subtrees, entities, links, Elements).
 */
export class Walk {
  readonly html: string[] = [];
  readonly text = new TextBuilder();
  readonly frames: Frame[] = [];
  readonly lists: ListState[] = [];
  /** Frames collecting the raw text inside them (entities, links). */
  readonly collecting: Frame[] = [];
  /** Open Symphony Elements controls. */
  readonly elements: Frame[] = [];
  /** Open table rows: cells written so far in each. */
  readonly rowCells: number[] = [];
  skipDepth = 0;
  preDepth = 0;
  /** A `<pre>` just opened: its first newline is not content. */
  preFresh = false;
  private emittedDepth = 0;

  constructor(
    readonly entities: EntityMap,
    readonly context: RenderContext,
  ) {}

  /** Writes an opening tag unless nesting is already at the limit; returns its end tag ('' if not written). */
  open(tag: string, attrs = ''): string {
    if (this.emittedDepth >= MAX_DEPTH) return '';
    this.emittedDepth++;
    this.html.push(`<${tag}${attrs}>`);
    return `</${tag}>`;
  }

  /** Writes HTML that opens nothing (a void tag), unless nesting is at the limit. */
  writeVoid(html: string): void {
    if (this.emittedDepth < MAX_DEPTH) this.html.push(html);
  }

  /** One readable line in both bodies (Elements, the chime). */
  writeLine(line: string): void {
    this.text.block();
    this.text.write(line);
    this.text.block();
    this.writeVoid(`<div class="element">${escapeHtml(line)}</div>`);
  }

  closeFrame(frame: Frame): void {
    if (frame.skip) {
      this.skipDepth--;
      return;
    }
    if (frame.option) {
      const owner = this.elements[this.elements.length - 1]?.element;
      owner?.options.push({ label: frame.option.label.join('').replace(/\s+/g, ' ').trim(), selected: frame.option.selected });
      return;
    }
    if (frame.element) {
      this.elements.pop();
      this.writeLine(elementLine(frame.element));
      return;
    }
    if (frame.close) {
      this.html.push(frame.close);
      this.emittedDepth -= frame.close.split('</').length - 1;
    }
    frame.after?.();
    if (frame.inner) this.collecting.splice(this.collecting.lastIndexOf(frame), 1);
    if (frame.entity) this.finishEntity(frame);
    if (frame.link) this.finishLink(frame);
  }

  private finishEntity(frame: Frame): void {
    const entity = frame.entity;
    if (!entity) return;
    const resolved = resolveEntity(this.entities, entity.key, (frame.inner ?? []).join(''), this.context.members);
    if (!resolved) return;
    this.html.length = entity.htmlMark;
    this.text.restore(entity.textMark);
    this.writeEntity(resolved);
  }

  private writeEntity(entity: ResolvedEntity): void {
    switch (entity.kind) {
      case 'mention': {
        const label = `@${entity.name}`;
        const title = entity.email ? ` title="${escapeHtml(entity.email)}"` : '';
        this.html.push(`<span class="mention"${title}>${escapeHtml(label)}</span>`);
        this.text.write(label);
        return;
      }
      case 'hashtag':
        this.html.push(`<span class="hashtag">#${escapeHtml(entity.tag)}</span>`);
        this.text.write(`#${entity.tag}`);
        return;
      case 'cashtag':
        this.html.push(`<span class="cashtag">$${escapeHtml(entity.tag)}</span>`);
        this.text.write(`$${entity.tag}`);
        return;
      case 'emoji':
        this.html.push(escapeHtml(entity.text));
        this.text.write(entity.text);
        return;
    }
  }

  private finishLink(frame: Frame): void {
    const href = frame.link?.href;
    if (!href) return;
    const label = (frame.inner ?? []).join('').replace(/\s+/g, ' ').trim();
    const bare = href.replace(/^mailto:/i, '');
    // "text <url>"; a link without text still shows where it pointed.
    if (label !== href && label !== bare) this.text.write(label ? ` <${href}>` : `<${href}> `);
  }

  /** Text of the input, into whatever is open. */
  onText(data: string): void {
    if (this.skipDepth > 0) return;
    const inElement = this.elements[this.elements.length - 1];
    if (inElement) {
      const top = this.frames[this.frames.length - 1];
      if (top?.option) top.option.label.push(data);
      else inElement.element?.inner.push(data);
      return;
    }
    for (const frame of this.collecting) frame.inner?.push(data);
    this.html.push(escapeHtml(data));
    if (this.preDepth > 0) {
      // As in browsers, a newline right after <pre> is not content.
      const value = this.preFresh ? data.replace(/^\r?\n/, '') : data;
      this.preFresh = false;
      this.text.writePre(value);
    } else {
      this.text.write(data);
    }
  }
}
