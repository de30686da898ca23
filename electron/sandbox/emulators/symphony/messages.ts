import type { Ctx } from './context';
import { HttpError, intParam } from './exchange';
import { streamOf } from './streams';
import { v4Message } from './views';

/** The agent's reads: a stream's messages (GET /agent/v4/stream/{id}/message) and Datahose events. */

export function messages(ctx: Ctx): void {
  const stream = streamOf(ctx, ctx.params[0]!);
  const sinceRaw = ctx.url.searchParams.get('since');
  if (sinceRaw === null || !/^\d+$/.test(sinceRaw)) throw new HttpError(400, 'Parameter since is required and must be a timestamp in milliseconds');
  const since = Number(sinceRaw);
  const untilRaw = ctx.url.searchParams.get('until');
  const until = untilRaw === null ? Number.POSITIVE_INFINITY : Number(untilRaw);
  const skip = intParam(ctx.url, 'skip', 0, 0);
  const limit = intParam(ctx.url, 'limit', 50, 1, 500);
  const reader = ctx.session!.user.id;
  if (!stream.members.has(reader) || stream.members.get(reader)?.left) {
    const mode = ctx.emulator.options.nonMemberRead ?? 'forbidden';
    if (mode === 'forbidden') throw new HttpError(403, 'The user is not a member of this stream');
    if (mode === 'empty') return ctx.emulator.answers.send(ctx, 204);
  }
  const page = stream.messages.filter((m) => m.timestamp >= since && m.timestamp <= until).slice(skip, skip + limit);
  if (page.length === 0) return ctx.emulator.answers.send(ctx, 204);
  ctx.emulator.counters.messagesServed += page.length;
  ctx.emulator.answers.send(ctx, 200, page.map((m) => v4Message(ctx.emulator.pod, stream, m)));
}

/** POST /agent/v5/events/read (datahose.ts). */
export async function readEvents(ctx: Ctx): Promise<void> {
  const answer = await ctx.emulator.datahose.read(ctx.body);
  if (answer.status !== 200 || !('value' in answer)) throw new HttpError(answer.status, 'message' in answer ? answer.message : 'Datahose failure');
  ctx.emulator.answers.send(ctx, 200, answer.value);
}
