import type { CapturedMessage, Conversation, Participant } from '../model/captured';
import type { ConvertedEmail, EmailAttachment } from '../model/email';
import { addressOf, attachmentsOf, conversationTitle, excerpt, oneLine, recipientsOf } from './envelope';
import { archiveDomain, messageArchiveKey, messageIdFor, threadRootIdFor, urlSafeId } from './ids';
import { escapeHtml, renderPresentationML, type RenderedBody } from './presentationml';
import { assertWithinSizeLimit } from './size';

/** The body of one Symphony message, with its inline images placed and placeholders for empty text. */
export interface MessageBody extends RenderedBody {
  attachments: EmailAttachment[];
  /** What the subject quotes: the message's own words, or the placeholder when it has none. */
  summaryText: string;
}

export function membersById(conversation: Conversation): Map<string, Participant> {
  return new Map(conversation.members.map((member) => [member.userId, member]));
}

/**
 * Renders a message's PresentationML and attachments. Inline images the body does not reference
 * itself are shown after the text (Symphony sends images as attachments, not in the markup).
 */
export function renderMessageBody(message: CapturedMessage, members: ReadonlyMap<string, Participant>, attachmentIndex = 0): MessageBody {
  // attachmentIndex numbers the parts across a transcript, so content ids stay unique in it.
  const { attachments, missing } = attachmentsOf(message, attachmentIndex);
  const contentIds = new Set(attachments.flatMap((a) => (a.contentId ? [a.contentId] : [])));
  const body = renderPresentationML(message.presentationML, message.entityJSON, { members, contentIds });
  let { html, text } = body;
  const ownText = text;
  const unreferenced = attachments.filter((a) => a.contentId && !html.includes(`cid:${a.contentId}`));
  if (unreferenced.length > 0) {
    html += unreferenced.map((a) => `<p><img src="cid:${escapeHtml(a.contentId ?? '')}" alt="${escapeHtml(a.filename)}"></p>`).join('');
    text += `${text ? '\n\n' : ''}${unreferenced.map((a) => `[image: ${a.filename}]`).join('\n')}`;
  }
  if (missing.length > 0) {
    const notes = missing.map((m) => `[attachment not archived: ${m.name} (${m.reason})]`);
    html += notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('');
    text += `${text ? '\n\n' : ''}${notes.join('\n')}`;
  }
  if (!text.trim()) {
    const placeholder = attachments.length > 0 ? `(attachment: ${attachments.map((a) => a.filename).join(', ')})` : '(no text)';
    text = placeholder;
    if (!html.trim()) html = `<p>${escapeHtml(placeholder)}</p>`;
  }
  return { html, text, attachments, summaryText: ownText.trim() ? ownText : text };
}

/**
 * One Symphony message as one e-mail (the default mode). Pure: the same captured item and
 * conversation always give the same `ConvertedEmail`. Attachments are referenced by their spool
 * path, not read.
 */
export function convertMessage(message: CapturedMessage, conversation: Conversation): ConvertedEmail {
  const body = renderMessageBody(message, membersById(conversation));
  const archiveKey = messageArchiveKey(message.connectorId, message.messageId);
  const root = threadRootIdFor(message.pod, message.streamId);
  const replaced = message.replacesMessageId ? messageIdFor(message.pod, message.replacesMessageId) : undefined;
  const title = conversationTitle(conversation);
  const summary = excerpt(body.summaryText);
  const headers = [
    { name: 'X-Symphony-Message-Id', value: urlSafeId(message.messageId) },
    { name: 'X-Symphony-Stream-Id', value: urlSafeId(message.streamId) },
    { name: 'X-Symphony-Stream-Type', value: conversation.streamType },
    { name: 'X-Symphony-Pod', value: archiveDomain(message.pod).replace(/\.symphony\.archive$/, '') },
    { name: 'X-Symphony-Source-SHA256', value: oneLine(message.sourceSha256) },
    ...(message.replacesMessageId ? [{ name: 'X-Symphony-Replaces', value: urlSafeId(message.replacesMessageId) }] : []),
    { name: 'X-Symphony-Archive-Key', value: archiveKey },
  ];
  const email: ConvertedEmail = {
    archiveKey,
    messageId: messageIdFor(message.pod, message.messageId),
    inReplyTo: replaced ?? root,
    references: replaced ? [root, replaced] : [root],
    from: addressOf(message.sender, message.pod),
    to: recipientsOf(conversation, message.pod, message.sender.userId),
    cc: [],
    subject: `${title} - ${replaced ? '(edited) ' : ''}${summary}`,
    date: new Date(message.timestamp),
    html: `<div dir="auto">${body.html}</div>`,
    text: body.text,
    attachments: body.attachments,
    headers,
  };
  assertWithinSizeLimit(email, `Symphony message ${message.messageId} (${title})`);
  return email;
}
