import { z } from 'zod';
import { call, emptyInput } from './define';
import { outcomeReasonSchema, type OutcomeReason } from './reasons';

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM, 24-hour.');

export const scheduleSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  kind: z.enum(['interval', 'cron']).default('interval'),
  intervalHours: z
    .number({ error: 'Enter the hours between runs, such as 24.' })
    .positive('Enter a number of hours above 0, such as 24.')
    .max(24 * 31, 'Runs can be at most 31 days (744 hours) apart.')
    .default(24),
  cron: z.string().trim().default(''),
  /** Optional window in local time; runs only start inside it. */
  windowStart: z.union([z.literal(''), timeOfDay]).default(''),
  windowEnd: z.union([z.literal(''), timeOfDay]).default(''),
});
export type ScheduleSettings = z.infer<typeof scheduleSettingsSchema>;

/** App-wide run settings (stored in app_settings under `runs`). */
export const runSettingsSchema = z.object({
  /** The Electron shell registers the app as a login item when true. */
  startAtLogin: z.boolean().default(false),
  /** Days spool files and item-log lines are kept after every delivery of their item is final. */
  retentionDays: z.number().int().min(1).max(36500).default(90),
  /** Runs an item may fail in before it stops retrying and waits for the officer's decision. */
  maxAttempts: z.number().int().min(1).max(100).default(5),
});
export type RunSettings = z.infer<typeof runSettingsSchema>;

export const runStageSchema = z.enum(['capture', 'convert', 'map', 'import', 'reconcile']);
export type RunStage = z.infer<typeof runStageSchema>;
/**
 * `succeeded`: both reconciliations balance with nothing open. `completed-with-problems`: they
 * balance, but something was not delivered: a delivery failed, was blocked (its mailbox cannot be
 * written) or is held (a participant without a mailbox). `failed`: the run stopped on an error or
 * does not balance. `needs-sign-in`: the interactive sign-in was lost; the Graph stage stopped and
 * its open deliveries wait. See docs/runs.md.
 */
export const runStatusSchema = z.enum(['running', 'succeeded', 'completed-with-problems', 'failed', 'cancelled', 'interrupted', 'needs-sign-in']);
export type RunStatus = z.infer<typeof runStatusSchema>;
export const runTriggerSchema = z.enum(['schedule', 'catch-up', 'manual', 'cli']);
export type RunTrigger = z.infer<typeof runTriggerSchema>;

/** Why an item was not delivered to anyone; see docs/runs.md. */
export const skipReasonSchema = z.enum(['unmapped', 'excluded', 'external-only', 'too-large', 'officer']);
export type SkipReason = z.infer<typeof skipReasonSchema>;

/**
 * Skips that leave an item unarchived although nobody chose it: a problem of the run, shown with
 * this fix (the other reasons are decisions: Mapping's or the officer's).
 */
export const skipFixes: Partial<Record<SkipReason, string>> = {
  'too-large':
    'Export the attachment from Symphony and keep it in your records by other means; in daily-transcript mode, switching the connector to per-message mode keeps each message separate.',
};

const skipMessages: Record<SkipReason, string> = {
  unmapped: 'Nobody in the conversation has a mailbox yet; Mapping holds the item until someone does.',
  excluded: 'Only people excluded in Mapping took part.',
  'external-only': 'Only external people took part.',
  'too-large': 'The e-mail would be larger than the 150 MB Exchange Online accepts.',
  officer: 'Skipped by the officer.',
};

/** A skip as a reason value: the rule's words and, for the skips nobody chose, the fix. */
export function skipReason(reason: SkipReason, detail?: string): OutcomeReason {
  const value: OutcomeReason = { code: reason, message: skipMessages[reason] };
  const fix = skipFixes[reason];
  if (fix) value.fix = fix;
  if (detail) value.detail = detail;
  return value;
}

export function isSkipReason(code: string): code is SkipReason {
  return (skipReasonSchema.options as readonly string[]).includes(code);
}

/**
 * An item's outcome. `stopped-retrying`: failed in `maxAttempts` runs, waiting for the officer to
 * retry or skip it. (*Held* is Mapping's word alone: an item waiting for a participant's mailbox.)
 */
export const itemStatusSchema = z.enum(['planned', 'delivered', 'failed', 'stopped-retrying', 'skipped', 'blocked']);
export type ItemStatus = z.infer<typeof itemStatusSchema>;

