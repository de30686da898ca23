/**
 * Symphony Elements (interactive forms in chat) and chimes, as readable lines. An archive must show
 * what the participants saw — the form's buttons, fields, options and any values the message
 * carries — but never as live controls, so each one becomes one line of text, written the same
 * way into the plain-text and the HTML part.
 */

/** The Elements tags (https://docs.developers.symphony.com/bots/messages/overview-of-messageml/symphony-elements-1). */
export const ELEMENT_TAGS = new Set([
  'button', 'text-field', 'textarea', 'select', 'dropdown', 'checkbox', 'radio', 'person-selector', 'date-picker', 'time-picker',
  'timezone-picker', 'city-selector', 'room-selector', 'table-select',
]);

export interface ElementCapture {
  tag: string;
  attribs: Record<string, string>;
  /** Text inside the element (a button's label, a text field's default, a text area's text). */
  inner: string[];
  options: Array<{ label: string; selected: boolean }>;
}

const MAX = 500;
const clip = (value: string) => {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > MAX ? `${flat.slice(0, MAX)}…` : flat;
};
const yes = (value: string | undefined) => value !== undefined && value !== 'false';

function labelOf(capture: ElementCapture): string {
  const { attribs } = capture;
  return clip(attribs.label || attribs.title || attribs.placeholder || attribs.name || '');
}

const KIND: Record<string, string> = {
  'text-field': 'Text field', textarea: 'Text area', select: 'Select', dropdown: 'Select', 'person-selector': 'Person selector',
  'date-picker': 'Date picker', 'time-picker': 'Time picker', 'timezone-picker': 'Time zone picker', 'city-selector': 'City selector',
  'room-selector': 'Room selector', 'table-select': 'Table selection',
};

/** The line an element reads as, e.g. `[Button: Approve]`, `[Select Tenor: 2Y, 5Y (selected)]`. */
export function elementLine(capture: ElementCapture): string {
  const { tag, attribs } = capture;
  const inner = clip(capture.inner.join(''));
  const label = labelOf(capture);
  switch (tag) {
    case 'button':
      return `[Button: ${inner || clip(attribs.name ?? '') || 'button'}]`;
    case 'checkbox':
    case 'radio': {
      const what = inner || clip(attribs.value ?? '') || label || tag;
      return `[${tag === 'checkbox' ? 'Checkbox' : 'Option'}: ${what}${yes(attribs.checked) ? ' (selected)' : ''}]`;
    }
    case 'select':
    case 'dropdown': {
      const options = capture.options.map((o) => `${o.label}${o.selected ? ' (selected)' : ''}`).join(', ');
      return `[Select${label ? ` ${label}` : ''}${options ? `: ${options}` : ''}]`;
    }
    default: {
      const value = inner || clip(attribs.value ?? '');
      return `[${KIND[tag] ?? tag}${label ? ` ${label}` : ''}${value ? `: ${value}` : ''}]`;
    }
  }
}

/** Symphony's chime is an `<audio>` of its chime sound; any other audio is dropped as media. */
export function isChime(attribs: Record<string, string>): boolean {
  return /chime/i.test(attribs.src ?? '');
}

export const CHIME_LINE = '[Chime]';
