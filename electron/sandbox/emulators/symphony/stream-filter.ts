import type { EmStream, PodState } from './model';

/** A filter value the description does not list: the server answers it with 400. */
export class FilterError extends Error {
  readonly status = 400;
}

/** V2AdminStreamFilter of pod-api-public.yaml. */
export interface StreamFilter {
  streamTypes?: { type?: string }[];
  scope?: string;
  origin?: string;
  status?: string;
  privacy?: string;
  startDate?: number;
  endDate?: number;
}

/**
 * Every criterion of V2AdminStreamFilter, with the valid values its descriptions list; anything
 * else is refused (400), never ignored, so that a client cannot rely on a filter that does nothing.
 */
export function streamFilter(pod: PodState, f: StreamFilter): (s: EmStream) => boolean {
  const oneOf = (name: string, value: string | undefined, allowed: string[]) => {
    if (value !== undefined && !allowed.includes(value)) throw new FilterError(`Invalid ${name} ${value}: valid values are ${allowed.join(', ')}`);
    return value;
  };
  const types = (f.streamTypes ?? []).map((t) => oneOf('stream type', t.type, ['IM', 'MIM', 'ROOM', 'POST'])).filter(Boolean);
  const scope = oneOf('scope', f.scope, ['INTERNAL', 'EXTERNAL']);
  const origin = oneOf('origin', f.origin, ['INTERNAL', 'EXTERNAL']);
  const status = oneOf('status', f.status, ['ACTIVE', 'INACTIVE']);
  const privacy = oneOf('privacy', f.privacy, ['PUBLIC', 'PRIVATE']);
  // "where the membership of the stream has been modified between a given time range"; endDate defaults to now.
  const start = f.startDate ?? Number.NEGATIVE_INFINITY;
  const end = f.endDate ?? Date.now();
  return (s) => {
    if (types.length > 0 && !types.includes(s.type)) return false;
    if (scope && (scope === 'EXTERNAL') !== s.external) return false;
    if (origin && (origin === 'EXTERNAL') !== (pod.users.get(s.createdBy)?.external ?? false)) return false;
    if (status && (status === 'ACTIVE') !== s.active) return false;
    if (privacy && (s.type !== 'ROOM' || (privacy === 'PUBLIC') !== s.isPublic)) return false;
    const changed = Math.max(s.created, ...[...s.members.values()].map((m) => m.joinDate));
    return f.startDate === undefined && f.endDate === undefined ? true : changed >= start && changed <= end;
  };
}