/** What the officer reads for each status, everywhere (Monitor, Logs, CLI). */
export const itemStatusLabels: Record<ItemStatus, string> = {
  planned: 'planned',
  delivered: 'delivered',
  failed: 'failed',
  'stopped-retrying': 'stopped retrying',
  skipped: 'skipped',
  blocked: 'blocked',
};

const countBytes = z.object({ count: z.number().int(), bytes: z.number().int() });
export type CountBytes = z.infer<typeof countBytes>;

/** Why a mailbox cannot be written; each has the fix the officer can take (`blockFixes`). */
export const blockReasonSchema = z.enum(['access-denied', 'no-mailbox', 'not-licensed', 'not-found']);
export type BlockReason = z.infer<typeof blockReasonSchema>;

/** What the officer does about each reason; then *Re-check and resend* (Monitor) or `symphony-archiver resend`. */
export const blockFixes: Record<BlockReason, string> = {
  'access-denied':
    "Let the archiver's app write to this mailbox: add the mailbox to the scope of its Exchange Online RBAC for Applications assignment (or its application access policy), check with Test-ServicePrincipalAuthorization, then re-check and resend.",
  'not-licensed': 'Assign the user an Exchange Online licence in the Microsoft 365 admin center; once the mailbox exists, re-check and resend.',
  'no-mailbox': "The user's mailbox is inactive, soft-deleted or on-premises: restore it, or map this participant to another mailbox in Mapping, then re-check and resend.",
  'not-found': 'No such user in the tenant: correct the mapping of this participant in Mapping (or create the user), then re-check and resend.',
};

export const blockedMailboxSchema = z.object({
  mailbox: z.string(),
  reason: blockReasonSchema,
  message: z.string(),
  fix: z.string(),
  deliveries: z.number().int(),
});
export type BlockedMailbox = z.infer<typeof blockedMailboxSchema>;

const zero = { count: 0, bytes: 0 };

/**
 * Per delivery (item × mailbox), like Microsoft's connector admin log: what the run's items were
 * fanned out to, and where each delivery stands. `planned` = delivered + alreadyThere + partial
 * + blocked + failed + held + skipped + open (+ deliveries lost from the ledger, which unbalances).
 */
export const deliveryReconciliationSchema = z.object({
  planned: z.number().int().default(0),
  /** Created in the mailbox, every attachment on it. */
  delivered: z.number().int().default(0),
  /** Found in the mailbox by its archive key before anything was created: no duplicate. */
  alreadyThere: z.number().int().default(0),
  /** The item landed, an attachment is still missing (retried). */
  partial: z.number().int().default(0),
  /** The mailbox cannot be written; re-checked by every run. */
  blocked: z.number().int().default(0),
  failed: z.number().int().default(0),
  /** For a participant without a mailbox yet (Mapping's held items). */
  held: z.number().int().default(0),
  /** Skipped by the officer. */
  skipped: z.number().int().default(0),
  /** Not finished when the run stopped; the next run continues them. */
  open: z.number().int().default(0),
});
export type DeliveryReconciliation = z.infer<typeof deliveryReconciliationSchema>;

/**
 * Per item, over the items the run answers for (docs/runs.md):
 *   captured = delivered + blocked + failed + held + skipped (+ unaccounted, which must be zero).
 * An item is `delivered` only when every one of its planned deliveries is. `failed` includes
 * `stoppedRetrying` (failed in too many runs, waiting for the officer); `held` waits for a
 * participant's mailbox; `skipped` is a deliberate decision (`byReason` says whose).
 */
export const reconciliationSchema = z.object({
  captured: countBytes,
  delivered: countBytes,
  blocked: countBytes.default(zero),
  failed: countBytes,
  stoppedRetrying: countBytes.default(zero),
  /** Of `failed`, the items that failed for the first time in this run: the volume chart counts each failure once. */
  failedFirstTime: z.number().int().default(0),
  held: countBytes,
  skipped: countBytes.extend({ byReason: z.record(z.string(), z.number().int()) }),
  unaccounted: countBytes,
  deliveries: deliveryReconciliationSchema,
  /** Mailboxes whose deliveries in this run are blocked, with the reason and the fix. */
  blockedMailboxes: z.array(blockedMailboxSchema).default([]),
  balanced: z.boolean(),
  /** Plain-language reasons when not balanced. */
  problems: z.array(z.string()),
  /** Items of interrupted earlier runs (which have no reconciliation) that this run answers for. */
  takenOver: z.object({ runIds: z.array(z.number().int()), items: z.number().int() }).optional(),
  /** Messages this run's capture read from Symphony (new in the store), whether or not it took them in yet. */
  read: z.number().int().optional(),
  /** Captured items that wait for a later run without an outcome yet, by why: `not-ready` (transcript day open, attachment downloading), `lookup-failed`. */
  waiting: z.record(z.string(), z.number().int()).optional(),
  /**
   * Requests whose outcome was unknown (timeout, reset, lost answer, the archiver stopped while
   * one was out; docs/import.md): settled in this run, stray copies deleted, items replaced, and
   * those not settleable yet, carried to the next run. Absent when the import stage keeps none.
   */
  unknownOutcomes: z.object({ settled: z.number().int(), straysDeleted: z.number().int(), replaced: z.number().int(), unsettled: z.number().int() }).optional(),
});
export type Reconciliation = z.infer<typeof reconciliationSchema>;

