import type { EmulatedUser, Folder, Mailbox, StoredAttachment, StoredMessage } from './model';
import { sameExtendedId } from './filter';
import { checkAnswer } from './schema';

function pick(full: Record<string, unknown>, select: string | null, always: string[] = ['id']): Record<string, unknown> {
  if (!select) return full;
  const wanted = new Set([...always, ...select.split(',').map((s) => s.trim()).filter(Boolean)]);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(full)) if (wanted.has(key) || key.startsWith('@odata')) out[key] = value;
  return out;
}

export function renderUser(user: EmulatedUser, select: string | null): Record<string, unknown> {
  return pick(
    { id: user.id, displayName: user.displayName, mail: user.mail, userPrincipalName: user.userPrincipalName, proxyAddresses: user.proxyAddresses },
    select,
  );
}

export function renderFolder(folder: Folder, mailbox: Mailbox): Record<string, unknown> {
  const children = [...mailbox.folders.values()].filter((f) => f.parentFolderId === folder.id).length;
  const items = [...mailbox.messages.values()].filter((m) => m.folderId === folder.id);
  return checkAnswer('mailFolder', {
    id: folder.id,
    displayName: folder.displayName,
    parentFolderId: folder.parentFolderId,
    childFolderCount: children,
    totalItemCount: items.length,
    unreadItemCount: items.filter((m) => !m.isRead).length,
  });
}

/** A message as Graph returns it; internetMessageHeaders only when selected, extended properties only when expanded. */
export function renderMessage(message: StoredMessage, _mailbox: Mailbox, select: string | null, expand: string | null): Record<string, unknown> {
  const f = message.fields;
  const full: Record<string, unknown> = {
    id: message.id,
    createdDateTime: message.createdDateTime,
    lastModifiedDateTime: message.lastModifiedDateTime,
    receivedDateTime: message.receivedDateTime,
    sentDateTime: message.sentDateTime,
    hasAttachments: message.attachments.some((a) => !a.isInline),
    internetMessageId: f.internetMessageId ?? `<${message.id.slice(-12)}@emulator.local>`,
    subject: f.subject ?? '',
    importance: f.importance ?? 'normal',
    parentFolderId: message.folderId,
    isRead: message.isRead,
    isDraft: message.isDraft,
    body: f.body ?? { contentType: 'text', content: '' },
    from: f.from ?? null,
    sender: f.sender ?? f.from ?? null,
    toRecipients: f.toRecipients ?? [],
    ccRecipients: f.ccRecipients ?? [],
    bccRecipients: f.bccRecipients ?? [],
    replyTo: f.replyTo ?? [],
    categories: f.categories ?? [],
  };
  const out = pick(full, select);
  if (select?.split(',').map((s) => s.trim()).includes('internetMessageHeaders')) out.internetMessageHeaders = message.headers;
  if (expand) {
    const ext = /singleValueExtendedProperties\(\$filter=\s*id eq '([^']+)'\s*\)/i.exec(expand);
    if (ext) {
      const matching = message.extended.filter((p) => sameExtendedId(p.id, ext[1]!));
      // Every Exchange item has a message class; one created without PR_MESSAGE_CLASS is IPM.Note.
      if (!matching.length && sameExtendedId(ext[1]!, 'String 0x001A')) matching.push({ id: 'String 0x001A', value: 'IPM.Note' });
      if (matching.length) out.singleValueExtendedProperties = matching;
    } else if (/^attachments/i.test(expand)) {
      out.attachments = message.attachments.map((a) => renderAttachment(a, null));
    }
  }
  return checkAnswer('message', out);
}

export function renderAttachment(a: StoredAttachment, select: string | null, withContent = false): Record<string, unknown> {
  const full: Record<string, unknown> = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    id: a.id,
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline,
    contentId: a.contentId ?? null,
    lastModifiedDateTime: a.lastModifiedDateTime,
  };
  if (withContent && a.bytes) full.contentBytes = a.bytes.toString('base64');
  return checkAnswer('attachment', pick(full, select));
}
