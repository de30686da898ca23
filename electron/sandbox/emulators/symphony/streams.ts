import type { Ctx } from './context';
import { HttpError, intParam } from './exchange';
import type { EmStream } from './model';
import { FilterError, streamFilter, type StreamFilter } from './stream-filter';
import { adminStream } from './views';

/** The pod's admin API over streams: the stream list (POST /pod/v2/admin/streams/list) and a stream's members. */

export function listStreams(ctx: Ctx): void {
  requireAdmin(ctx);
  const pod = ctx.emulator.pod;
  const skip = intParam(ctx.url, 'skip', 0, 0);
  const limit = intParam(ctx.url, 'limit', 50, 1, 100);
  const filter = (ctx.body.trim() ? JSON.parse(ctx.body) : {}) as StreamFilter;
  let matches: (s: EmStream) => boolean;
  try {
    matches = streamFilter(pod, filter);
  } catch (error) {
    if (error instanceof FilterError) throw new HttpError(400, error.message);
    throw error;
  }
  const all = [...pod.streams.values()].filter(matches).sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
  const page = all.slice(skip, skip + limit);
  ctx.emulator.answers.send(ctx, 200, { count: all.length, skip, limit, filter, streams: page.map((s) => adminStream(pod, s)) });
}

/** GET /pod/v1/admin/stream/{id}/membership/list: current members only (who left is no longer listed). */
export function membership(ctx: Ctx): void {
  requireAdmin(ctx);
  const stream = streamOf(ctx, ctx.params[0]!);
  const refused = ctx.emulator.membershipRefusals.get(stream.id);
  if (refused) throw new HttpError(refused, refused === 400 ? `Stream ${stream.id} is not a stream of this pod` : 'The member list cannot be read');
  const skip = intParam(ctx.url, 'skip', 0, 0);
  const limit = intParam(ctx.url, 'limit', 100, 1, 1000);
  const members = [...stream.members.entries()].filter(([, m]) => !m.left);
  const page = members.slice(skip, skip + limit).map(([id, m]) => {
    const u = ctx.emulator.pod.users.get(id)!;
    return {
      user: { userId: u.id, email: u.email, firstName: u.firstName || undefined, lastName: u.lastName || undefined, displayName: u.displayName, company: u.company, companyId: u.companyId, isExternal: u.external },
      isOwner: m.owner,
      isCreator: id === stream.createdBy,
      joinDate: m.joinDate,
    };
  });
  ctx.emulator.answers.send(ctx, 200, { count: members.length, skip, limit, members: page });
}

function requireAdmin(ctx: Ctx): void {
  if (!ctx.session!.user.roles.some((r) => r === 'USER_PROVISIONING' || r === 'SUPER_ADMINISTRATOR')) {
    throw new HttpError(403, 'The user lacks the required entitlement to perform this operation');
  }
}

/** The stream a path names. */
export function streamOf(ctx: Ctx, rawId: string): EmStream {
  // Paths carry URL-safe ids; `+`, `/` or `=` there is a client bug Symphony answers with 400.
  if (!/^[A-Za-z0-9_-]+$/.test(rawId)) throw new HttpError(400, `Invalid stream id ${rawId}`);
  const stream = ctx.emulator.pod.streams.get(rawId);
  // None of the stream operations lists 404: an unknown stream is a client error (400).
  if (!stream) throw new HttpError(400, `Stream ${rawId} not found`);
  return stream;
}
