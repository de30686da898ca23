import type http from 'node:http';
import type { BoundOperation } from '../../spec/openapi';
import type { FaultKind } from './faults';

/** One request and its answer, as the description checks see them (context.ts adds what the routes need). */
export interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  body: string;
  fault?: FaultKind;
  /** The operation of the FINOS description the request matched. */
  bound?: BoundOperation;
  /** An injected infrastructure fault answered: not the service's own answer, not checked. */
  injected?: boolean;
}

/** An answer other than 2xx: status, message and headers (the body is Symphony's `{code, message}`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface EmulatorCounters {
  requests: Record<string, number>;
  statuses: Record<string, number>;
  faults: Record<string, number>;
  logins: { session: number; keyManager: number; refused: number };
  messagesServed: number;
  attachmentBytesServed: number;
}

export function newCounters(): EmulatorCounters {
  return { requests: {}, statuses: {}, faults: {}, logins: { session: 0, keyManager: 0, refused: 0 }, messagesServed: 0, attachmentBytesServed: 0 };
}

export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function intParam(url: URL, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, `Parameter ${name} must be an integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new HttpError(400, `Parameter ${name} must be between ${min} and ${max}`);
  return n;
}
