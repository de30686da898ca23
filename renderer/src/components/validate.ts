import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

/**
 * Validates with the contract's own schema, so the wizard shows the same words the core would
 * answer with; errors are keyed by the dotted path of the field.
 */
export function schemaErrors(schema: z.ZodType, value: unknown, prefix = ''): FieldErrors {
  const result = schema.safeParse(value);
  if (result.success) return {};
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = prefix + issue.path.map(String).join('.');
    errors[key] ??= issue.message;
  }
  return errors;
}

/** Adds "required" messages the schemas leave to the step (they accept '' for "not set yet"). */
export function requireFields(values: Record<string, unknown>, required: Record<string, string>, prefix = ''): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, message] of Object.entries(required)) {
    const v = values[field];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) errors[prefix + field] = message;
  }
  return errors;
}
