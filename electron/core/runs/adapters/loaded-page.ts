import type { CapturedItemReader } from '../../convert/reader';
import type { CapturedMessage, Conversation } from '../../model/captured';
import type { CaptureRepository, StoredMessage } from '../../store/repos/capture';
import type { CapturedItemRef } from '../stages';

type Found = { message: CapturedMessage; conversation: Conversation };

/** At most this many rows of transcript days outside the page are kept with it (memory stays flat). */
const EXTRA_KEPT = 5000;

/**
 * The page of captured items being planned, read from the store once: the items' rows and their
 * attachments in one statement each, each conversation (with its members) once per page. The
 * pipeline lists the page, then converts and maps it; both are served from here, so an item's
 * rows are read once between capture and create instead of once per step (issue #19; counted
 * by test/integration/pipeline-reads.test.ts). The import takes the e-mails converted here
 * (convert/recent.ts) and reads the store only for what those no longer hold.
 *
 * Holding the rows between listing and conversion is safe: the stages of a run run one after
 * another, capture first, and nothing else writes a captured item. The page is dropped when the
 * next one is listed and when capture or the import starts.
 */
export class LoadedPage implements CapturedItemReader {
  private readonly stored = new Map<number, StoredMessage>();
  private readonly byMessageId = new Map<string, number>();
  private readonly conversations = new Map<string, Conversation | undefined>();
  private connectorId = '';
  /** Rows kept beyond the listed page (transcript days). */
  private extra = 0;

  constructor(
    private readonly repo: CaptureRepository,
    private readonly base: CapturedItemReader,
  ) {}

  /** Reads a page by id (after `afterId`, at most `limit`) and keeps it; the pipeline's refs of it. */
  listAfter(connectorId: string, afterId: number, limit: number): CapturedItemRef[] {
    return this.keep(connectorId, this.repo.itemsAfterId(connectorId, afterId, limit)).map(refOf);
  }

  /** Reads these items (a retried page) and keeps them; the pipeline's refs of them. */
  listByIds(connectorId: string, ids: readonly number[]): CapturedItemRef[] {
    return this.keep(connectorId, this.repo.itemsByIds(connectorId, ids)).map(refOf);
  }

  /** Makes sure these items are held (reads the missing ones, in one statement). */
  ensure(connectorId: string, ids: readonly number[]): void {
    if (connectorId !== this.connectorId) this.clear();
    const missing = ids.filter((id) => !this.stored.has(id));
    if (missing.length > 0) this.add(connectorId, this.repo.itemsByIds(connectorId, missing));
  }

  /** The item as stored (with its attachments' download states), when held. */
  item(id: number): StoredMessage | undefined {
    return this.stored.get(id);
  }

  getMessage(connectorId: string, itemId: number | string): Found | undefined {
    const id = typeof itemId === 'number' ? itemId : this.byMessageId.get(itemId);
    const message = connectorId === this.connectorId && id !== undefined ? this.stored.get(id) : undefined;
    if (!message) return this.base.getMessage(connectorId, itemId);
    const conversation = this.conversationOf(connectorId, message.streamId);
    return conversation && { message, conversation };
  }

  streamMessages(connectorId: string, streamId: string, fromMs: number, toMs: number): CapturedMessage[] {
    return this.streamDay(connectorId, streamId, fromMs, toMs);
  }

  /**
   * A conversation's items in a time range (a transcript day): their ids from the index, then the
   * rows the page does not hold yet, in one statement each for the items and their attachments.
   * Those are kept with the page, up to EXTRA_KEPT beyond it, so that mapping a transcript whose
   * day reaches into other pages reads none of them again.
   */
  streamDay(connectorId: string, streamId: string, fromMs: number, toMs: number): StoredMessage[] {
    if (connectorId !== this.connectorId) this.clear();
    const ids = this.repo.itemIdsInStreamRange(connectorId, streamId, fromMs, toMs);
    const read = new Map(this.repo.itemsByIds(connectorId, ids.filter((id) => !this.stored.has(id))).map((m) => [m.id, m]));
    if (this.extra + read.size <= EXTRA_KEPT) {
      this.extra += read.size;
      this.add(connectorId, [...read.values()]);
    }
    return ids.flatMap((id) => this.stored.get(id) ?? read.get(id) ?? []);
  }

  clear(): void {
    this.stored.clear();
    this.byMessageId.clear();
    this.conversations.clear();
    this.connectorId = '';
    this.extra = 0;
  }

  private keep(connectorId: string, messages: StoredMessage[]): StoredMessage[] {
    this.clear();
    this.add(connectorId, messages);
    return messages;
  }

  private add(connectorId: string, messages: StoredMessage[]): void {
    this.connectorId = connectorId;
    for (const message of messages) {
      this.stored.set(message.id, message);
      this.byMessageId.set(message.messageId, message.id);
    }
  }

  private conversationOf(connectorId: string, streamId: string): Conversation | undefined {
    if (!this.conversations.has(streamId)) this.conversations.set(streamId, this.repo.conversations.conversation(connectorId, streamId));
    return this.conversations.get(streamId);
  }
}

/**
 * The pipeline's ref of a stored item, the same values capture's light listing (capturedInStreamDay)
 * computes in SQL: the sender's e-mail (else user id), and the captured bytes as SQLite's length() counts the
 * source (characters before any NUL) plus every attachment's size (the declared one until stored).
 */
export function refOf(message: StoredMessage): CapturedItemRef {
  const bytes = message.attachments.reduce((n, a) => n + (a.size ?? a.declaredSize), sqliteLength(message.sourceJson));
  return { id: message.id, streamId: message.streamId, messageId: message.messageId, sender: message.sender.email || message.sender.userId, bytes, capturedAt: message.capturedAt, timestamp: message.timestamp };
}

/**
 * SQLite's length() of a text: its characters (code points) before the first NUL. (A lone
 * surrogate, which source JSON escapes, does not survive a round trip through SQLite anyway.)
 */
function sqliteLength(text: string): number {
  const nul = text.indexOf('\u0000');
  const before = nul < 0 ? text : text.slice(0, nul);
  let pairs = 0;
  for (let i = 0; i < before.length - 1; i++) {
    const c = before.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = before.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return before.length - pairs;
}
