import type http from 'node:http';
import { Readable } from 'node:stream';
import { Prng } from '../prng';

/**
 * The Graph emulator's fault model. Every fault is one Microsoft 365 is known to show:
 *   - `503`: refused with Retry-After, nothing done;
 *   - `429`: throttled with Retry-After (tenant-wide TooManyRequests), nothing done;
 *   - `reset`: the connection drops before the request is read, nothing done;
 *   - `hang`: no answer for `hangMs`, then the connection drops, nothing done;
 *   - `lost`: the request is applied, then the connection drops before the answer;
 *   - `late`: the request is read but not answered; once the client gives up on it (closes the
 *     connection: its timeout, a cancel, or the process dying) it is applied `lateMs` later —
 *     the service finishing work the caller abandoned (a 504 whose mail was sent anyway:
 *     https://learn.microsoft.com/en-my/answers/questions/2286986/sending-emails-with-the-graph-java-sdk-fails-with).
 *     Only requests that change something can be late; a GET drawn `late` hangs instead.
 */
export type FaultKind = '429' | '503' | 'reset' | 'hang' | 'lost' | 'late';

export const faultKinds: readonly FaultKind[] = ['429', '503', 'reset', 'hang', 'lost', 'late'];

export interface FaultOptions {
  /** Share of eligible requests that fail, 0..1. */
  rate: number;
  kinds: FaultKind[];
  /** Relative weight of each kind when one is drawn (1 each by default). */
  weights?: Partial<Record<FaultKind, number>>;
  seed?: number;
  /** How long a hung request is held before its connection is dropped. */
  hangMs?: number;
  /** `late`: delay between the client giving up and the request being applied; a range draws per fault. */
  lateMs?: number | [number, number];
  /** `late`: a client that never gives up has its connection dropped after this long (then the delay runs). */
  lateHoldMs?: number;
  /** Which requests may fail; all authenticated ones by default. */
  match?: (method: string, path: string, headers: http.IncomingHttpHeaders, url: URL) => boolean;
  /** A scripted fault for this request (regression tests replay an exact sequence); wins over the draw. */
  script?: (method: string, path: string) => FaultKind | undefined;
}

/** Deterministic draws from the seed, in request order. */
export class FaultPicker {
  private random: () => number;

  constructor(readonly options: FaultOptions | undefined) {
    const rng = new Prng(options?.seed ?? 1);
    this.random = () => rng.next();
  }

  pick(method: string, url: URL, headers: http.IncomingHttpHeaders): FaultKind | undefined {
    const faults = this.options;
    const scripted = faults?.script?.(method, url.pathname);
    if (scripted) return scripted;
    if (!faults || faults.rate <= 0 || faults.kinds.length === 0) return undefined;
    if (faults.match && !faults.match(method, url.pathname, headers, url)) return undefined;
    if (this.random() >= faults.rate) return undefined;
    const weights = faults.kinds.map((k) => faults.weights?.[k] ?? 1);
    let draw = this.random() * weights.reduce((a, b) => a + b, 0);
    let kind = faults.kinds.at(-1)!;
    for (let i = 0; i < faults.kinds.length; i++) {
      draw -= weights[i]!;
      if (draw < 0) {
        kind = faults.kinds[i]!;
        break;
      }
    }
    return kind === 'late' && method === 'GET' ? 'hang' : kind;
  }

  lateDelayMs(): number {
    const late = this.options?.lateMs ?? 500;
    return typeof late === 'number' ? late : late[0] + this.random() * (late[1] - late[0]);
  }
}

/**
 * The `late` fault: reads the whole request, waits for the client to give up, waits the delay,
 * then runs the request against a replay of its body, its answer going nowhere. Resolves with
 * whether the request was applied (answered 2xx).
 */
export async function applyLate(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  run: (replay: http.IncomingMessage) => Promise<void>,
  options: { delayMs: number; holdMs: number },
): Promise<boolean> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  await new Promise<void>((resolve) => {
    if (req.socket.destroyed) return resolve();
    const timer = setTimeout(() => req.socket.destroy(), options.holdMs);
    req.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  const replay = Object.assign(Readable.from([Buffer.concat(chunks)]), { headers: req.headers, method: req.method, url: req.url, socket: req.socket }) as unknown as http.IncomingMessage;
  let status = 0;
  await runDiscarding(res, () => run(replay), (code) => (status = code));
  return status >= 200 && status < 300;
}

/** Runs a handler whose answer must never reach the client (the connection is gone or about to be). */
export async function runDiscarding(res: http.ServerResponse, run: () => Promise<void>, onStatus?: (status: number) => void): Promise<void> {
  const originalWriteHead = res.writeHead.bind(res);
  const originalEnd = res.end.bind(res);
  const originalSetHeader = res.setHeader.bind(res);
  res.writeHead = ((status: number) => {
    onStatus?.(status);
    return res;
  }) as typeof res.writeHead;
  res.setHeader = (() => res) as typeof res.setHeader;
  res.end = (() => res) as typeof res.end;
  try {
    await run();
  } catch {
    // The outcome is lost with the connection either way.
  } finally {
    res.writeHead = originalWriteHead;
    res.end = originalEnd;
    res.setHeader = originalSetHeader;
  }
}

