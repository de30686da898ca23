import type { z } from 'zod';
import type { ConnectionTest, SymphonySource } from '../../../shared/contract/capture';
import type { Connector } from '../../../shared/contract/connectors';
import type { ContractErrorValue } from '../../../shared/errors';
import type { StreamType } from '../model/captured';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { AppPaths } from '../platform/paths';
import type { Store } from '../store/database';
import type { CaptureWriter } from '../store/repos/capture-writer';
import { MAX_ATTACHMENT_BYTES } from './attachment-download';
import { LIMITS, type RetryTuning } from './client';

/**
 * The capture port: what every source of a pod (member streams, Datahose, Content Export) is to
 * the rest of the archiver. The registry (sources.ts) holds one `CaptureSource` per value of
 * `settings.symphony.source`; a run asks it for the connector's source, checks the settings the
 * source reads, and hands it a `CaptureWriter`, the one way into the capture tables.
 */
export interface CaptureSource<Settings = unknown, Summary extends CaptureSummary = CaptureSummary> {
  /** The value of `settings.symphony.source` that chooses this source. */
  readonly id: SymphonySource;
  /** In the officer's words, for logs and messages. */
  readonly label: string;
  /** The section of the connector's settings it reads, and that section's schema. */
  readonly settingsKey: 'symphony' | 'contentExport';
  readonly settingsSchema: z.ZodType<Settings>;
  /** "Test connection": every step it takes to read, the first failure explained. Reads nothing into the store. */
  testConnection(ctx: SourceTestContext<Settings>): Promise<ConnectionTest>;
  /** Reads what is new since the source's stored position, through `writer` only. */
  capture(ctx: SourceContext<Settings>, writer: CaptureWriter): Promise<Summary>;
}

/** What a source is given for one test. */
export interface SourceTestContext<Settings> {
  store: Store;
  connector: Connector;
  settings: Settings;
  clock: Clock;
  logger: Logger;
}

/** What a source is given for one capture. The store is for reading its own position; writes go through the writer. */
export interface SourceContext<Settings> extends SourceTestContext<Settings> {
  paths: Pick<AppPaths, 'spool'>;
  signal?: AbortSignal;
  progress: (progress: CaptureProgress) => void;
  tuning: CaptureTuning;
}

export interface CaptureTuning {
  conversationConcurrency: number;
  attachmentConcurrency: number;
  /** Messages per v4 read (Symphony's maximum is 500). */
  pageSize: number;
  timeoutMs: number;
  retry: Partial<RetryTuning>;
  maxAttachmentBytes: number;
  /** Runs an attachment may fail transiently before it is recorded as failed for good. */
  maxAttachmentAttempts: number;
}

export const defaultCaptureTuning: CaptureTuning = {
  conversationConcurrency: 4,
  attachmentConcurrency: 3,
  pageSize: LIMITS.messages,
  timeoutMs: 30_000,
  retry: {},
  maxAttachmentBytes: MAX_ATTACHMENT_BYTES,
  maxAttachmentAttempts: 3,
};

export interface CaptureProgress {
  /** `events`: Datahose batches read (`done` counts events; `total` is unknown, 0). */
  phase: 'connecting' | 'conversations' | 'events' | 'attachments' | 'users' | 'done';
  done: number;
  total: number;
  newItems: number;
}

export interface ConversationResult {
  streamId: string;
  streamType: StreamType;
  name: string;
  newItems: number;
  attachmentsStored: number;
  attachmentsFailed: number;
  /** Why this conversation could not be read (fully); the others went on. */
  error?: ContractErrorValue;
}

/** What a capture did, whichever source read it; a source may add its own section. */
export interface CaptureSummary {
  connectorId: string;
  pod: string;
  startedAt: string;
  finishedAt: string;
  conversations: { listed: number; new: number; failed: number };
  items: { new: number };
  attachments: { stored: number; bytes: number; failed: number; pending: number };
  users: { resolved: number; unresolved: number };
  retries: number;
  reauthentications: number;
  results: ConversationResult[];
  /** Problems outside any one conversation that did not stop the capture (e.g. user lookups). */
  warnings: string[];
}

/** An empty summary for a connector, filled in by a source as it goes. */
export function emptySummary(connectorId: string, pod: string, startedAt: string): CaptureSummary {
  return {
    connectorId,
    pod,
    startedAt,
    finishedAt: startedAt,
    conversations: { listed: 0, new: 0, failed: 0 },
    items: { new: 0 },
    attachments: { stored: 0, bytes: 0, failed: 0, pending: 0 },
    users: { resolved: 0, unresolved: 0 },
    retries: 0,
    reauthentications: 0,
    results: [],
    warnings: [],
  };
}
