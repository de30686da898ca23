import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';

describe('Graph emulator: the rules Graph enforces', () => {
  let graph: GraphEmulator;
  let base: string;
  let token: string;
  let folderId: string;
  const upn = 'amy@corp.example';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}/v1.0${path}`, { method, headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const flags = (value: number) => ({ id: 'Integer 0x0E07', value: String(value) });

  beforeEach(async () => {
    graph = new GraphEmulator({ limits: { uploadBytesPerWindow: 12 * 1024 * 1024, uploadWindowMs: 60_000 } });
    base = await graph.start();
    token = await graph.mintToken();
    graph.directory.addUser({ userPrincipalName: upn, proxyAddresses: ['SMTP:amy@corp.example', 'smtp:amy.old@corp.example'] });
    graph.directory.addUser({ userPrincipalName: 'svc@corp.example', mail: null });
    folderId = (await call('POST', `/users/${upn}/mailFolders/inbox/childFolders`, { displayName: 'Symphony' })).body.id;
  });
  afterEach(async () => graph.stop());

  it('makes a draft unless PR_MESSAGE_FLAGS without MSGFLAG_UNSENT comes with the create; MIME creates are drafts', async () => {
    const plain = await call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, { subject: 'a' });
    expect(plain.body.isDraft).toBe(true);
    const sent = await call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, { subject: 'b', singleValueExtendedProperties: [flags(1), { id: 'SystemTime 0x0039', value: '2024-05-06T07:08:09Z' }, { id: 'SystemTime 0x0E06', value: '2024-05-06T07:08:10Z' }] });
    expect(sent.body).toMatchObject({ isDraft: false, isRead: true, sentDateTime: '2024-05-06T07:08:09.000Z', receivedDateTime: '2024-05-06T07:08:10.000Z' });
    const unsent = await call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, { subject: 'c', singleValueExtendedProperties: [flags(9)] });
    expect(unsent.body.isDraft).toBe(true);
    // Writing sentDateTime directly is ignored, as by Graph.
    const direct = await call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, { subject: 'd', sentDateTime: '2001-01-01T00:00:00Z', singleValueExtendedProperties: [flags(1)] });
    expect(direct.body.sentDateTime).not.toBe('2001-01-01T00:00:00.000Z');
    const mime = Buffer.from('From: a@b.c\r\nSubject: mime\r\n\r\nhello').toString('base64');
    const response = await fetch(`${base}/v1.0/users/${upn}/mailFolders/${folderId}/messages`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' }, body: mime });
    expect(((await response.json()) as { isDraft: boolean }).isDraft).toBe(true);
  });

  it('refuses unknown properties, malformed extended property ids and bad internet headers', async () => {
    const post = (body: unknown) => call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, body);
    expect((await post({ subject: 'x', colour: 'red' })).body.error.code).toBe('RequestBodyRead');
    // Refused by Microsoft's description: answered 400 and recorded as the client's violation.
    expect(graph.takeViolations()).toMatchObject([{ service: 'graph', direction: 'request', problems: [expect.stringMatching(/'colour' does not exist on type 'microsoft.graph.message'/)] }]);
    expect((await post({ singleValueExtendedProperties: [{ id: 'Integer 0xZZ', value: '1' }] })).status).toBe(400);
    expect((await post({ singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: 'one' }] })).status).toBe(400);
    expect((await post({ internetMessageHeaders: [{ name: 'Subject', value: 'x' }] })).body.error.code).toBe('InvalidInternetMessageHeader');
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `X-H${i}`, value: 'v' }));
    expect((await post({ internetMessageHeaders: six })).body.error.code).toBe('InvalidInternetMessageHeaderCollection');
    expect((await post({ internetMessageHeaders: [] })).body.error.code).toBe('InvalidInternetMessageHeaderCollection');
    expect((await post({ internetMessageHeaders: six.slice(0, 5) })).status).toBe(201);
    const big = 'x'.repeat(4 * 1024 * 1024 + 10);
    expect((await post({ subject: big })).status).toBe(413);
  });

  it('filters by a named extended property: name case-sensitive, value case-insensitive', async () => {
    const id = 'String {6C3A9E51-2B7D-4F08-9A1E-5D4C3B2A1F90} Name archiveKey';
    await call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, { singleValueExtendedProperties: [flags(1), { id, value: 'Pod:Key-1' }] });
    const find = (idText: string, value: string) =>
      call('GET', `/users/${upn}/mailFolders/${folderId}/messages?$filter=${encodeURIComponent(`singleValueExtendedProperties/any(ep: ep/id eq '${idText}' and ep/value eq '${value}')`)}&$select=id`);
    expect((await find(id, 'pod:key-1')).body.value).toHaveLength(1);
    expect((await find(id.replace('archiveKey', 'ArchiveKey'), 'Pod:Key-1')).body.value).toHaveLength(0);
    expect((await find(id.toLowerCase().replace('archivekey', 'archiveKey'), 'Pod:Key-1')).body.value).toHaveLength(1);
    expect((await call('GET', `/users/${upn}/mailFolders/${folderId}/messages?$filter=${encodeURIComponent('subject has 1')}`)).status).toBe(400);
  });

  it('looks users up by mail, userPrincipalName and proxyAddresses', async () => {
    const q = (filter: string) => call('GET', `/users?$filter=${encodeURIComponent(filter)}&$select=id,mail,userPrincipalName`);
    expect((await q("mail eq 'AMY@corp.example'")).body.value).toHaveLength(1);
    expect((await q("proxyAddresses/any(x:x eq 'smtp:amy.old@corp.example')")).body.value).toHaveLength(1);
    expect((await q("userPrincipalName eq 'svc@corp.example'")).body.value[0].mail).toBeNull();
    expect((await q("mail eq 'nobody@corp.example' or userPrincipalName eq 'amy@corp.example'")).body.value).toHaveLength(1);
  });

  it('runs upload sessions as Graph does: pre-authenticated URL, 320 KiB multiples, ordered ranges, 201 with Location', async () => {
    const message = (await call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, { singleValueExtendedProperties: [flags(1)] })).body;
    expect((await call('POST', `/users/${upn}/messages/${message.id}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'item', name: 'x', size: 10 } })).status).toBe(405);
    const size = 700 * 1024;
    const session = (await call('POST', `/users/${upn}/messages/${message.id}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'file', name: 'f.bin', size } })).body;
    expect(session.nextExpectedRanges).toEqual(['0-']);
    const bytes = Buffer.alloc(size, 7);
    const put = (start: number, end: number, headers: Record<string, string> = {}) =>
      fetch(session.uploadUrl, { method: 'PUT', headers: { 'Content-Range': `bytes ${start}-${end}/${size}`, ...headers }, body: bytes.subarray(start, end + 1) });
    expect((await put(0, 320 * 1024 - 1, { Authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await put(0, 100_000 - 1)).status).toBe(400);
    expect((await put(327_680, 655_359)).status).toBe(416);
    const first = await put(0, 655_359);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ nextExpectedRanges: ['655360-'] });
    const last = await put(655_360, size - 1);
    expect(last.status).toBe(201);
    expect(last.headers.get('location')).toMatch(/\/attachments\('/);
    const attachments = (await call('GET', `/users/${upn}/messages/${message.id}/attachments?$select=name,size`)).body.value;
    expect(attachments).toEqual([expect.objectContaining({ name: 'f.bin', size })]);
    expect((await put(0, 655_359)).status).toBe(404);
  });

  it('answers 429 with Retry-After past 4 concurrent requests or the upload budget of a mailbox, and counts it', async () => {
    graph.latencyMs = 200;
    const responses = await Promise.all(Array.from({ length: 6 }, () => call('GET', `/users/${upn}/mailFolders/inbox`)));
    expect(responses.filter((r) => r.status === 429)).toHaveLength(2);
    expect(responses.find((r) => r.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
    // A refused request leaves at once, so at least five were seen in flight together.
    expect(graph.counters.maxConcurrentPerMailbox).toBeGreaterThan(4);
    graph.latencyMs = 0;
    const message = (await call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, { singleValueExtendedProperties: [flags(1)] })).body;
    const blob = Buffer.alloc(2_500_000, 1).toString('base64');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call('POST', `/users/${upn}/messages/${message.id}/attachments`, { '@odata.type': '#microsoft.graph.fileAttachment', name: `f${i}`, contentBytes: blob })).status);
    expect(statuses.slice(0, 3)).toEqual([201, 201, 201]);
    expect(statuses.at(-1)).toBe(429);
    expect(graph.counters.throttled).toBeGreaterThanOrEqual(3);
  });

  it('answers an unknown user, a user without mailbox and a denied one as Graph does', async () => {
    graph.directory.addUser({ userPrincipalName: 'gone@corp.example', mailbox: 'none' });
    graph.directory.addUser({ userPrincipalName: 'deny@corp.example', mailbox: 'denied' });
    expect((await call('GET', '/users/nobody@corp.example/mailFolders/inbox')).body.error.code).toBe('ErrorInvalidUser');
    expect((await call('GET', '/users/gone@corp.example/mailFolders/inbox')).body.error.code).toBe('MailboxNotEnabledForRESTAPI');
    expect((await call('GET', '/users/deny@corp.example/mailFolders/inbox')).status).toBe(403);
    expect((await call('POST', `/users/${upn}/mailFolders/inbox/childFolders`, { displayName: 'symphony' })).body.error.code).toBe('ErrorFolderExists');
  });

  it('expires upload sessions after their lifetime', async () => {
    let now = Date.now();
    const timed = new GraphEmulator({ now: () => now, limits: { sessionTtlMs: 60_000 } });
    const url = await timed.start();
    try {
      timed.directory.addUser({ userPrincipalName: upn });
      const auth = { Authorization: `Bearer ${await timed.mintToken()}`, 'Content-Type': 'application/json' };
      const created = await (await fetch(`${url}/v1.0/users/${upn}/mailFolders/inbox/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ singleValueExtendedProperties: [flags(1)] }) })).json();
      const session = await (await fetch(`${url}/v1.0/users/${upn}/messages/${created.id}/attachments/createUploadSession`, { method: 'POST', headers: auth, body: JSON.stringify({ AttachmentItem: { attachmentType: 'file', name: 'a', size: 10 } }) })).json();
      expect(Date.parse(session.expirationDateTime)).toBe(now + 60_000);
      now += 60_001;
      const put = await fetch(session.uploadUrl, { method: 'PUT', headers: { 'Content-Range': 'bytes 0-9/10' }, body: Buffer.alloc(10) });
      expect(put.status).toBe(404);
    } finally {
      await timed.stop();
    }
  });
});
