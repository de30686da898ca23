import { ArchiverError, errorText } from '../../../shared/errors';
import type { CapturedAttachment, CapturedMessage, Conversation, Participant } from '../model/captured';
import type { EmailAddress, EmailAttachment } from '../model/email';
import { safeFilename } from './filenames';
import { archiveDomain, contentIdFor } from './ids';
import { normaliseAddress, oneLine } from '../model/normalise';
import { chooseType, sniffFile } from './sniff';

export { oneLine };

/** Pieces both conversion modes share: titles, addresses, attachments. */

const MAX_NAMES = 5;

function nameOf(p: Participant): string {
  return oneLine(p.displayName) || oneLine(p.email) || `user ${p.userId}`;
}

/**
 * Members in a stable order. Not Intl.Collator: its order follows the ICU version, and the same
 * item must give the same bytes on every machine and Node/Electron release.
 */
function sortKey(p: Participant): string {
  return nameOf(p).normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function sortedMembers(members: Participant[]): Participant[] {
  const keyed = members.map((p) => ({ p, key: sortKey(p) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.p.userId < b.p.userId ? -1 : a.p.userId > b.p.userId ? 1 : 0));
  return keyed.map((k) => k.p);
}

function nameList(members: Participant[]): string {
  const names = sortedMembers(members).map(nameOf);
  if (names.length <= MAX_NAMES) return names.join(', ');
  return `${names.slice(0, MAX_NAMES).join(', ')} and ${names.length - MAX_NAMES} others`;
}

/** "Symphony room: Name", "Symphony IM with A, B", "Symphony chat with A, B, C". */
export function conversationTitle(conversation: Conversation): string {
  switch (conversation.streamType) {
    case 'ROOM':
      return `Symphony room: ${oneLine(conversation.name) || 'unnamed room'}`;
    case 'IM':
      return `Symphony IM with ${nameList(conversation.members) || 'unknown participants'}`;
    case 'MIM':
      return `Symphony chat with ${nameList(conversation.members) || 'unknown participants'}`;
    case 'POST':
      return `Symphony post by ${nameList(conversation.members) || 'unknown author'}`;
  }
}

/**
 * A short start of the text for the subject, cut at a word where possible. The plain-text body
 * spells links as `text <url>`; a subject keeps only the text, as a reader sees it in the chat.
 */
export function excerpt(text: string, max = 60): string {
  const flat = oneLine(text.replace(/ <(?:https?:|mailto:)[^\s>]*>/g, ''));
  if (flat.length <= max) return flat;
  const chars = Array.from(flat);
  if (chars.length <= max) return flat;
  const cut = chars.slice(0, max).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space >= max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * A participant's address as the directory gives it. A user without an e-mail address (some
 * external users) gets `user.{userId}@{pod}.symphony.archive`, a domain that never receives mail,
 * so the header stays valid and the person stays identifiable. Not yet normalised: the e-mail's
 * envelope goes through normaliseEnvelope, which also records the originals it replaces.
 */
export function participantAddress(participant: Participant, pod: string): EmailAddress {
  const email = oneLine(participant.email);
  const userId = participant.userId.replace(/[^0-9A-Za-z_-]/g, '') || 'unknown';
  return { name: nameOf(participant), address: email || `user.${userId}@${archiveDomain(pod)}` };
}

/** A participant as shown in a body line: the normalised address (IDN as punycode, placeholders). */
export function addressOf(participant: Participant, pod: string): EmailAddress {
  return normaliseAddress(participantAddress(participant, pod)).address;
}

/** Everyone in the conversation except the sender, once each, in a stable order (not yet normalised). */
export function recipientsOf(conversation: Conversation, pod: string, exceptUserId?: string): EmailAddress[] {
  const seen = new Set<string>();
  const result: EmailAddress[] = [];
  for (const member of sortedMembers(conversation.members)) {
    if (member.userId === exceptUserId) continue;
    const address = participantAddress(member, pod);
    const key = normaliseAddress(address).address.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(address);
  }
  return result;
}

/** An attachment capture gave up on (e.g. refused as too large): the e-mail says so instead. */
export interface MissingAttachment {
  name: string;
  reason: string;
}

function finallyFailed(attachment: CapturedAttachment): string | undefined {
  const stored = attachment as CapturedAttachment & { status?: string; failure?: string | null };
  return stored.status === 'failed' ? oneLine(stored.failure ?? '') || 'capture could not download it' : undefined;
}

/**
 * Maps captured attachments to e-mail attachments. Every file must be in the spool, except those
 * capture marked as finally failed, which are listed as missing so the message is still archived.
 * Each file's first bytes are read to learn what it really is (convert/sniff.ts).
 */
export async function attachmentsOf(message: CapturedMessage, startIndex = 0): Promise<{ attachments: EmailAttachment[]; missing: MissingAttachment[] }> {
  const attachments: EmailAttachment[] = [];
  const missing: MissingAttachment[] = [];
  for (const [i, attachment] of message.attachments.entries()) {
    const failure = finallyFailed(attachment);
    if (failure !== undefined && !attachment.spoolPath) missing.push({ name: safeFilename(attachment.name, startIndex + i), reason: failure });
    else attachments.push(await toEmailAttachment(message, attachment, startIndex + i));
  }
  return { attachments, missing };
}

async function toEmailAttachment(message: CapturedMessage, attachment: CapturedAttachment, index: number): Promise<EmailAttachment> {
  if (!attachment.spoolPath || attachment.size === null || !attachment.sha256) {
    throw new ArchiverError({
      code: 'not-found',
      message: `The file "${attachment.name}" of Symphony message ${message.messageId} has not been downloaded yet, so the message cannot be converted.`,
      fix: 'Run the capture for this connector again; it downloads missing attachments before conversion.',
      target: `${message.connectorId}/${message.messageId}/${attachment.attachmentId}`,
    });
  }
  const filename = safeFilename(attachment.name, index);
  let sniff;
  try {
    sniff = await sniffFile(attachment.spoolPath);
  } catch (error) {
    throw new ArchiverError(
      {
        code: 'not-found',
        message: `The file "${attachment.name}" of Symphony message ${message.messageId} cannot be read from the attachment spool, so the message cannot be converted.`,
        fix: 'Restore the spool folder from a backup, or run the capture again so that the file is downloaded anew.',
        target: attachment.spoolPath,
        detail: errorText(error),
      },
      { cause: error },
    );
  }
  const type = chooseType(attachment.contentType, filename, sniff);
  // Only a raster image whose bytes agree is shown in the body; SVG and other active formats never.
  const inline = attachment.inline && type.inlineImage;
  const result: EmailAttachment = {
    filename,
    contentType: type.contentType,
    custody: { originalName: attachment.name, declaredType: type.declared, sniffedType: type.sniffed },
    path: attachment.spoolPath,
    size: attachment.size,
    sha256: attachment.sha256,
    inline,
  };
  if (inline) result.contentId = contentIdFor(message.pod, message.messageId, index, attachment.attachmentId);
  return result;
}
