import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symphonySettingsSchema } from '../../shared/contract';
import { silentLogger } from '../../electron/core/platform/logger';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { loadPrivateKey } from '../../electron/core/symphony/auth';
import { captureBySource } from '../../electron/core/symphony/sources';
import { SymphonyClient } from '../../electron/core/symphony/client';
import { describeFailure } from '../../electron/core/symphony/errors';
import { SymphonyHttpError } from '../../electron/core/symphony/http';
import { attachmentSha256, type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, addConnector } from '../support/world';
import { assertNoViolations } from '../../electron/sandbox/spec/violations';

/** The Symphony emulator held to the FINOS descriptions, and the client to what they say. */
describe('Symphony contract', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let keyPath: string;
  let client: SymphonyClient;
  let tokens: { sessionToken: string; keyManagerToken: string };

  beforeAll(async () => {
    const pod = await temp.pod({ seed: 'contract-spec', conversations: 6, messages: 120, attachments: 12, maxAttachmentBytes: 200 * 1024 });
    emulator = pod.emulator;
    keyPath = pod.keyPath;
    client = new SymphonyClient(symphonySettingsSchema.parse({ podUrl: emulator.url, username: 'archiver-bot', privateKeyPath: keyPath }), { retry: { attempts: 1 } });
    tokens = { sessionToken: await client.auth.sessionToken(), keyManagerToken: await client.auth.keyManagerToken() };
  });
  afterAll(async () => {
    await client.close();
    await emulator.stop();
    await temp.dispose();
  });

  const anAttachment = () => {
    for (const s of emulator.pod.streams.values()) for (const m of s.messages) if (m.attachments[0]) return { s, m, a: m.attachments[0] };
    throw new Error('no attachment');
  };
  const attachmentUrl = (x: ReturnType<typeof anAttachment>, fileId = x.a.id) => `${emulator.url}/agent/v1/stream/${x.s.id}/attachment?fileId=${encodeURIComponent(fileId)}&messageId=${x.m.id}`;

  it('the old Accept header on a download is refused (406) and fails the test that sent it', async () => {
    const x = anAttachment();
    // What the client sent before: Accept application/json, where the agent produces only octet-stream.
    const old = await fetch(attachmentUrl(x), { headers: { ...tokens, accept: 'application/json' } });
    expect(old.status).toBe(406);
    const recorded = emulator.takeViolations();
    expect(recorded).toMatchObject([{ service: 'symphony', direction: 'request', status: 406, operation: 'get /v1/stream/{sid}/attachment of agent-api-public.yaml' }]);
    // Left in place, the same violation makes the setup file's check throw: the test fails.
    const again = await fetch(attachmentUrl(x), { headers: { ...tokens, accept: 'application/json' } });
    expect(again.status).toBe(406);
    expect(() => assertNoViolations()).toThrow(/symphony request GET \/agent\/v1\/stream\/.*HTTP 406.*allows none of what the operation produces \(application\/octet-stream\)/);
    // The client names a 406 as its own bug, not the pod's.
    const bug = describeFailure(new SymphonyHttpError(406, attachmentUrl(x), '', undefined), 'attachment');
    expect(bug).toMatchObject({ code: 'internal', message: expect.stringMatching(/bug in the archiver/) });
  });

  it('the client downloads with the Accept the spec gives and reads the base64 body', async () => {
    const x = anAttachment();
    const result = await client.downloadAttachment({ streamId: x.s.id, messageId: x.m.id, attachmentId: x.a.id, declaredSize: x.a.declaredSize }, path.join(temp.dir, 'one.bin'));
    expect(result).toEqual({ size: x.a.size, sha256: attachmentSha256(x.a) });
  });

  it('a strict-Accept agent gives every attachment to a capture', async () => {
    const store = Store.open(path.join(temp.dir, 'capture', 'archiver.db'));
    try {
      const connector = addConnector(store, { pod: { url: emulator.url, keyPath } });
      const before = emulator.counters.statuses['406'] ?? 0;
      const summary = await captureBySource({ store, connector: new ConnectorRepository(store).get(connector.id), paths: { spool: path.join(temp.dir, 'capture', 'spool') }, logger: silentLogger });
      const inventory = emulator.pod.inventory().attachments;
      expect(inventory.length).toBe(12);
      expect(summary.attachments).toMatchObject({ stored: 12, failed: 0, pending: 0 });
      const repo = new CaptureRepository(store);
      for (const a of inventory) {
        const stored = repo.itemByMessageId(connector.id, a.messageId)!.attachments.find((s) => s.attachmentId === a.id)!;
        expect(stored).toMatchObject({ status: 'stored', size: a.size, sha256: attachmentSha256(a) });
      }
      expect(emulator.counters.statuses['406'] ?? 0).toBe(before);
    } finally {
      store.dispose();
    }
  });

  it('answers the download\'s errors as the spec says: 400 not 404, in application/octet-stream', async () => {
    const res = await fetch(attachmentUrl(anAttachment(), 'internal_130/nope'), { headers: { ...tokens, accept: 'application/octet-stream' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(await res.json()).toMatchObject({ code: 400, message: 'Attachment not found' });
    const members = await fetch(`${emulator.url}/pod/v1/admin/stream/AAAAAAAAAAAAAAAAAAAAAAAAAAAA/membership/list`, { headers: { sessionToken: tokens.sessionToken } });
    expect(members.status).toBe(400);
  });

  it('refuses bodies in another media type (415) and logins the spec refuses (401, never 400)', async () => {
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'RS512' }).setSubject('archiver-bot').setExpirationTime(Math.floor(Date.now() / 1000) + 240).sign(await loadPrivateKey(keyPath));
    const login = (body: string, contentType = 'application/json') => fetch(`${emulator.url}/login/pubkey/authenticate`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect((await login(JSON.stringify({ token: jwt }), 'text/plain')).status).toBe(415);
    expect((await login(JSON.stringify({ token: 42 }))).status).toBe(401);
    expect(emulator.takeViolations()).toMatchObject([
      { direction: 'request', status: 415 },
      { direction: 'request', status: 401, problems: ['/requestBody/token must be string'] },
    ]);
    expect((await login('{}')).status).toBe(401);
    expect((await login(JSON.stringify({ token: jwt }))).status).toBe(200);
  });

  it('takes a JWT of at most 5 minutes with only sub and exp', async () => {
    const key = await loadPrivateKey(keyPath);
    const now = Math.floor(Date.now() / 1000);
    const login = async (claims: Record<string, unknown>, lifetime: number) => {
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS512' }).setSubject('archiver-bot').setExpirationTime(now + lifetime).sign(key);
      const res = await fetch(`${emulator.url}/relay/pubkey/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: jwt }) });
      return res.status;
    };
    expect(await login({}, 300)).toBe(200);
    expect(await login({}, 303)).toBe(401);
    expect(await login({ iat: now }, 240)).toBe(401);
    expect(await login({ aud: 'pod' }, 240)).toBe(401);
  });

  it('applies every stream-list filter and refuses values the spec does not list', async () => {
    const list = async (filter: object) => {
      const res = await fetch(`${emulator.url}/pod/v2/admin/streams/list?limit=100`, { method: 'POST', headers: { sessionToken: tokens.sessionToken, 'content-type': 'application/json' }, body: JSON.stringify(filter) });
      return { status: res.status, ids: res.status === 200 ? ((await res.json()) as { streams: { id: string }[] }).streams.map((s) => s.id).sort() : [] };
    };
    const streams = [...emulator.pod.streams.values()];
    const expectIds = (pick: (s: (typeof streams)[number]) => boolean) => streams.filter(pick).map((s) => s.id).sort();
    expect((await list({ scope: 'EXTERNAL' })).ids).toEqual(expectIds((s) => s.external));
    expect((await list({ scope: 'INTERNAL', streamTypes: [{ type: 'ROOM' }] })).ids).toEqual(expectIds((s) => !s.external && s.type === 'ROOM'));
    expect((await list({ status: 'INACTIVE' })).ids).toEqual(expectIds((s) => !s.active));
    expect((await list({ privacy: 'PUBLIC' })).ids).toEqual(expectIds((s) => s.type === 'ROOM' && s.isPublic));
    expect((await list({ startDate: Date.now() + 3600_000 })).ids).toEqual([]);
    expect((await list({ scope: 'EVERYWHERE' })).status).toBe(400);
    expect((await list({ startDate: 'yesterday' })).status).toBe(400);
    expect(emulator.takeViolations()).toMatchObject([{ direction: 'request', status: 400, problems: ['/requestBody/startDate must be integer'] }]);
  });

  it('an answer of the emulator that its description does not allow is caught as a response violation', async () => {
    const user = [...emulator.pod.users.values()].find((u) => u.accountType === 'NORMAL')!;
    const original = user.displayName;
    (user as { displayName: unknown }).displayName = 42;
    try {
      const res = await fetch(`${emulator.url}/pod/v3/users?uid=${user.id}`, { headers: { sessionToken: tokens.sessionToken } });
      expect(res.status).toBe(200);
    } finally {
      user.displayName = original;
    }
    expect(emulator.takeViolations()).toMatchObject([{ direction: 'response', status: 200, problems: ['/users/0/displayName must be string'] }]);
  });

  it('a call to an operation the emulator does not serve (the pod\'s attachment list) is a violation, not a silent 404', async () => {
    const res = await fetch(`${emulator.url}/pod/v1/streams/${anAttachment().s.id}/attachments`, { headers: { sessionToken: tokens.sessionToken } });
    expect(res.status).toBe(404);
    expect(emulator.takeViolations()).toMatchObject([{ direction: 'request', operation: 'no operation' }]);
  });
});
