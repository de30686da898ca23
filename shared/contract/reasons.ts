import { z } from 'zod';
import { ArchiverError, errorText } from '../errors';

/**
 * Why an item or a delivery stands where it does when it is not delivered — and why a run stopped
 * short (`RunSummary.error`, `runReasonCodes`) — as a value: written where the outcome is decided
 * (the planner, the importer, the reconciliation, the officer, the pipeline), stored as such
 * (`reason_json`, migration 0017; `runs.error_json`, 0018) and rendered only by `reasonWords` — in the
 * Monitor, the CLI and the run's CSV alike. Never a joined string to be taken apart again.
 *
 * `code` says which rule decided: a skip reason (`unmapped`, `excluded`, `external-only`,
 * `too-large`, `officer`), one of `itemReasonCodes` for failures, or — for a delivery — the
 * code of the error Microsoft 365's answer became (`shared/errors.ts`, e.g. `permission-denied`).
 */
export const outcomeReasonSchema = z.object({
  code: z.string().min(1),
  /** What happened, for the officer. */
  message: z.string(),
  /** What the officer can do about it. */
  fix: z.string().optional(),
  /** Technical detail (error texts, sizes, counts), shown folded. */
  detail: z.string().optional(),
});
export type OutcomeReason = z.infer<typeof outcomeReasonSchema>;

export const itemReasonCodes = {
  conversionFailed: 'conversion-failed',
  deliveryFailed: 'delivery-failed',
  deliveryNotFinished: 'delivery-not-finished',
  mailboxBlocked: 'mailbox-blocked',
  attachmentLost: 'attachment-lost',
  /** A row written before reasons were values (migrations 0017, 0018): only its text is known. */
  earlierText: 'earlier-text',
} as const;

/**
 * The codes of a run's own error (`RunSummary.error`) that no `ArchiverError` carries. A run
 * stopped by an error (a lost sign-in, a full disk, a refused request) has that error's code.
 */
export const runReasonCodes = {
  /** The process running it stopped before it finished. */
  interrupted: 'run-interrupted',
  /** The officer (or the app closing) cancelled it. */
  cancelled: 'cancelled',
  /** Its books do not balance: an item is unaccounted for. */
  unbalanced: 'run-unbalanced',
  earlierText: itemReasonCodes.earlierText,
} as const;

/** The one rendering of a reason as a line: what happened, then what to do (then, asked for, the detail). */
export function reasonWords(reason: OutcomeReason, options: { detail?: boolean } = {}): string {
  const words = reason.fix ? `${reason.message} ${reason.fix}` : reason.message;
  return options.detail && reason.detail ? `${words} (${reason.detail})` : words;
}

/**
 * Any error as a reason decided by the rule `code`: an `ArchiverError` gives its words, fix and
 * detail; anything else its text (nothing is turned into text by hand at each call site).
 * `code` defaults to the `ArchiverError`'s own (a delivery's reason is the error Graph's answer became).
 */
export function reasonOf(error: unknown, code?: string, prefix?: string): OutcomeReason {
  const withPrefix = (message: string) => (prefix ? `${prefix}: ${message}` : message);
  if (ArchiverError.is(error)) return dropEmpty({ code: code ?? error.code, message: withPrefix(error.message), fix: error.fix, detail: error.detail });
  return { code: code ?? 'internal', message: withPrefix(errorText(error)) };
}

/** Reads a stored reason: the value when there is one, else the text an earlier version wrote. */
export function storedReason(json: string | null | undefined, text: string | null | undefined): OutcomeReason | null {
  if (json) {
    try {
      const parsed = outcomeReasonSchema.safeParse(JSON.parse(json));
      if (parsed.success) return parsed.data;
    } catch {
      // Not JSON (the column's CHECK prevents it): fall back to the text below.
    }
  }
  if (!text) return null;
  return { code: itemReasonCodes.earlierText, message: text };
}

function dropEmpty(reason: OutcomeReason): OutcomeReason {
  const value: OutcomeReason = { code: reason.code, message: reason.message };
  if (reason.fix) value.fix = reason.fix;
  if (reason.detail) value.detail = reason.detail;
  return value;
}
