import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../electron/core/platform/clock';
import { symphonySettingsSchema } from '../../shared/contract';
import { SymphonyClient } from '../../electron/core/symphony/client';
import { SymphonyHttpError } from '../../electron/core/symphony/http';
import { attachmentSha256, PodState, type SymphonyEmulator, toStandard } from '../../electron/sandbox/emulators/symphony';
import { TestWorld } from '../support/world';

/** A clock whose sleeps return at once but are recorded, so backoff can be checked without waiting. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, now: () => Date.now(), setTimeout: (fn, ms) => { const h = setTimeout(fn, ms); return { cancel: () => clearTimeout(h) }; }, sleep: async (ms) => void waits.push(ms) };
}

describe('symphony emulator', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let client: SymphonyClient;
  let headers: Record<string, string>;
  let someStream: string;

  beforeAll(async () => {
    const pod = await temp.pod({ seed: 'strict', conversations: 8, messages: 300, attachments: 5 });
    emulator = pod.emulator;
    client = new SymphonyClient(symphonySettingsSchema.parse({ podUrl: emulator.url, username: 'archiver-bot', privateKeyPath: pod.keyPath }), { retry: { attempts: 1 } });
    headers = { sessionToken: await client.auth.sessionToken(), keyManagerToken: await client.auth.keyManagerToken() };
    someStream = [...emulator.pod.streams.values()].find((s) => s.messages.length > 3)!.id;
  });
  afterAll(async () => {
    await client.close();
    await emulator.stop();
    await temp.dispose();
  });

  const get = (path: string, h = headers) => fetch(emulator.url + path, { headers: h });

  it('generates the same pod from the same seed, and another from another seed', () => {
    const ids = (p: PodState) => [...p.inventory().messages.keys()].sort().join();
    expect(ids(new PodState({ seed: 5, conversations: 10, messages: 200 }))).toBe(ids(new PodState({ seed: 5, conversations: 10, messages: 200 })));
    expect(ids(new PodState({ seed: 5, conversations: 10, messages: 200 }))).not.toBe(ids(new PodState({ seed: 6, conversations: 10, messages: 200 })));
    const pod = new PodState({ seed: 5, conversations: 30, messages: 3000, attachments: 50, externalUsers: 6 });
    const all = [...pod.streams.values()].flatMap((s) => s.messages);
    expect(all.length).toBe(3000);
    expect(all.some((m) => m.replacing)).toBe(true);
    expect(all.some((m) => /<script>/.test(m.message))).toBe(true);
    expect(all.some((m) => /[\u0590-\u06ff]/.test(m.message))).toBe(true);
    expect(all.some((m) => m.data.includes('com.symphony.user.mention'))).toBe(true);
    expect([...pod.users.values()].some((u) => u.id > 2n ** 53n)).toBe(true);
  });

  it('enforces the limit maxima, a required since, and answers pod errors as {code, message}', async () => {
    const post = (q: string) => fetch(`${emulator.url}/pod/v2/admin/streams/list${q}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    expect((await post('?limit=100')).status).toBe(200);
    const over = await post('?limit=101');
    expect(over.status).toBe(400);
    expect(Object.keys((await over.json()) as object).sort()).toEqual(['code', 'message']);
    expect((await get(`/pod/v1/admin/stream/${someStream}/membership/list?limit=1001`)).status).toBe(400);
    const noSince = await get(`/agent/v4/stream/${someStream}/message?limit=10`);
    expect(noSince.status).toBe(400);
    expect(Object.keys((await noSince.json()) as object).sort()).toEqual(['code', 'details', 'message']);
    // A missing required parameter is a request the agent's description refuses: caught as such.
    expect(emulator.takeViolations()).toMatchObject([{ direction: 'request', status: 400, problems: [expect.stringMatching(/required property 'since'/)] }]);
    expect((await get(`/agent/v4/stream/${someStream}/message?since=0&limit=501`)).status).toBe(400);
    const uids = Array.from({ length: 101 }, (_, i) => String(i + 1)).join(',');
    expect((await get(`/pod/v3/users?uid=${uids}`)).status).toBe(400);
  });

  it('answers 204 with no body when there are no messages or no users', async () => {
    const empty = await get(`/agent/v4/stream/${someStream}/message?since=${Date.now() + 3600_000}`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    expect((await get('/pod/v3/users?uid=1,2')).status).toBe(204);
  });

  it('wants URL-safe ids in paths, serves some ids in standard base64, and accepts either for messageId', async () => {
    const stream = [...emulator.pod.streams.values()].find((s) => /[-_]/.test(s.id))!;
    expect((await get(`/agent/v4/stream/${encodeURIComponent(toStandard(stream.id))}/message?since=0`)).status).toBe(400);
    const page = (await (await get(`/agent/v4/stream/${stream.id}/message?since=0&limit=500`)).json()) as { messageId: string }[];
    expect(page.some((m) => /[+/=]/.test(m.messageId))).toBe(true);
  });

  it('needs both tokens on the agent and refuses expired sessions with 401', async () => {
    expect((await get(`/agent/v4/stream/${someStream}/message?since=0`, { sessionToken: headers.sessionToken! })).status).toBe(401);
    expect((await get('/pod/v2/sessioninfo', { sessionToken: 'forged' })).status).toBe(401);
    const pod = await temp.pod({ seed: 1, conversations: 1, messages: 1, sessionTtlMs: 1 });
    const shortLived = pod.emulator;
    const c = new SymphonyClient(symphonySettingsSchema.parse({ podUrl: shortLived.url, username: 'archiver-bot', privateKeyPath: pod.keyPath }), { retry: { attempts: 1 } });
    const token = await c.auth.sessionToken();
    await new Promise((r) => setTimeout(r, 5));
    expect((await fetch(`${shortLived.url}/pod/v2/sessioninfo`, { headers: { sessionToken: token } })).status).toBe(401);
    await c.close();
    await shortLived.stop();
  });

  it('retries 429 and 503 honouring Retry-After, and gives up on a 400 at once', async () => {
    const clock = recordingClock();
    const c = new SymphonyClient(client.settings, { clock, retry: { attempts: 5, baseMs: 10, maxMs: 20 }, random: () => 0 });
    await c.sessionInfo();
    emulator.faults.set({ schedule: [{ request: 1, kind: '429' }, { request: 2, kind: '503' }], retryAfterSeconds: 7 });
    const streams = await c.listStreams(0, 100, ['IM', 'MIM', 'ROOM']);
    expect(streams.streams.length).toBe(8);
    expect(clock.waits).toEqual([7000, 7000]);
    emulator.faults.set({});
    await expect(c.messages(someStream, 0, 0, 501)).rejects.toBeInstanceOf(SymphonyHttpError);
    expect(c.retries).toBe(2);
    await c.close();
  });

  it('detects a truncated or short attachment body and downloads it again', async () => {
    const message = [...emulator.pod.streams.values()].flatMap((s) => s.messages.map((m) => ({ s, m }))).find(({ m }) => m.attachments.some((a) => a.size > 1000))!;
    const a = message.m.attachments.find((x) => x.size > 1000)!;
    const clock = recordingClock();
    const c = new SymphonyClient(client.settings, { clock, retry: { attempts: 4, baseMs: 1 } });
    await c.sessionInfo();
    emulator.faults.set({ schedule: [{ request: 1, kind: 'truncate' }, { request: 2, kind: 'short' }] });
    const file = `${temp.dir}/att.bin`;
    const result = await c.downloadAttachment({ streamId: message.s.id, messageId: toStandard(message.m.id), attachmentId: a.id, declaredSize: a.declaredSize }, file);
    emulator.faults.set({});
    expect(result.size).toBe(a.size);
    expect(c.retries).toBe(2);
    expect(result.sha256).toBe(attachmentSha256(a));
    await c.close();
  });
  it('has an HTTP admin API for faults, new conversations and messages, and counters', async () => {
    const admin = async (p: string, body?: unknown) =>
      (await fetch(`${emulator.url}/__admin${p}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
    const { streamId } = (await admin('/streams', { type: 'ROOM', name: 'Added later', memberCount: 3 })) as { streamId: string };
    const { messageIds } = (await admin(`/streams/${streamId}/messages`, { count: 4, attachmentSizes: [10] })) as { messageIds: string[] };
    expect(messageIds).toHaveLength(4);
    const page = (await client.messages(streamId, 0, 0, 50)) as { messageId: string; attachments?: unknown[] }[];
    expect(page.map((m) => m.messageId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))).toEqual(messageIds);
    expect(page.every((m) => m.attachments?.length === 1)).toBe(true);
    await admin('/faults', { schedule: [{ request: 1, kind: '500' }], paths: 'sessioninfo' });
    const failed = await get('/pod/v2/sessioninfo');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ code: 500, message: 'Internal server error' });
    expect((await get('/pod/v2/sessioninfo')).status).toBe(200);
    await admin('/faults', {});
    const counters = (await admin('/counters')) as { faults: Record<string, number>; requests: Record<string, number> };
    expect(counters.faults['500']).toBeGreaterThanOrEqual(1);
    expect(counters.requests.sessioninfo).toBeGreaterThanOrEqual(2);
  });
});
