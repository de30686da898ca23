import type http from 'node:http';
import type { GraphCounters } from './context';
import { applyLate, FaultPicker, runDiscarding, type FaultKind, type FaultOptions } from './faults';
import { GraphError } from './graph-error';
import { delay } from './http';
import { MailboxLimiter, type LimitOptions } from './limits';
import type { Directory } from './model';

/** Sees a request first; an error it returns is the answer instead (GraphEmulatorOptions.onRequest). */
export type RequestHook = (method: string, path: string) => void | { status: number; code: string; message: string };

/** Runs the request; `replay` is a copy of it when a `late` fault runs it after the client gave up. */
export type RunRequest = (replay?: http.IncomingMessage) => Promise<void>;

/**
 * What stands between the network and the routes: the test's hook, the request size limit, the
 * per-mailbox limits (concurrency, request rate, upload volume) and the injected faults.
 */
export class RequestGuard {
  onRequest: RequestHook | undefined;
  latencyMs: number;
  picker: FaultPicker;
  private readonly limiter: MailboxLimiter;

  constructor(
    private readonly directory: Directory,
    private readonly limits: LimitOptions,
    private readonly counters: GraphCounters,
    options: { onRequest?: RequestHook; latencyMs?: number; faults?: FaultOptions; now: () => number },
  ) {
    this.onRequest = options.onRequest;
    this.latencyMs = options.latencyMs ?? 0;
    this.picker = new FaultPicker(options.faults);
    this.limiter = new MailboxLimiter(limits, options.now);
  }

  maxConcurrentObserved(): Map<string, number> {
    return new Map(this.limiter.maxConcurrent);
  }

  async run(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, run: RunRequest): Promise<void> {
    const refusal = this.onRequest?.(method, url.pathname);
    if (refusal) refuse(req, new GraphError(refusal.status, refusal.code, refusal.message));
    const contentLength = Number(req.headers['content-length'] ?? 0);
    if (contentLength > this.limits.maxRequestBytes) refuse(req, new GraphError(413, 'RequestBodyTooLarge', `The request body exceeds the maximum of ${this.limits.maxRequestBytes} bytes.`));
    const mailboxKey = this.mailboxKeyOf(url);
    if (mailboxKey) this.enterMailbox(req, res, mailboxKey, method === 'GET' || method === 'DELETE' ? 0 : contentLength);
    if (this.latencyMs > 0) await delay(this.latencyMs);
    const fault = this.picker.pick(method, url, req.headers);
    if (fault) return this.inject(fault, req, res, url, method, run);
    await run();
  }

  /** The mailbox a request counts against (the limits are per app and mailbox). */
  private mailboxKeyOf(url: URL): string | undefined {
    if (url.pathname.startsWith('/upload/')) return this.directory.sessions.get(url.pathname.split('/')[2] ?? '')?.mailboxUserId;
    const m = /^\/(?:v1\.0|beta)\/users\/([^/]+)\/(mailFolders|messages)/.exec(url.pathname);
    if (!m) return undefined;
    return this.directory.findUser(decodeURIComponent(m[1]!))?.id ?? decodeURIComponent(m[1]!).toLowerCase();
  }

  /** Counts the request in for its mailbox until its answer is sent or its connection closes; 429 over a limit. */
  private enterMailbox(req: http.IncomingMessage, res: http.ServerResponse, mailboxKey: string, uploadBytes: number): void {
    const verdict = this.limiter.enter(mailboxKey, uploadBytes);
    this.counters.maxConcurrentPerMailbox = Math.max(this.counters.maxConcurrentPerMailbox, this.limiter.maxConcurrent.get(mailboxKey) ?? 0);
    let left = false;
    const leave = () => {
      if (!left) {
        left = true;
        this.limiter.leave(mailboxKey);
      }
    };
    res.on('finish', leave);
    res.on('close', leave);
    req.on('close', () => {
      if (res.writableFinished || res.destroyed) leave();
    });
    if (verdict.refused) {
      this.counters.throttled++;
      refuse(req, new GraphError(429, 'ApplicationThrottled', verdict.reason, { 'Retry-After': String(verdict.retryAfterSec) }));
    }
  }

  private async inject(fault: FaultKind, req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string, run: RunRequest): Promise<void> {
    this.counters.faults[fault]++;
    // Tenant-wide throttling (e.g. of directory reads), not the per-mailbox limiter.
    if (fault === '429') refuse(req, new GraphError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': '1' }));
    if (fault === '503') refuse(req, new GraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable.', { 'Retry-After': '1' }));
    if (fault === 'hang') await delay(this.picker.options?.hangMs ?? 2000);
    if (fault === 'lost') {
      // The work is done, then the answer never arrives: the client cannot know the outcome.
      await runDiscarding(res, () => run());
    }
    if (fault === 'late') {
      const createsMessage = method === 'POST' && /\/(messages|importMime)$/.test(url.pathname);
      const applied = await applyLate(req, res, run, { delayMs: this.picker.lateDelayMs(), holdMs: this.picker.options?.lateHoldMs ?? 120_000 });
      if (applied) {
        this.counters.lateApplied++;
        if (createsMessage) this.counters.lateCreates++;
      }
      return;
    }
    // reset, hang and lost end the same way: the connection drops without an answer.
    req.socket.destroy();
  }
}

/** Refuses a request without reading its body. */
function refuse(req: http.IncomingMessage, error: GraphError): never {
  req.resume();
  throw error;
}
