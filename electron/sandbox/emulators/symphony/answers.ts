import type { OpenApiContract } from '../../spec/openapi';
import { reportViolation } from '../../spec/violations';
import { bigintJson } from './content';
import { HttpError, type EmulatorCounters, type Exchange } from './exchange';

/**
 * Requests and answers held to the FINOS descriptions: a request the description refuses is
 * answered as the service would and recorded as the client's violation; an answer the
 * description does not allow is recorded as the emulator's own.
 */
export class Answers {
  constructor(
    readonly contract: OpenApiContract,
    private readonly counters: EmulatorCounters,
    /** Whose violations these are (SymphonyEmulator.takeViolations takes them back by it). */
    private readonly source: object,
  ) {}

  /**
   * The request against its operation's description: media types (a server framework answers
   * 406 and 415 before the service sees the request), then parameters and body (400, or the
   * description's own client-error status where it lists no 400, as login does with 401).
   */
  checkRequest(ctx: Exchange): void {
    const refusal = this.contract.checkRequest(ctx.bound!, { method: ctx.req.method ?? 'GET', pathname: ctx.url.pathname, search: ctx.url.search.slice(1), headers: ctx.req.headers, body: ctx.body });
    if (!refusal) return;
    const listed = Object.keys(ctx.bound!.operation.responses ?? {});
    const status = refusal.status === 400 && !listed.includes('400') ? Number(listed.find((s) => s.startsWith('4')) ?? 400) : refusal.status;
    this.violation(ctx, 'request', status, refusal.problems);
    // 406 and 415 come from the framework, outside the description.
    ctx.injected = status === 406 || status === 415;
    throw new HttpError(status, `Request refused: ${refusal.problems.join('; ')}`);
  }

  violation(ctx: Exchange, direction: 'request' | 'response', status: number | undefined, problems: string[]): void {
    reportViolation({ service: 'symphony', direction, call: `${ctx.req.method} ${ctx.url.pathname}`, operation: ctx.bound?.name ?? 'no operation', status, problems, source: this.source });
  }

  /** The media type the description gives for this status (JSON where it gives none). */
  mediaTypeFor(ctx: Exchange, status: number): string {
    return (ctx.bound && this.contract.mediaTypeFor(ctx.bound, status)) ?? 'application/json';
  }

  /** Answers with `value` as JSON (none: an empty body), checked against the description first. */
  send(ctx: Exchange, status: number, value?: unknown, headers: Record<string, string> = {}): void {
    this.counters.statuses[String(status)] = (this.counters.statuses[String(status)] ?? 0) + 1;
    const res = ctx.res;
    if (res.destroyed) return;
    if (value === undefined) {
      this.checkAnswer(ctx, status, undefined, undefined);
      res.writeHead(status, headers).end();
      return;
    }
    const text = bigintJson(value);
    const contentType = this.mediaTypeFor(ctx, status);
    this.checkAnswer(ctx, status, contentType, text);
    const body = Buffer.from(text, 'utf8');
    res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': body.length });
    if ((ctx.fault === 'truncate' || ctx.fault === 'short') && status === 200) {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      res.socket?.destroy();
      return;
    }
    res.end(body);
  }

  /** An answer against the description: listed status, its media type and its schema. */
  private checkAnswer(ctx: Exchange, status: number, contentType: string | undefined, body: string | undefined): void {
    if (ctx.injected || !ctx.bound) return;
    const problems = this.contract.checkResponse(ctx.bound, status, contentType, body);
    if (problems.length) this.violation(ctx, 'response', status, problems);
  }
}
