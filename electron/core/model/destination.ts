import type { ConvertedEmail } from './email';

/**
 * A destination is one way of writing an archive item somewhere: Graph JSON create, Graph
 * importMime, or a folder of .eml files. The importer's exactly-once logic (look up by archive
 * key after an unknown outcome, remove stray copies, resume missing attachments) is written once,
 * against this interface; destinations only know how to create, find, remove and read back.
 * Implementations: graph/json-destination.ts (the importer's default) and deliver/.
 */
export type RouteName = 'graph-json' | 'graph-mime' | 'eml-folder';

export const routeNames: readonly RouteName[] = ['graph-json', 'graph-mime', 'eml-folder'];

/** Where one delivery goes: a mailbox and the id of its archive folder (a path for the .eml folder). */
export interface DeliveryTarget {
  mailbox: string;
  folderId: string;
  signal?: AbortSignal;
  /** Called with the request's deadline just before a create goes out (the importer records it as in flight). */
  beforeSend?: (deadline: Date) => Promise<void>;
}

export interface RemoteItem {
  id: string;
  isDraft: boolean;
  createdDateTime?: string;
}

export interface WriteOptions {
  markAsRead: boolean;
  /** The draft fallback of docs/decisions/graph-import.md; destinations that cannot make drafts ignore it. */
  asDraft: boolean;
}

export interface AttachmentSplit {
  /** Indexes into email.attachments written by the create itself. */
  inline: number[];
  /** Indexes the importer adds to the created item afterwards (attachment post or upload session). */
  later: number[];
}

/** What a destination reads back from an item it wrote; the probe compares it with what was sent. */
export interface ItemReadback {
  isDraft: boolean;
  isRead?: boolean;
  sentDateTime?: string;
  receivedDateTime?: string;
  messageClass?: string;
  internetMessageId?: string;
  headers: Array<{ name: string; value: string }>;
  inReplyTo?: string;
  references?: string;
  conversationId?: string;
  attachments: Array<{ name: string; size: number }>;
}

export interface Destination {
  readonly route: RouteName;
  /**
   * The e-mail as this destination writes it, or `undefined` when it cannot take this one (too
   * large for one importMime request): the router then sends it elsewhere. A destination may
   * reshape it (a body too large for one request moves into an attachment); the importer uses the
   * returned e-mail for everything, so attachment indexes stay stable across retries and runs.
   */
  prepare(email: ConvertedEmail): Promise<ConvertedEmail | undefined>;
  split(email: ConvertedEmail, options: WriteOptions): AttachmentSplit;
  create(target: DeliveryTarget, email: ConvertedEmail, split: AttachmentSplit, options: WriteOptions): Promise<RemoteItem>;
  /** Every copy of the e-mail in the target folder (found by archive key or Message-ID), oldest first. */
  find(target: DeliveryTarget, email: ConvertedEmail): Promise<RemoteItem[]>;
  /** Deletes an item; one that is already gone is not an error. */
  remove(target: DeliveryTarget, id: string): Promise<void>;
  read(target: DeliveryTarget, id: string): Promise<ItemReadback>;
}

export interface Routed {
  destination: Destination;
  /** The e-mail as that destination writes it (see Destination.prepare). */
  email: ConvertedEmail;
}

/** Picks the destination of each e-mail; the importer asks it once per archive key. */
export interface DestinationRouter {
  route(email: ConvertedEmail): Promise<Routed>;
  /** The destination behind a route the ledger recorded, to look an item up where it was written. */
  byRoute(route: RouteName): Destination | undefined;
}
