import type { z } from 'zod';

/**
 * The one way a form turns what was typed into a value and a message (issue 21): text is parsed
 * without throwing, and the contract's own zod schema says whether the value is acceptable, in
 * the words the core would answer with. Render code only ever sees a value and a string.
 */

/** A number as typed: '' and anything that is not a finite number become NaN (which the schemas refuse with their message). */
export function parseNumberText(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') return Number.NaN;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** The text a number field shows for a value: nothing for NaN, so an emptied field stays empty. */
export function numberText(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

/** The schema's first message for the value, or undefined when it is accepted. */
export function fieldProblem(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues[0]?.message;
}
