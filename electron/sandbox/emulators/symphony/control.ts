import type http from 'node:http';
import { bigintJson } from './content';
import type { EmulatorCounters } from './exchange';
import type { DatahoseService } from './datahose';
import type { FaultOptions, FaultPlan } from './faults';
import type { PodState } from './model';

/** What the test-control API reaches (the emulator). */
export interface Controlled {
  readonly pod: PodState;
  readonly faults: FaultPlan;
  readonly datahose: DatahoseService;
  readonly counters: EmulatorCounters;
  resetCounters(): void;
  expireSessions(): void;
}

/**
 * `/__admin/…`: the test-control API for a pod in another process — faults, new content,
 * counters. Not part of Symphony and not held to its descriptions.
 */
export function control(target: Controlled, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): void {
  const reply = (status: number, value: unknown) => {
    const text = bigintJson(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };
  try {
    const input = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
    const path = url.pathname.slice('/__admin'.length);
    const answer = (req.method === 'GET' ? read(target, path) : undefined) ?? (req.method === 'POST' ? change(target, path, input) : undefined);
    if (answer === undefined) return reply(404, { code: 404, message: 'No such admin call' });
    reply(200, answer);
  } catch (error) {
    reply(400, { code: 400, message: String(error) });
  }
}

function read(target: Controlled, path: string): unknown {
  if (path === '/counters') return target.counters;
  if (path === '/datahose/feeds') {
    return [...target.datahose.feeds.values()].map((f) => ({ tag: f.tag, cursor: f.cursor, logLength: target.pod.log.length, inflight: f.inflight.size, requeued: f.requeued.length, delivered: f.delivered, acknowledged: f.acknowledged }));
  }
  return undefined;
}

function change(target: Controlled, path: string, input: Record<string, unknown>): unknown {
  const pod = target.pod;
  if (path === '/counters/reset') return (target.resetCounters(), {});
  if (path === '/faults') {
    const options = input as FaultOptions & { paths?: string };
    target.faults.set({ ...options, paths: typeof options.paths === 'string' ? new RegExp(options.paths) : undefined });
    return {};
  }
  if (path === '/sessions/expire') return (target.expireSessions(), {});
  if (path === '/streams') {
    const members = (input.members as string[] | undefined)?.map((m) => BigInt(m)) ?? [...pod.users.values()].filter((u) => u.accountType === 'NORMAL').slice(0, Number(input.memberCount ?? 3)).map((u) => u.id);
    const stream = pod.addStream({ type: (input.type as 'IM' | 'MIM' | 'ROOM') ?? 'ROOM', name: String(input.name ?? ''), members });
    return { streamId: stream.id };
  }
  if (path === '/datahose') return (Object.assign(target.datahose.options, input), {});
  const suppress = /^\/streams\/([^/]+)\/messages\/([^/]+)\/suppress$/.exec(path);
  if (suppress) return { eventId: pod.suppress(suppress[1]!, suppress[2]!).id };
  const add = /^\/streams\/([^/]+)\/messages$/.exec(path);
  if (add) {
    const ids: string[] = [];
    for (let i = 0; i < Number(input.count ?? 1); i++) ids.push(pod.addMessage(add[1]!, { attachmentSizes: input.attachmentSizes as number[] | undefined, edits: input.edits as string | undefined }).id);
    return { messageIds: ids };
  }
  return undefined;
}
