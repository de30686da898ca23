import { z } from 'zod';

/**
 * Errors cross the UI/core boundary as values, never as thrown stack traces: the code lets the
 * UI decide how to react, the message is written for the compliance officer, and `fix` says what
 * to do about it.
 */
export const errorCodes = [
  'invalid-input',
  'not-found',
  'conflict',
  'auth-failed',
  /** The interactive sign-in is gone or expired: the officer must sign in again. */
  'sign-in-required',
  'permission-denied',
  'unreachable',
  'throttled',
  'too-large',
  'cancelled',
  'busy',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const contractErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  /** What the officer can do about it, in plain words. */
  fix: z.string().optional(),
  /** Which field, item or step the error is about (e.g. `settings.podUrl`, `line 12, column upn`). */
  target: z.string().optional(),
  /** Technical detail for the log; shown folded in the UI. */
  detail: z.string().optional(),
});
export type ContractErrorValue = z.infer<typeof contractErrorSchema>;

/** The one error class both sides throw; it serialises to and from `ContractErrorValue`. */
export class ArchiverError extends Error {
  readonly code: ErrorCode;
  readonly fix?: string;
  readonly target?: string;
  readonly detail?: string;

  constructor(value: ContractErrorValue, options?: { cause?: unknown }) {
    super(value.message, options);
    this.name = 'ArchiverError';
    this.code = value.code;
    this.fix = value.fix;
    this.target = value.target;
    this.detail = value.detail;
  }

  toValue(): ContractErrorValue {
    const value: ContractErrorValue = { code: this.code, message: this.message };
    if (this.fix !== undefined) value.fix = this.fix;
    if (this.target !== undefined) value.target = this.target;
    if (this.detail !== undefined) value.detail = this.detail;
    return value;
  }

  static is(error: unknown): error is ArchiverError {
    return error instanceof ArchiverError;
  }
}

/** The text of anything thrown: the one conversion, instead of one hand-written at each call site. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
