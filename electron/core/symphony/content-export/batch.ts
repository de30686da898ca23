import type { Conversation } from '../../model/captured';
import type { NewItem } from '../../store/repos/capture';
import type { CaptureBatch } from '../../store/repos/capture-writer';

/** An attachment already saved in the connector's spool (an export carries the bytes). */
export interface ReadAttachment {
  attachmentId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  spoolPath: string;
  inline: boolean;
}

/** A captured item as every source stores it, but with its attachments' bytes already in the spool. */
export type ReadItem = Omit<NewItem, 'attachments'> & { attachments: ReadAttachment[] };

/** One conversation of an export file, as read (read-export.ts). */
export interface ReadConversation extends Omit<Conversation, 'connectorId'> {
  /** Members whose id is not a Symphony id (derived from an e-mail address). */
  pseudonymousUserIds: ReadonlySet<string>;
  items: ReadItem[];
}

/**
 * What an export file's conversations change in the capture tables: the same shape every source
 * writes, so conversion, mapping and import never know the source. An export knows who spoke or
 * was addressed in a period, not who left or who owns a room, and carries no member-stream
 * checkpoint: a conversation the store knew keeps its details and members (people are only
 * added), and its checkpoint is not touched.
 */
export function toCaptureBatch(conversations: readonly ReadConversation[]): CaptureBatch {
  return {
    conversations: conversations.map((c) => ({
      streamId: c.streamId,
      streamType: c.streamType,
      name: c.name,
      external: c.external,
      crossPod: c.crossPod,
      active: true,
      lastModified: c.items.reduce<number | null>((max, i) => (max === null || i.timestamp > max ? i.timestamp : max), null),
      onlyIfAbsent: true,
    })),
    // People from the directory or the member-stream reader are not overwritten by the thinner
    // copy an export carries; ids derived from e-mail addresses are marked resolved so that the
    // member-stream reader never asks the pod's directory about them.
    participants: conversations.flatMap((c) => c.members.map((participant) => ({ participant, resolved: c.pseudonymousUserIds.has(participant.userId) }))),
    memberships: conversations.flatMap((c) => c.members.map((m) => ({ streamId: c.streamId, userId: m.userId, current: true, onlyIfAbsent: true }))),
    items: conversations.flatMap((c) => c.items.map((i) => ({ streamId: c.streamId, item: toNewItem(i) }))),
  };
}

/** The bytes came with the export, so a new item's attachments are stored, not pending. */
function toNewItem(i: ReadItem): NewItem {
  return {
    ...i,
    attachments: i.attachments.map((a) => ({
      attachmentId: a.attachmentId,
      name: a.name,
      contentType: a.contentType,
      declaredSize: a.size,
      inline: a.inline,
      stored: { size: a.size, sha256: a.sha256, spoolPath: a.spoolPath },
    })),
  };
}
