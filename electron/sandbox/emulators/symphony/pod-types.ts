import type { KeyObject } from 'node:crypto';

/** The emulated pod's records (model.ts holds and generates them). */

export type EmStreamType = 'IM' | 'MIM' | 'ROOM';

export interface EmUser {
  id: bigint;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  company: string;
  companyId: number;
  external: boolean;
  accountType: 'NORMAL' | 'SYSTEM';
  roles: string[];
  /** Registered RSA public key (service accounts). */
  publicKey?: KeyObject;
}

export interface EmAttachment {
  /** Contains `/`, `+` and `=`: the client must URL-encode it. */
  id: string;
  name: string;
  /** Bytes actually served. */
  size: number;
  /** Bytes announced in the message (differs from `size` only when a test wants a liar). */
  declaredSize: number;
  /** Content is generated from this seed on demand, never kept in memory. */
  seed: number;
}

export interface EmMessage {
  /** URL-safe id (how it is keyed). */
  id: string;
  /** Serve ids in standard base64 in the payload (both forms exist in the wild). */
  standardIds: boolean;
  timestamp: number;
  seq: number;
  sender: bigint;
  message: string;
  data: string;
  attachments: EmAttachment[];
  replacing?: string;
  replacedBy?: string;
  initialTimestamp?: number;
  initialMessageId?: string;
  /** Suppressed by a compliance officer (still served by v4 here; announced to Datahose). */
  suppressed?: boolean;
}

export interface EmMember {
  joinDate: number;
  owner: boolean;
  /** Left the conversation: no longer listed, still the sender of old messages. */
  left?: boolean;
}

export interface EmStream {
  id: string;
  type: EmStreamType;
  name: string;
  external: boolean;
  active: boolean;
  isPublic: boolean;
  createdBy: bigint;
  created: number;
  lastModified: number;
  members: Map<bigint, EmMember>;
  /** Ordered by (timestamp, seq). */
  messages: EmMessage[];
}

export interface PodOptions {
  seed?: number | string;
  conversations?: number;
  messages?: number;
  attachments?: number;
  internalUsers?: number;
  externalUsers?: number;
  /** Largest generated attachment (bytes). */
  maxAttachmentBytes?: number;
  /** Attachments that declare (and would serve) more than 150 MB. */
  hugeAttachments?: number;
  /** Share of messages that are edits of an earlier message. */
  editRate?: number;
  /** Puts this many messages on one timestamp in one stream (tests the paging rule past one page). */
  burst?: number;
  /** Streams the service account is not a member of. */
  nonMemberStreams?: number;
  /**
   * Every user id above 2^53, the service account's included (2^53 + 1, then odd steps): none
   * survives a round trip through a double. Default: only other pods' users have such ids.
   */
  largeIds?: boolean;
  /** First message time (ms); all generated messages lie between this and `end`. */
  start?: number;
  end?: number;
}
