import type { CapturedMessage, Conversation, Participant } from '../model/captured';
import type { ConvertedEmail, EmailAttachment } from '../model/email';
import { addressOf, attachmentsOf, conversationTitle, excerpt, participantAddress, recipientsOf } from './envelope';
import { archiveDomain, messageArchiveKey, messageIdFor, threadIndexFor, threadRootIdFor, headerSafeId } from './ids';
import { cleanText, custodyValue, normaliseEnvelope, oneLine } from '../model/normalise';
import { escapeHtml, renderPresentationML, type RenderedBody } from './presentationml';
import type { CapturedItemReader } from './reader';

/** The body of one Symphony message, with its inline images placed and placeholders for empty text. */
export interface MessageBody extends RenderedBody {
  attachments: EmailAttachment[];
  /** What the subject quotes: the message's own words, or the placeholder when it has none. */
  summaryText: string;
}

/** What else the store knows about a message's edits, when the caller has it. */
export interface EditContext {
  /** For an edit: the message it replaces, when it is in the store. */
  original?: CapturedMessage;
  /** For an original: later edits of it known at conversion time (e.g. captured in the same run or day). */
  editedBy?: CapturedMessage[];
}

/**
 * The edit context the store can give: the original of an edit, looked up by its Symphony
 * message id. Which later edits an original has is not looked up here (the store has no index
 * on it); daily transcripts carry that, as both messages are in the same day's e-mail.
 */
export function editContext(reader: CapturedItemReader, connectorId: string, message: CapturedMessage): EditContext {
  if (!message.replacesMessageId) return {};
  const original = reader.getMessage(connectorId, message.replacesMessageId)?.message;
  return original ? { original } : {};
}

export function membersById(conversation: Conversation): Map<string, Participant> {
  return new Map(conversation.members.map((member) => [member.userId, member]));
}

/** Lines both bodies carry, in the same words: the text part says what the HTML part says. */
function appendNotes(body: { html: string; text: string }, notes: string[], atStart = false): void {
  if (notes.length === 0) return;
  const html = notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('');
  const text = notes.join('\n');
  if (atStart) {
    body.html = html + body.html;
    body.text = body.text ? `${text}\n\n${body.text}` : text;
  } else {
    body.html += html;
    body.text = body.text ? `${body.text}\n\n${text}` : text;
  }
}

const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/**
 * Renders a message's PresentationML and attachments. Inline images the body does not reference
 * itself are shown after the text (Symphony sends images as attachments, not in the markup).
 * Every placeholder ("[image: …]", "[attachment not archived: …]", "(attachment: …)", "(no text)")
 * is written into both parts, in the same order.
 */
export async function renderMessageBody(message: CapturedMessage, members: ReadonlyMap<string, Participant>, attachmentIndex = 0): Promise<MessageBody> {
  // attachmentIndex numbers the parts across a transcript, so content ids stay unique in it.
  const { attachments, missing } = await attachmentsOf(message, attachmentIndex);
  const contentIds = new Set(attachments.flatMap((a) => (a.contentId ? [a.contentId] : [])));
  const rendered = renderPresentationML(message.presentationML, message.entityJSON, { members, contentIds });
  const body = { html: rendered.html, text: rendered.text };
  const ownText = body.text;
  const unreferenced = attachments.filter((a) => a.contentId && !body.html.includes(`cid:${a.contentId}`));
  if (unreferenced.length > 0) {
    body.html += unreferenced.map((a) => `<p><img src="cid:${escapeHtml(a.contentId ?? '')}" alt="${escapeHtml(a.filename)}"><br>${escapeHtml(`[image: ${a.filename}]`)}</p>`).join('');
    body.text += `${body.text ? '\n\n' : ''}${unreferenced.map((a) => `[image: ${a.filename}]`).join('\n')}`;
  }
  appendNotes(body, missing.map((m) => `[attachment not archived: ${m.name} (${m.reason})]`));
  if (!body.text.trim()) {
    const placeholder = attachments.length > 0 ? `(attachment: ${attachments.map((a) => a.filename).join(', ')})` : '(no text)';
    body.text = '';
    appendNotes(body, [placeholder]);
  }
  return { html: cleanText(body.html), text: cleanText(body.text), attachments, summaryText: ownText.trim() ? ownText : body.text };
}

/** The visible notes of an edit and of an original that was edited later. */
function editNotes(message: CapturedMessage, context: EditContext, members: ReadonlyMap<string, Participant>): string[] {
  const notes: string[] = [];
  if (message.replacesMessageId) {
    const original = context.original?.messageId === message.replacesMessageId ? context.original : undefined;
    if (original) {
      const words = excerpt(renderPresentationML(original.presentationML, original.entityJSON, { members }).text, 80);
      notes.push(`[Edit of the message sent ${utc(original.timestamp)}${words ? `: "${words}"` : ''} (Symphony message ${headerSafeId(original.messageId)})]`);
    } else {
      notes.push(`[Edit of an earlier message (Symphony message ${headerSafeId(message.replacesMessageId)})]`);
    }
  }
  for (const edit of context.editedBy ?? []) notes.push(`[This message was edited at ${utc(edit.timestamp)} (Symphony message ${headerSafeId(edit.messageId)})]`);
  return notes;
}

