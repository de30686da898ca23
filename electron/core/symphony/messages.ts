import { ArchiverError } from '../../../shared/errors';
import type { Participant } from '../model/captured';
import type { Checkpoint } from '../store/repos/conversations';
import type { NewAttachment, NewItem } from '../store/repos/capture';
import { formatBytes } from './attachment-download';
import { toUrlSafeId } from './ids';
import { canonicalJson, sha256Hex } from './json';
import { v4MessageSchema } from './schemas';

/**
 * Turns one V4Message, exactly as received, into the item the store keeps: the canonical JSON
 * and its SHA-256 for the chain of custody, plus the fields later stages read. An edit is its
 * own item pointing at the message it replaces; the original stays.
 */
export function toNewItem(raw: unknown, known: (userId: string) => Participant | undefined, maxAttachmentBytes: number): NewItem {
  const parsed = v4MessageSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { messageId?: unknown } | null)?.messageId === 'string' ? (raw as { messageId: string }).messageId : 'without an id';
    throw new ArchiverError({
      code: 'internal',
      message: `Symphony sent a message (${id}) the archiver cannot read; this conversation stays at that point until it is resolved.`,
      fix: 'Report this with the log; the other conversations go on.',
      target: id,
      detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  const m = parsed.data;
  const sourceJson = canonicalJson(raw);
  const senderId = m.user.userId;
  const knownSender = known(senderId);
  const sender: Participant = {
    userId: senderId,
    email: m.user.email || knownSender?.email || '',
    displayName: m.user.displayName || knownSender?.displayName || '',
    external: knownSender?.external ?? false,
  };
  const username = m.user.username ?? knownSender?.username;
  if (username) sender.username = username;
  const attachments: NewAttachment[] = m.attachments.map((a) => {
    const attachment: NewAttachment = { attachmentId: a.id, name: a.name, contentType: contentTypeOf(a.name), declaredSize: a.size, inline: false };
    if (a.size > maxAttachmentBytes) {
      attachment.failure = `Declared size ${formatBytes(a.size)} is over the ${formatBytes(maxAttachmentBytes)} limit; the file was not downloaded.`;
    }
    return attachment;
  });
  return {
    messageId: toUrlSafeId(m.messageId),
    timestamp: m.timestamp,
    sender,
    presentationML: m.message,
    entityJSON: m.data,
    replacesMessageId: m.replacing ? toUrlSafeId(m.replacing) : null,
    sourceJson,
    sourceSha256: sha256Hex(sourceJson),
    attachments,
  };
}

/**
 * The v4 paging rule: the next read starts at the last timestamp seen, skipping the messages
 * already seen with exactly that timestamp.
 */
export function advanceCheckpoint(checkpoint: Checkpoint, timestamps: readonly number[]): Checkpoint {
  let { since, skip } = checkpoint;
  for (const ts of timestamps) {
    if (ts === since) skip++;
    else if (ts > since) {
      since = ts;
      skip = 1;
    }
  }
  return { since, skip };
}

const TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  xml: 'application/xml',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  eml: 'message/rfc822',
};

/** V4 attachments carry no content type; the file name's extension is the best guess. */
export function contentTypeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) || 'application/octet-stream';
}
