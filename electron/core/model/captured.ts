/**
 * The store shape of what capture produces and conversion, mapping and import consume. Every
 * source (member streams, Datahose, Content Export) writes this same shape, so the later stages
 * never know which source an item came from.
 */

export type StreamType = 'IM' | 'MIM' | 'ROOM' | 'POST';

export interface Participant {
  /** Symphony user id as a decimal string (ids exceed 2^53). */
  userId: string;
  email: string;
  displayName: string;
  username?: string;
  /** From another firm's pod: kept in headers, never delivered to. */
  external: boolean;
}

export interface Conversation {
  connectorId: string;
  /** URL-safe base64 without padding. */
  streamId: string;
  streamType: StreamType;
  /** Room name; empty for IMs and MIMs. */
  name: string;
  external: boolean;
  crossPod: boolean;
  members: Participant[];
}

export interface CapturedAttachment {
  /** Symphony file id. */
  attachmentId: string;
  name: string;
  contentType: string;
  /** Bytes as declared by Symphony. */
  declaredSize: number;
  /** Bytes actually stored in the spool (null until downloaded). */
  size: number | null;
  sha256: string | null;
  /** Absolute path in the connector's spool folder (null until downloaded). */
  spoolPath: string | null;
  /** An inline image shown in the message body. */
  inline: boolean;
}

export interface CapturedMessage {
  /** Local row id; stable for the life of the database. */
  id: number;
  connectorId: string;
  /** Host name of the pod (e.g. acme.symphony.com); part of the Message-ID. */
  pod: string;
  /** Symphony message id, URL-safe base64. */
  messageId: string;
  streamId: string;
  /** Milliseconds since the epoch, as Symphony sent it. */
  timestamp: number;
  sender: Participant;
  /** PresentationML as captured (untrusted). */
  presentationML: string;
  /** EntityJSON as captured (a JSON string, may be empty). */
  entityJSON: string;
  attachments: CapturedAttachment[];
  /** For an edit: the Symphony message id of the message it replaces. */
  replacesMessageId: string | null;
  /** The V4Message exactly as received, canonical JSON; its SHA-256 is the chain-of-custody hash. */
  sourceJson: string;
  sourceSha256: string;
  capturedAt: string;
}
