import type { BlockReason, Connector, OutcomeReason, Reconciliation } from '../../../shared/contract';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { CapturedItemRow } from '../store/repos/capture';
import type { DeliveryState } from '../store/repos/deliveries';

/**
 * The small interfaces the pipeline runs against. The real stages (symphony, convert, mapping,
 * graph) are wrapped by adapters in ./adapters; tests give in-test implementations over real
 * SQLite. Every stage must be resumable from the store: the pipeline may be killed anywhere.
 */

export interface StageProgressUpdate {
  done: number;
  total?: number | null;
  bytes?: number;
}

export interface StageContext {
  connector: Connector;
  runId: number;
  signal: AbortSignal;
  clock: Clock;
  logger: Logger;
  progress(update: StageProgressUpdate): void;
}

/** What the pipeline needs to know of a captured item (capture's light row); the content stays in the store. */
export type CapturedItemRef = Omit<CapturedItemRow, 'pendingAttachments'>;

export interface CaptureStage {
  /** Reads new messages from the pod into the store, from its own checkpoints. */
  capture(ctx: StageContext): Promise<void>;
  /** Captured items with id > afterId, ascending, at most `limit`. */
  page(connectorId: string, afterId: number, limit: number): CapturedItemRef[];
  byIds(connectorId: string, ids: readonly number[]): CapturedItemRef[];
  /** Number of captured items with afterId < id <= throughId (the reconciliation's cross-check). */
  count(connectorId: string, afterId: number, throughId: number): number;
  /** Spool files of these items, for retention. */
  spoolFiles(connectorId: string, itemIds: readonly number[]): string[];
}

export type ConvertOutcome =
  /** One e-mail covering these items (one item per message; several for a daily transcript). */
  | {
      kind: 'email';
      archiveKey: string;
      itemIds: number[];
      bytes: number;
      /** Items of this e-mail that were not in the given page (a transcript day spans pages). */
      extraItems?: CapturedItemRef[];
    }
  | { kind: 'failed'; itemId: number; reason: OutcomeReason }
  /** Not convertible yet (a transcript day still open): looked at again by the next run. */
  | { kind: 'deferred'; itemId: number };

export interface ConvertStage {
  /** Every given item appears in exactly one outcome. */
  convert(connector: Connector, items: readonly CapturedItemRef[], signal: AbortSignal): Promise<ConvertOutcome[]>;
}

export interface Resolution {
  /** Mailboxes (UPNs / SMTP addresses) to deliver to, de-duplicated. */
  mailboxes: string[];
  unmapped: number;
  excluded: number;
  external: number;
  /** Called inside the map transaction for the items planned with this resolution (e.g. mapping's hold records). */
  record?(items: readonly CapturedItemRef[]): void;
}

export interface MapStage {
  /**
   * Who receives an e-mail carrying these items (one, or a transcript's): the conversation's
   * members and the items' senders, mapped. All items are of one conversation.
   */
  resolve(connector: Connector, items: readonly CapturedItemRef[]): Promise<Resolution> | Resolution;
  /**
   * Items held for participants who have a mailbox now: `enqueue` runs inside the transaction
   * that marks them released, and adds their deliveries (called before new items are planned).
   */
  releaseHeld?(connector: Connector, enqueue: (deliveries: { itemId: number; mailbox: string }[]) => void): Promise<void>;
}

/** What the reconciliation reads of one delivery of an archive key (the ledger's row, or an in-test stage's). */
export interface DeliveryView {
  mailbox: string;
  status: DeliveryState;
  graphId: string | null;
  /** Why it is not delivered (failed, blocked, skipped); null when it is. */
  reason: OutcomeReason | null;
  /** Why the mailbox cannot be written, for a `blocked` delivery. */
  blockedReason?: BlockReason | null;
  /** Delivered by finding the item already in the mailbox (no new copy made). */
  foundExisting?: boolean;
}

export interface ImportStage {
  /** Idempotent; called inside the store transaction that marks the items planned. */
  enqueue(connectorId: string, archiveKey: string, mailboxes: readonly string[]): void;
  /** Delivers every pending (and re-checks every sending) delivery of the connector exactly once. */
  run(ctx: StageContext): Promise<void>;
  deliveries(connectorId: string, archiveKeys: readonly string[]): Map<string, DeliveryView[]>;
  /** Puts the failed (and blocked) deliveries of the key back to pending; inside a transaction. */
  retry(connectorId: string, archiveKey: string): void;
  /** Unknown outcomes settled by this run and those still waiting, for the reconciliation. */
  unknownOutcomes?(connectorId: string, runId: number): NonNullable<Reconciliation['unknownOutcomes']>;
}

/** Why captured items wait for a later run without an outcome (counted in the reconciliation's `waiting`). */
export type WaitReason = 'not-ready' | 'lookup-failed';

/**
 * Thrown by a stage for the items it was given when they cannot be decided now but must not fail:
 * a directory look-up that still fails after its retries. The items get no outcome and wait for
 * the next run (the map cursor stops before them); the rest of the run goes on.
 */
export class ItemsWait extends Error {
  constructor(
    readonly reason: WaitReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ItemsWait';
  }
}

export interface Stages {
  capture: CaptureStage;
  convert: ConvertStage;
  map: MapStage;
  import: ImportStage;
}
