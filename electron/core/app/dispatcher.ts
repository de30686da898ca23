import { z } from 'zod';
import { ArchiverError, type ContractErrorValue } from '../../../shared/errors';
import { type HandlersOf } from '../../../shared/contract/define';
import { calls, isCallName, type CallName, type CallResult, type InputOf, type OutputOf } from '../../../shared/contract';
import type { Logger } from '../platform/logger';

/** What a domain gives the core: an implementation for each call it owns. */
export type Handlers = HandlersOf<typeof calls>;
export type PartialHandlers = Partial<Handlers>;

/**
 * The boundary every host goes through: the call name is checked against the contract, the input
 * is validated by its schema (a bad input is a typed `invalid-input` naming the field), and any
 * failure becomes a typed error value. Nothing the UI sends can crash the core.
 */
export class Dispatcher {
  constructor(
    private readonly handlers: PartialHandlers,
    private readonly logger: Logger,
  ) {}

  async dispatch(name: unknown, rawInput: unknown): Promise<CallResult> {
    if (!isCallName(name)) {
      return failure({ code: 'invalid-input', message: `Unknown call ${JSON.stringify(name)}.`, fix: 'The app and its core are different versions; restart the app.' });
    }
    const handler = this.handlers[name] as ((input: unknown) => unknown) | undefined;
    if (!handler) return failure({ code: 'internal', message: `The call ${name} is not available in this host.` });
    const parsed = calls[name].input.safeParse(rawInput ?? {});
    if (!parsed.success) return failure(describeInvalidInput(name, parsed.error));
    try {
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (error) {
      return failure(toErrorValue(error, name, this.logger));
    }
  }

  /** Typed helper for Node callers (CLI, tests) that want values rather than results. */
  async invoke<N extends CallName>(name: N, input: InputOf<N>): Promise<OutputOf<N>> {
    const result = await this.dispatch(name, input);
    if (!result.ok) throw new ArchiverError(result.error);
    return result.value as OutputOf<N>;
  }
}

function failure(error: ContractErrorValue): CallResult {
  return { ok: false, error };
}

export function describeInvalidInput(name: string, error: z.ZodError): ContractErrorValue {
  const first = error.issues[0];
  const where = first?.path.length ? first.path.join('.') : undefined;
  return {
    code: 'invalid-input',
    message: where ? `${where}: ${first?.message}` : (first?.message ?? 'The request is not valid.'),
    target: where,
    fix: 'Correct the highlighted field and try again.',
    detail: `${name}: ${z.prettifyError(error)}`,
  };
}

export function toErrorValue(error: unknown, name: string, logger: Logger): ContractErrorValue {
  if (ArchiverError.is(error)) return error.toValue();
  if (error instanceof z.ZodError) return describeInvalidInput(name, error);
  logger.error(`call ${name} failed unexpectedly`, error);
  return {
    code: 'internal',
    message: 'Something went wrong inside the archiver. The details are in the application log.',
    detail: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}