export const conversationReconciliationSchema = z.object({
  streamId: z.string(),
  captured: z.number().int(),
  delivered: z.number().int(),
  blocked: z.number().int(),
  failed: z.number().int(),
  held: z.number().int(),
  skipped: z.number().int(),
  bytes: z.number().int(),
  balanced: z.boolean(),
});
export type ConversationReconciliation = z.infer<typeof conversationReconciliationSchema>;

export const stageProgressSchema = z.object({
  done: z.number().int(),
  total: z.number().int().nullable(),
  bytes: z.number().int(),
  itemsPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  /** Requests of this stage that were retried (throttling, outages, network trouble). */
  retries: z.number().int().default(0),
  /** The wait before the latest retry, while it lasts: why, and when the next try goes out (ISO). */
  retrying: z.object({ reason: z.string(), until: z.string() }).nullable().default(null),
});
export type StageProgress = z.infer<typeof stageProgressSchema>;

export const runSummarySchema = z.object({
  id: z.number().int(),
  connectorId: z.string(),
  trigger: runTriggerSchema,
  status: runStatusSchema,
  stage: runStageSchema.nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /**
   * Why the run stopped short (failed, cancelled, interrupted, needs sign-in, did not balance), as
   * a reason value (`runReasonCodes`, or the code of the error that stopped it); null when it did
   * not. Rendered only by `reasonWords`.
   */
  error: outcomeReasonSchema.nullable(),
  reconciliation: reconciliationSchema.nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runDetailSchema = runSummarySchema.extend({
  progress: z.record(z.string(), stageProgressSchema),
  conversations: z.array(conversationReconciliationSchema),
  conversationsTotal: z.number().int(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

export const connectorRunStatusSchema = z.object({
  connectorId: z.string(),
  name: z.string(),
  paused: z.boolean(),
  scheduleEnabled: z.boolean(),
  current: runSummarySchema.nullable(),
  last: runSummarySchema.nullable(),
  nextRunAt: z.string().nullable(),
});
export type ConnectorRunStatus = z.infer<typeof connectorRunStatusSchema>;

export const itemLogEntrySchema = z.object({
  id: z.number().int(),
  itemId: z.number().int(),
  runId: z.number().int().nullable(),
  streamId: z.string(),
  event: z.enum(['captured', 'converted', 'planned', 'delivered', 'failed', 'stopped-retrying', 'skipped', 'retried', 'blocked']),
  mailbox: z.string().nullable(),
  graphId: z.string().nullable(),
  detail: z.string().nullable(),
  at: z.string(),
});
export type ItemLogEntry = z.infer<typeof itemLogEntrySchema>;

export const failedItemSchema = z.object({
  itemId: z.number().int(),
  connectorId: z.string(),
  streamId: z.string(),
  archiveKey: z.string().nullable(),
  sender: z.string(),
  status: z.enum(['failed', 'stopped-retrying', 'blocked']),
  attempts: z.number().int(),
  /** Why it stands there (rendered by `reasonWords`). */
  reason: outcomeReasonSchema.nullable(),
  bytes: z.number().int(),
  updatedAt: z.string(),
});
export type FailedItem = z.infer<typeof failedItemSchema>;

const page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) };
const runIdInput = z.object({ runId: z.number().int().positive() }).strict();
const connectorInput = z.object({ connectorId: z.string().min(1) }).strict();
const itemsInput = z.object({ connectorId: z.string().min(1), itemIds: z.array(z.number().int().positive()).min(1).max(10_000) });

export const runCalls = {
  'runs.list': call(
    z.object({ connectorId: z.string().optional(), ...page }).strict().default({ offset: 0, limit: 100 }),
    z.object({ runs: z.array(runSummarySchema), total: z.number().int() }),
    'Runs, newest first, with their reconciliation.',
  ),
  'runs.get': call(
    runIdInput.extend({ conversationsOffset: z.number().int().min(0).default(0), conversationsLimit: z.number().int().min(1).max(1000).default(200) }),
    runDetailSchema,
    'One run with its progress and its reconciliation per conversation.',
  ),
  'runs.start': call(connectorInput, z.object({ runId: z.number().int() }), 'Starts a run of the connector now (one at a time per connector, across processes).'),
  'runs.cancel': call(connectorInput, z.object({ cancelled: z.boolean() }), "Cancels the connector's current run; it resumes where it stopped next time."),
  'runs.pause': call(connectorInput, connectorRunStatusSchema, "Pauses the connector's schedule (a running run goes on)."),
  'runs.resume': call(connectorInput, connectorRunStatusSchema, "Resumes the connector's schedule."),
  'runs.status': call(emptyInput, z.array(connectorRunStatusSchema), 'Current run and next scheduled time per connector.'),
  'runs.preview': call(
    z.object({ schedule: scheduleSettingsSchema, connectorId: z.string().min(1).optional(), count: z.number().int().min(1).max(10).default(3) }).strict(),
    z.object({ nextRuns: z.array(z.string()) }),
    "The next start times a schedule gives, computed by the scheduler itself (with the connector's last run and start offset when given), so the UI shows what will happen.",
  ),
  'runs.settings': call(
    z.object({ patch: runSettingsSchema.partial().optional() }).strict().default({}),
    runSettingsSchema,
    'Reads (and with a patch, changes) the app-wide run settings: start at login, retention, attempts.',
  ),
  'runs.purge': call(emptyInput, z.object({ spoolFiles: z.number().int(), bytes: z.number().int(), logLines: z.number().int() }), 'Purges spool files and item-log lines older than the retention; undelivered items are kept.'),
  'runs.downloadLog': call(
    runIdInput.extend({ format: z.enum(['csv', 'zip']), destination: z.string().min(1).optional() }),
    z.object({ path: z.string(), bytes: z.number().int() }),
    "Writes the run's item log (CSV) or a ZIP with the CSV, the run summary, the reconciliation and the application logs.",
  ),
  'items.log': call(
    z.object({
      connectorId: z.string().min(1),
      runId: z.number().int().optional(),
      streamId: z.string().optional(),
      person: z.string().optional(),
      status: itemStatusSchema.optional(),
      ...page,
    }).strict(),
    z.object({ entries: z.array(itemLogEntrySchema), total: z.number().int() }),
    "Every item's path: captured, converted, delivered to which mailbox with its Graph id, or why not.",
  ),
  'items.failed': call(
    z.object({ connectorId: z.string().min(1), ...page }).strict(),
    z.object({ items: z.array(failedItemSchema), total: z.number().int() }),
    'Items that failed, stopped retrying (waiting for the officer) or are blocked.',
  ),
  'items.retry': call(itemsInput.strict(), z.object({ updated: z.number().int() }), 'Puts failed, stopped-retrying or blocked items back for the next run.'),
  'runs.blocked': call(connectorInput, z.object({ mailboxes: z.array(blockedMailboxSchema) }), 'Mailboxes that cannot be written, with their waiting deliveries, the reason and the fix.'),
  'runs.resendBlocked': call(
    connectorInput.extend({ mailboxes: z.array(z.string().min(3)).min(1).max(5000).optional() }).strict(),
    z.object({ checks: z.array(z.object({ mailbox: z.string(), ok: z.boolean(), message: z.string().optional() })), released: z.number().int(), runId: z.number().int().nullable() }),
    'Re-checks blocked mailboxes (all, or the given ones) now; those that can be written get their backlog back in the queue and a run starts to deliver it.',
  ),
  'items.skip': call(
    itemsInput.extend({ reason: z.string().trim().min(3, 'Say why the item is skipped.').max(500) }).strict(),
    z.object({ updated: z.number().int() }),
    'Skips failed, stopped-retrying or blocked items for good, with the reason recorded in the item log.',
  ),
} as const;

export const runProgressSchema = z.object({
  runId: z.number().int(),
  connectorId: z.string(),
  stage: runStageSchema,
  stages: z.record(z.string(), stageProgressSchema),
});
export type RunProgress = z.infer<typeof runProgressSchema>;

export const runEvents = {
  'runs.progress': runProgressSchema,
  'runs.changed': z.object({ runId: z.number().int(), connectorId: z.string(), status: runStatusSchema }),
} as const;
