import type { ImportMethod, ProbeCheck } from '../../../shared/contract';
import { unfoldHeaders } from '../graph/message';
import type { ItemReadback } from '../model/destination';
import type { ConvertedEmail } from '../model/email';

type Name = ProbeCheck['name'];

const LABELS: Record<Name, string> = {
  created: 'Item created',
  'non-draft': 'Not a draft',
  'sent-date': 'Sent date kept',
  'received-date': 'Received date kept',
  'message-class': 'Message class kept',
  'custody-headers': 'Custody headers kept',
  'message-id': 'Message-ID kept',
  threading: 'In-Reply-To / References kept',
  conversation: 'Conversation id assigned',
  'large-attachment': 'Attachment over 3 MB landed',
  'small-attachment': 'Small attachment landed',
  deleted: 'Probe deleted again',
};

/** The points that must hold for a method to be verified; the others are reported. */
export function essentialChecks(method: ImportMethod, largeRefusedForSize: boolean): Name[] {
  const common: Name[] = ['created', 'non-draft', 'sent-date', 'custody-headers', 'message-id', 'small-attachment', 'deleted'];
  // JSON create promises what it sets explicitly; importMime never takes an e-mail too large for one request (the router sends it by JSON).
  if (method === 'graph-json') return [...common, 'received-date', 'message-class', 'large-attachment'];
  return largeRefusedForSize ? common : [...common, 'large-attachment'];
}

export function check(name: Name, held: boolean | null, expected: string, actual: string): ProbeCheck {
  return { name, label: LABELS[name], held, expected, actual };
}

/** Compares what was read back with the probe that was sent. */
export function compareReadback(method: ImportMethod, email: ConvertedEmail, back: ItemReadback, messageClass: string, large: { name: string; size: number } | undefined): ProbeCheck[] {
  const date = email.date.toISOString();
  const custom = back.headers.filter((h) => /^x-/i.test(h.name));
  // JSON create folds headers past the fifth (graph/message.ts); MIME keeps them as they are.
  const got = method === 'graph-json' ? unfoldHeaders(custom) : custom;
  const missing = email.headers.filter((h) => !got.some((g) => g.name.toLowerCase() === h.name.toLowerCase() && g.value === h.value));
  const has = (a: { name: string; size: number }) => back.attachments.some((b) => b.name === a.name && b.size === a.size);
  const small = email.attachments.find((a) => a.filename !== large?.name);
  const refs = email.references.join(' ');
  return [
    check('non-draft', !back.isDraft, 'isDraft false', `isDraft ${back.isDraft}`),
    check('sent-date', back.sentDateTime === date, date, back.sentDateTime ?? '(none)'),
    check('received-date', back.receivedDateTime === date, date, back.receivedDateTime ?? '(none)'),
    check('message-class', (back.messageClass ?? '').toLowerCase() === messageClass.toLowerCase(), messageClass, back.messageClass ?? '(not reported)'),
    check('custody-headers', missing.length === 0, `${email.headers.length} X-Symphony headers`, missing.length ? `missing ${missing.map((h) => h.name).join(', ')}` : `all ${email.headers.length}`),
    check('message-id', back.internetMessageId === email.messageId, email.messageId, back.internetMessageId ?? '(none)'),
    check('threading', back.inReplyTo === email.inReplyTo && (back.references ?? '').includes(refs), `${email.inReplyTo} / ${refs}`, `${back.inReplyTo ?? '(none)'} / ${back.references ?? '(none)'}`),
    check('conversation', back.conversationId ? true : null, 'a conversationId', back.conversationId ?? '(not reported)'),
    large
      ? check('large-attachment', has(large), `${large.name}, ${large.size} bytes`, describeAttachments(back))
      : check('large-attachment', false, 'an attachment over 3 MB', 'not sent'),
    small ? check('small-attachment', has({ name: small.filename, size: small.size }), `${small.filename}, ${small.size} bytes`, describeAttachments(back)) : check('small-attachment', null, '-', '-'),
  ];
}

function describeAttachments(back: ItemReadback): string {
  return back.attachments.length ? back.attachments.map((a) => `${a.name} (${a.size})`).join(', ') : 'none';
}
