import { Parser } from 'htmlparser2';
import { cleanText } from '../model/normalise';
import { parseEntityJson } from './entities';
import { escapeHtml } from './html-rules';
import { purifyHtml } from './sanitize';
import { startFrame } from './tag-handlers';
import { Walk, type Frame, type RenderContext } from './walk';

export { escapeHtml };
export type { RenderContext };

export interface RenderedBody {
  /** Sanitised HTML fragment (no document wrapper). */
  html: string;
  text: string;
}

/**
 * Renders untrusted PresentationML as a sanitised HTML fragment and a readable plain text. The
 * walk keeps only allow-listed elements and attributes (tag-handlers.ts; everything else is
 * unwrapped, or dropped whole for active content); entity spans are replaced by what EntityJSON
 * says they are; the resulting HTML goes through sanitize-html as a second, independent line of
 * defence (sanitize.ts).
 */
export function renderPresentationML(presentationML: string, entityJSON: string, context: RenderContext): RenderedBody {
  const walk = new Walk(parseEntityJson(entityJSON), context);
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        walk.frames.push(startFrame(walk, name, attribs));
      },
      ontext(data) {
        walk.onText(data);
      },
      onclosetag(name) {
        // The parser closes what it opened; a tag cut off by the end of input may be closed without
        // having been opened, so only the matching frame is closed.
        const top = walk.frames[walk.frames.length - 1];
        if (!top || top.name !== name) return;
        walk.frames.pop();
        walk.closeFrame(top);
      },
    },
    { decodeEntities: true, recognizeSelfClosing: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(presentationML);
  parser.end();
  while (walk.frames.length > 0) walk.closeFrame(walk.frames.pop() as Frame);

  // Controls and lone surrogates are removed from both bodies (model/normalise.ts).
  return { html: purifyHtml(cleanText(walk.html.join('').trim())), text: cleanText(walk.text.toString()) };
}
