import type { Connector } from '../../../shared/contract';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Store } from '../store/database';
import type { ConvertedEmail } from '../model/email';
import type { DestinationRouter } from '../model/destination';
import type { GraphClient } from './client';

/** What one import is given (importer.ts describes the entry points). */
export interface ImportDeps {
  store: Store;
  connector: Pick<Connector, 'id' | 'settings'>;
  graph: GraphClient;
  loadEmail: (archiveKey: string) => ConvertedEmail | Promise<ConvertedEmail>;
  /** Which destination writes each e-mail (deliver/router.ts); JSON create for all when absent. */
  router?: DestinationRouter;
  /** Where the JSON destination stages a body too large for one request (only without `router`). */
  scratchDir?: string;
  logger?: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** The run this import belongs to: the evidence of settled unknown outcomes names it. */
  runId?: number;
  /** Attempts per delivery within one run before it is left for the next run. */
  maxAttempts?: number;
  /** Bytes per upload-session PUT (a multiple of 320 KiB). */
  chunkBytes?: number;
  /**
   * Deliveries worked on at once across all mailboxes. Default: twice the throttle's adaptive
   * cap on requests in flight, followed as it grows and shrinks.
   */
  concurrency?: number;
  /** Bytes of e-mails and create requests the running deliveries may hold at once (memory-budget.ts). */
  memoryBytes?: number;
  /**
   * How long the end of the run may wait for its unknown outcomes to become settleable (their
   * settle time is the request's abandonment plus `graph.settleMarginMs`). Unknowns due later
   * are carried to the next run. Default: the settle margin, i.e. everything this run left.
   */
  settleWaitMs?: number;
}

export interface ImportProgress {
  connectorId: string;
  delivered: number;
  failed: number;
  /** Deliveries blocked in this run because their mailbox cannot be written. */
  blocked: number;
  pending: number;
}

export interface ImportSummary extends ImportProgress {
  /** Mailboxes found unwritable in this run, with the reason recorded on their deliveries. */
  unwritable: Array<{ mailbox: string; reason: string }>;
  /** Mailboxes blocked by an earlier run that could be written again: their backlog was delivered in this one. */
  unblocked: Array<{ mailbox: string; deliveries: number }>;
  /** Unknown outcomes settled in this run, stray copies deleted, and those carried to the next run. */
  unknowns: { settled: number; straysDeleted: number; unsettled: number };
}

/** Default of `memoryBytes` (memory-budget.ts says why that size). */
export { DEFAULT_IMPORT_MEMORY_BYTES } from './memory-budget';
