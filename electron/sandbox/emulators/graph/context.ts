import type http from 'node:http';
import type { FaultKind } from './faults';
import type { ImportMimeRoute, TokenClaims } from './import-mime';
import type { LimitOptions } from './limits';
import type { Directory, EmulatedUser, Folder, Mailbox, StoredAttachment, StoredMessage } from './model';

/** What the Graph emulator counts, for tests and benchmarks. */
export interface GraphCounters {
  requests: number;
  throttled: number;
  faults: Record<FaultKind, number>;
  created: number;
  /** Requests drawn `late` that were applied after the client gave up (creates among them in `lateCreates`). */
  lateApplied: number;
  lateCreates: number;
  uploadsCompleted: number;
  maxConcurrentPerMailbox: number;
}

export function newCounters(): GraphCounters {
  return { requests: 0, throttled: 0, faults: { '429': 0, '503': 0, reset: 0, hang: 0, lost: 0, late: 0 }, created: 0, lateApplied: 0, lateCreates: 0, uploadsCompleted: 0, maxConcurrentPerMailbox: 0 };
}

/** The tenant as the routes see it: its state, its limits and clock, and where it listens. */
export interface Tenant {
  readonly directory: Directory;
  readonly limits: LimitOptions;
  readonly counters: GraphCounters;
  readonly importMime: ImportMimeRoute;
  now(): number;
  /** http://127.0.0.1:port, for the links Graph puts in its answers. */
  baseUrl(): string;
  /** The unsettled case of docs/decisions/graph-import.md (b): attachments only on drafts. */
  attachmentsOnDraftsOnly(): boolean;
  /** The claims of the token the request was authenticated with. */
  claimsOf(req: http.IncomingMessage): TokenClaims;
}

/**
 * One request to a v1.0 route, with the resources its path names already looked up (routeV1
 * in routes/index.ts answers 404 for one that does not exist before the route runs).
 */
export interface GraphCall {
  readonly tenant: Tenant;
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly method: string;
  readonly query: URLSearchParams;
  readonly user?: EmulatedUser;
  readonly mailbox?: Mailbox;
  readonly folder?: Folder;
  readonly message?: StoredMessage;
  readonly attachment?: StoredAttachment;
}
