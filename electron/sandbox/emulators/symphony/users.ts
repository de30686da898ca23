import type { Ctx } from './context';
import { HttpError } from './exchange';
import { userV2 } from './views';

/** GET /pod/v2/sessioninfo: who the session is. */
export function sessionInfo(ctx: Ctx): void {
  ctx.emulator.answers.send(ctx, 200, userV2(ctx.session!.user));
}

/** GET /pod/v3/users: look-up by uid or e-mail (lists of up to 100), 204 when none is found. */
export function usersV3(ctx: Ctx): void {
  const pod = ctx.emulator.pod;
  const uid = ctx.url.searchParams.get('uid');
  const email = ctx.url.searchParams.get('email');
  if ((uid ? 1 : 0) + (email ? 1 : 0) + (ctx.url.searchParams.get('username') ? 1 : 0) !== 1) throw new HttpError(400, 'Exactly one of uid, email or username must be given');
  const local = ctx.url.searchParams.get('local') === 'true';
  const keys = (uid ?? email ?? '').split(',').filter(Boolean);
  if (keys.length > 100) throw new HttpError(400, 'Search lists may contain up to 100 elements');
  const users: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const key of keys) {
    if (uid && !/^\d+$/.test(key)) {
      errors.push({ error: 'invalid.format', id: key });
      continue;
    }
    const u = uid ? pod.users.get(BigInt(key)) : [...pod.users.values()].find((x) => x.email.toLowerCase() === key.toLowerCase());
    if (u && (!local || !u.external)) users.push(userV2(u));
  }
  if (users.length === 0 && errors.length === 0) return ctx.emulator.answers.send(ctx, 204);
  ctx.emulator.answers.send(ctx, 200, errors.length ? { users, errors } : { users });
}