/** Who is from another firm, and whether the stream crosses pods: said in a header and in the body. */
export function externalNotes(conversation: Conversation, pod: string): { notes: string[]; headers: Array<{ name: string; value: string }> } {
  const external = conversation.members.filter((m) => m.external).map((m) => addressOf(m, pod));
  const notes: string[] = [];
  const headers: Array<{ name: string; value: string }> = [];
  if (external.length > 0) {
    notes.push(`[External participants: ${external.map((a) => `${a.name} <${a.address}>`).join(', ')}]`);
    headers.push({ name: 'X-Symphony-External-Participants', value: custodyValue(external.map((a) => a.address).join(', ')) });
  }
  if (conversation.crossPod) {
    notes.push('[Cross-pod conversation: members from other Symphony pods take part]');
    headers.push({ name: 'X-Symphony-Cross-Pod', value: 'true' });
  }
  return { notes, headers };
}

/** Exchange shows up to 255 characters of a subject; a longer one is cut and kept whole in custody. */
export const MAX_SUBJECT_CHARS = 255;

export function cappedSubject(subject: string): { subject: string; header?: { name: string; value: string } } {
  const line = oneLine(subject);
  const chars = Array.from(line);
  if (chars.length <= MAX_SUBJECT_CHARS) return { subject: line };
  return { subject: `${chars.slice(0, MAX_SUBJECT_CHARS - 1).join('').trimEnd()}…`, header: { name: 'X-Symphony-Original-Subject', value: custodyValue(line) } };
}

/** The conversation identity every e-mail of a stream shares (Thread-Topic, Thread-Index). */
export function threadOf(conversation: Conversation, pod: string): NonNullable<ConvertedEmail['thread']> {
  return { topic: cappedSubject(conversationTitle(conversation)).subject, index: threadIndexFor(threadRootIdFor(pod, conversation.streamId)) };
}

/**
 * One Symphony message as one e-mail (the default mode). The same captured item, conversation and
 * context always give the same `ConvertedEmail`. Attachments are referenced by their spool path;
 * only their first bytes are read, to learn their real type.
 */
export async function convertMessage(message: CapturedMessage, conversation: Conversation, context: EditContext = {}): Promise<ConvertedEmail> {
  const members = membersById(conversation);
  const body = await renderMessageBody(message, members);
  const archiveKey = messageArchiveKey(message.connectorId, message.messageId);
  const root = threadRootIdFor(message.pod, message.streamId);
  const replaced = message.replacesMessageId ? messageIdFor(message.pod, message.replacesMessageId) : undefined;
  const title = conversationTitle(conversation);
  const summary = excerpt(body.summaryText);
  const external = externalNotes(conversation, message.pod);
  appendNotes(body, [...external.notes, ...editNotes(message, context, members).map(cleanText)], true);
  const edits = (context.editedBy ?? []).map((e) => headerSafeId(e.messageId));
  const subject = cappedSubject(`${title} - ${replaced ? '(edited) ' : edits.length ? '(later edited) ' : ''}${summary}`);
  const headers = [
    { name: 'X-Symphony-Message-Id', value: headerSafeId(message.messageId) },
    { name: 'X-Symphony-Stream-Id', value: headerSafeId(message.streamId) },
    { name: 'X-Symphony-Stream-Type', value: conversation.streamType },
    { name: 'X-Symphony-Pod', value: archiveDomain(message.pod).replace(/\.symphony\.archive$/, '') },
    { name: 'X-Symphony-Source-SHA256', value: oneLine(message.sourceSha256) },
    ...(message.replacesMessageId ? [{ name: 'X-Symphony-Replaces', value: headerSafeId(message.replacesMessageId) }] : []),
    ...(edits.length ? [{ name: 'X-Symphony-Edited-By', value: edits.join(', ') }] : []),
    ...external.headers,
    ...(subject.header ? [subject.header] : []),
    { name: 'X-Symphony-Archive-Key', value: archiveKey },
  ];
  const envelope = normaliseEnvelope({
    from: participantAddress(message.sender, message.pod),
    to: recipientsOf(conversation, message.pod, message.sender.userId),
    cc: [],
    headers,
  });
  const email: ConvertedEmail = {
    archiveKey,
    messageId: messageIdFor(message.pod, message.messageId),
    inReplyTo: replaced ?? root,
    references: replaced ? [root, replaced] : [root],
    ...envelope,
    subject: subject.subject,
    date: new Date(message.timestamp),
    html: `<div dir="auto">${body.html}</div>`,
    text: body.text,
    attachments: body.attachments,
    thread: threadOf(conversation, message.pod),
  };
  return email;
}
