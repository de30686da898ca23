import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExtendedProperty, InlineAttachment } from './validate';

/** `enabled`: Exchange Online mailbox; the others are the ways a directory user cannot be written. */
export type MailboxState = 'enabled' | 'none' | 'unlicensed' | 'denied';

export interface EmulatedUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  proxyAddresses: string[];
  mailbox: MailboxState;
}

export interface StoredAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  sha256: string;
  /** Small attachments keep their bytes; large ones live in a file (or only as a hash). */
  bytes?: Buffer;
  file?: string;
  lastModifiedDateTime: string;
}

export interface StoredMessage {
  id: string;
  folderId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  sentDateTime: string;
  receivedDateTime: string;
  isDraft: boolean;
  isRead: boolean;
  fields: Record<string, unknown>;
  extended: ExtendedProperty[];
  headers: Array<{ name: string; value: string }>;
  attachments: StoredAttachment[];
  mime?: string;
}

export interface Folder {
  id: string;
  displayName: string;
  parentFolderId: string | null;
  wellKnownName?: string;
}

export interface Mailbox {
  user: EmulatedUser;
  folders: Map<string, Folder>;
  messages: Map<string, StoredMessage>;
}

export interface UploadSession {
  id: string;
  token: string;
  mailboxUserId: string;
  messageId: string;
  name: string;
  contentType: string;
  isInline: boolean;
  contentId?: string;
  size: number;
  received: number;
  hash: ReturnType<typeof createHash>;
  file?: string;
  chunks?: Buffer[];
  expiresAt: number;
}

const wellKnown = ['inbox', 'drafts', 'sentitems', 'deleteditems', 'archive'];
const displayNames: Record<string, string> = { inbox: 'Inbox', drafts: 'Drafts', sentitems: 'Sent Items', deleteditems: 'Deleted Items', archive: 'Archive' };

/** Opaque Graph-like ids (base64url of a random value): nothing may parse them. */
export function graphId(prefix = 'AAMk'): string {
  return prefix + Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

export class Directory {
  readonly users = new Map<string, EmulatedUser>();
  readonly mailboxes = new Map<string, Mailbox>();
  readonly sessions = new Map<string, UploadSession>();
  /** Every message deleted through the API, for tests that check each deletion was accounted for. */
  readonly deleted: Array<{ id: string; userPrincipalName: string; extended: ExtendedProperty[]; at: string }> = [];

  constructor(readonly blobDir?: string) {
    if (blobDir) fs.mkdirSync(blobDir, { recursive: true });
  }

  addUser(input: { userPrincipalName: string; mail?: string | null; displayName?: string; proxyAddresses?: string[]; mailbox?: MailboxState; id?: string }): EmulatedUser {
    const user: EmulatedUser = {
      id: input.id ?? randomUUID(),
      userPrincipalName: input.userPrincipalName,
      mail: input.mail === undefined ? input.userPrincipalName : input.mail,
      displayName: input.displayName ?? input.userPrincipalName.split('@')[0]!,
      proxyAddresses: input.proxyAddresses ?? (input.mail === null ? [] : [`SMTP:${input.mail ?? input.userPrincipalName}`]),
      mailbox: input.mailbox ?? 'enabled',
    };
    this.users.set(user.id, user);
    this.setMailboxState(user, user.mailbox);
    return user;
  }

  /**
   * The tenant's admin changes a user's mailbox: a licence assigned (`unlicensed` → `enabled`
   * creates the mailbox, as Exchange Online provisions it), an application access policy or RBAC
   * scope changed (`denied` ↔ `enabled`), a mailbox removed or restored (`none` ↔ `enabled`; a
   * restored mailbox keeps what it held).
   */
  setMailboxState(user: EmulatedUser, state: MailboxState): void {
    user.mailbox = state;
    if (state !== 'enabled' || this.mailboxes.has(user.id)) return;
    const folders = new Map<string, Folder>();
    const root: Folder = { id: graphId('AQMkRoot'), displayName: 'Top of Information Store', parentFolderId: null, wellKnownName: 'msgfolderroot' };
    folders.set(root.id, root);
    for (const name of wellKnown) {
      const folder: Folder = { id: graphId('AQMk'), displayName: displayNames[name]!, parentFolderId: root.id, wellKnownName: name };
      folders.set(folder.id, folder);
    }
    this.mailboxes.set(user.id, { user, folders, messages: new Map() });
  }

  /** `/users/{id | userPrincipalName}`: ids and UPNs, case-insensitively for UPNs. */
  findUser(idOrUpn: string): EmulatedUser | undefined {
    const direct = this.users.get(idOrUpn);
    if (direct) return direct;
    const lower = idOrUpn.toLowerCase();
    for (const user of this.users.values()) if (user.userPrincipalName.toLowerCase() === lower) return user;
    return undefined;
  }

  folder(mailbox: Mailbox, idOrWellKnown: string): Folder | undefined {
    const lower = idOrWellKnown.toLowerCase();
    for (const folder of mailbox.folders.values()) {
      if (folder.id === idOrWellKnown || folder.wellKnownName === lower) return folder;
    }
    return undefined;
  }

  storeAttachment(input: InlineAttachment, now: string): StoredAttachment {
    return {
      id: graphId('AAMkAtt'),
      name: input.name,
      contentType: input.contentType,
      size: input.bytes.length,
      isInline: input.isInline,
      contentId: input.contentId,
      sha256: createHash('sha256').update(input.bytes).digest('hex'),
      bytes: input.bytes,
      lastModifiedDateTime: now,
    };
  }

  newSessionFile(id: string): string | undefined {
    return this.blobDir ? path.join(this.blobDir, `${id}.bin`) : undefined;
  }

  /** Every message of every mailbox, for test assertions. */
  *allMessages(): Generator<{ user: EmulatedUser; folder: Folder; message: StoredMessage }> {
    for (const mailbox of this.mailboxes.values()) {
      for (const message of mailbox.messages.values()) {
        yield { user: mailbox.user, folder: mailbox.folders.get(message.folderId)!, message };
      }
    }
  }
}

export function messageSize(message: StoredMessage): number {
  return JSON.stringify(message.fields).length + message.attachments.reduce((sum, a) => sum + a.size, 0);
}
