import type { Participant, StreamType } from '../../model/captured';
import type { Store } from '../../store/database';
import { CaptureRepository, type NewItem } from '../../store/repos/capture';
import { ContentExportRepository } from '../../store/repos/content-export';

/** An attachment already saved in the connector's spool (an export carries the bytes). */
export interface SinkAttachment {
  attachmentId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  spoolPath: string;
  inline: boolean;
}

/** A captured item as every reader stores it, but with its attachments' bytes already in the spool. */
export type SinkItem = Omit<NewItem, 'attachments'> & { attachments: SinkAttachment[] };

export interface SinkConversation {
  streamId: string;
  streamType: StreamType;
  name: string;
  external: boolean;
  crossPod: boolean;
  members: Participant[];
  /** Members whose id is not a Symphony id (derived from an e-mail address). */
  pseudonymousUserIds: ReadonlySet<string>;
  items: SinkItem[];
}

/**
 * Where the Content Export source puts what it read: the same store shape the member-stream
 * reader writes, so conversion, mapping and import never know the source. Called inside the
 * caller's transaction (the file's "ingested" record commits with the items).
 */
export interface CapturedItemSink {
  storeConversation(connectorId: string, pod: string, conversation: SinkConversation, now: Date): { inserted: number; duplicates: number };
}

/** The sink over the capture repository (migration 0002). */
export class CaptureRepositorySink implements CapturedItemSink {
  private readonly capture: CaptureRepository;
  private readonly ledger: ContentExportRepository;

  constructor(store: Store) {
    this.capture = new CaptureRepository(store);
    this.ledger = new ContentExportRepository(store);
  }

  storeConversation(connectorId: string, pod: string, c: SinkConversation, now: Date): { inserted: number; duplicates: number } {
    const conversations = this.capture.conversations;
    // People from the directory or the member-stream reader are not overwritten by the thinner
    // copy an export carries; ids derived from e-mail addresses are marked resolved so that the
    // member-stream reader never asks the pod's directory about them.
    const real = c.members.filter((m) => !c.pseudonymousUserIds.has(m.userId));
    const pseudo = c.members.filter((m) => c.pseudonymousUserIds.has(m.userId));
    conversations.upsertParticipants(connectorId, real, false, now);
    conversations.upsertParticipants(connectorId, pseudo, true, now);

    const known = conversations.conversation(connectorId, c.streamId);
    if (!known) {
      const lastModified = c.items.reduce<number | null>((max, i) => (max === null || i.timestamp > max ? i.timestamp : max), null);
      conversations.upsertConversations(connectorId, [{ streamId: c.streamId, streamType: c.streamType, name: c.name, external: c.external, crossPod: c.crossPod, active: true, lastModified }], now);
      conversations.replaceMembers(connectorId, c.streamId, c.members.map((m) => ({ userId: m.userId, isOwner: false, joinDate: null })));
    } else {
      this.ledger.addMembers(connectorId, c.streamId, c.members.map((m) => m.userId));
    }
    if (c.items.length === 0) return { inserted: 0, duplicates: 0 };

    const checkpoint = conversations.checkpoint(connectorId, c.streamId);
    const items: NewItem[] = c.items.map((i) => ({
      messageId: i.messageId,
      timestamp: i.timestamp,
      sender: i.sender,
      presentationML: i.presentationML,
      entityJSON: i.entityJSON,
      replacesMessageId: i.replacesMessageId,
      sourceJson: i.sourceJson,
      sourceSha256: i.sourceSha256,
      attachments: i.attachments.map((a) => ({ attachmentId: a.attachmentId, name: a.name, contentType: a.contentType, declaredSize: a.size, inline: a.inline })),
    }));
    // storePage moves the member-stream checkpoint; an export must leave it as it was.
    const { inserted } = this.capture.storePage(connectorId, pod, c.streamId, items, checkpoint ?? { since: 0, skip: 0 }, now);
    if (!checkpoint) this.ledger.dropCheckpoint(connectorId, c.streamId);

    // The bytes came with the export, so the attachments of new items are stored, not pending.
    for (const item of c.items) {
      if (item.attachments.length === 0) continue;
      const stored = this.capture.itemByMessageId(connectorId, item.messageId);
      if (!stored || stored.sourceSha256 !== item.sourceSha256) continue;
      for (const a of stored.attachments) {
        const file = item.attachments[a.position];
        if (a.status === 'pending' && file && file.attachmentId === a.attachmentId) {
          this.capture.markAttachmentStored(stored.id, a.position, { size: file.size, sha256: file.sha256, spoolPath: file.spoolPath }, now);
        }
      }
    }
    return { inserted, duplicates: items.length - inserted };
  }
}
