import type { CapturedMessage, Conversation } from '../model/captured';
import type { CaptureRepository } from '../store/repos/capture';

/** What conversion needs from the capture store: one item, and one stream's messages over a time range. */
export interface CapturedItemReader {
  /** `itemId`: capture's local row id (number) or the Symphony message id (string). */
  getMessage(connectorId: string, itemId: number | string): { message: CapturedMessage; conversation: Conversation } | undefined;
  /** Messages of one stream with from <= timestamp < to, in timestamp order. */
  streamMessages(connectorId: string, streamId: string, fromMs: number, toMs: number): CapturedMessage[];
}

/** The reader over capture's repository (its public readers only; the SQL stays there). */
export function captureRepoReader(repo: CaptureRepository): CapturedItemReader {
  return {
    getMessage(connectorId, itemId) {
      const message = typeof itemId === 'number' ? repo.item(itemId) : repo.itemByMessageId(connectorId, itemId);
      if (!message || message.connectorId !== connectorId) return undefined;
      const conversation = repo.conversations.conversation(connectorId, message.streamId);
      return conversation && { message, conversation };
    },
    streamMessages(connectorId, streamId, fromMs, toMs) {
      return repo.itemsInStreamRange(connectorId, streamId, fromMs, toMs);
    },
  };
}
