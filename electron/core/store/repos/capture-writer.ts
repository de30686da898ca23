import type { Participant } from '../../model/captured';
import type { Store } from '../database';
import { CaptureRepository, type NewItem } from './capture';
import type { ConversationChange, MemberRecord, MembershipChange } from './conversations';

/** Everything one read of a source changes in the capture tables (migration 0002). */
export interface CaptureBatch {
  conversations?: readonly ConversationChange[];
  /** Users named by the read. `resolved`: from the pod's directory, never overwritten by the thinner copy a message carries. */
  participants?: readonly { participant: Participant; resolved: boolean }[];
  /** Whole member lists read from the pod: members not in a list stay, marked not current. */
  memberLists?: readonly { streamId: string; members: readonly MemberRecord[] }[];
  /** Single membership changes, applied after the lists, in order. */
  memberships?: readonly MembershipChange[];
  /** In order; an item already stored (by any source) is left as it is. */
  items?: readonly { streamId: string; item: NewItem }[];
}

/** What a write changed. */
export interface CaptureWritten {
  /** Items new to the store, in all and per conversation (only conversations with new items). */
  inserted: number;
  insertedByStream: Map<string, number>;
  attachments: number;
  /** Conversations the store did not know before this write. */
  newConversations: string[];
}

/**
 * The one write path of capture, whichever source read the pod: conversations, participants,
 * members and items of one connector, together with the source's position (`advance`: a
 * conversation's checkpoint, Datahose's ackId, Content Export's ledger row), in one transaction.
 * A crash before the commit leaves the old position and none of the rows, so the source reads
 * the same again and `ON CONFLICT DO NOTHING` stores nothing twice; after the commit both are
 * there. A source never writes these tables any other way.
 */
export class CaptureWriter {
  private readonly capture: CaptureRepository;

  constructor(
    private readonly store: Store,
    readonly connectorId: string,
    /** Host name of the pod, part of each item's identity (Message-ID). */
    readonly pod: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.capture = new CaptureRepository(store);
  }

  /**
   * Writes the batch and then calls `advance` (the source's own repository moving its position)
   * in the same transaction; returns what was written and what `advance` returned.
   */
  write<T = undefined>(batch: CaptureBatch, advance?: (written: CaptureWritten) => T): CaptureWritten & { position: T } {
    const { connectorId, pod } = this;
    const conversations = this.capture.conversations;
    const now = this.now();
    return this.store.transaction(() => {
      const newConversations = conversations.upsertConversations(connectorId, batch.conversations ?? [], now);
      const participants = batch.participants ?? [];
      conversations.upsertParticipants(connectorId, participants.filter((p) => p.resolved).map((p) => p.participant), true, now);
      conversations.upsertParticipants(connectorId, participants.filter((p) => !p.resolved).map((p) => p.participant), false, now);
      for (const list of batch.memberLists ?? []) conversations.replaceMembers(connectorId, list.streamId, list.members);
      conversations.applyMemberships(connectorId, batch.memberships ?? []);

      const written: CaptureWritten = { inserted: 0, insertedByStream: new Map(), attachments: 0, newConversations };
      for (const [streamId, items] of byStream(batch.items ?? [])) {
        const stored = this.capture.insertItems(connectorId, pod, streamId, items, now);
        written.inserted += stored.inserted;
        written.attachments += stored.attachments;
        if (stored.inserted > 0) written.insertedByStream.set(streamId, (written.insertedByStream.get(streamId) ?? 0) + stored.inserted);
      }
      const position = advance ? advance(written) : (undefined as T);
      return { ...written, position };
    });
  }
}

/** Consecutive items of one conversation, in the batch's order (the first copy of a message is the one kept). */
function byStream(items: readonly { streamId: string; item: NewItem }[]): [string, NewItem[]][] {
  const runs: [string, NewItem[]][] = [];
  for (const { streamId, item } of items) {
    const last = runs.at(-1);
    if (last && last[0] === streamId) last[1].push(item);
    else runs.push([streamId, [item]]);
  }
  return runs;
}
