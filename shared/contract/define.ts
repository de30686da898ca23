import { z } from 'zod';
import { contractErrorSchema } from '../errors';

/** A request/response pair of the contract. */
export interface CallSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  /** One sentence for the API docs and the log. */
  readonly summary: string;
}

export function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string): CallSpec<I, O> {
  return { input, output, summary };
}

export type CallInput<C extends CallSpec> = z.input<C['input']>;
export type CallOutput<C extends CallSpec> = z.output<C['output']>;

/** What travels back for every call, on IPC and on the WebSocket alike. */
export const callResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: contractErrorSchema }),
]);
export type CallResult = z.infer<typeof callResultSchema>;

export const voidSchema = z.object({}).strict();
export const emptyInput = z.object({}).strict().default({});

/**
 * What a domain gives the core for a group of calls: one implementation per call, typed from the
 * contract. Every layer that implements calls uses this one type, so no domain imports the app
 * layer's dispatcher to learn its own signatures.
 */
export type HandlersOf<G extends Record<string, CallSpec>> = {
  [N in keyof G]: (input: z.output<G[N]['input']>) => Promise<z.output<G[N]['output']>> | z.output<G[N]['output']>;
};
