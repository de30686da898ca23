import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../../electron/sandbox/emulators/graph/router';
import { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';

/**
 * How the Graph emulator finds the route of a request (router.ts, routes/index.ts): the most
 * literal path wins, a missing resource is answered before a wrong method, and a message is the
 * same resource through its folder or directly under its user. Over real HTTP, except the
 * router's own matching rules.
 */

describe('the path router', () => {
  const router = new Router<string>([
    { method: 'GET', path: 'users/{user}/messages/{message}/attachments/{attachment}', handle: () => undefined },
    { method: 'POST', path: 'users/{user}/messages/{message}/attachments/createUploadSession', handle: () => undefined },
    { method: 'GET', path: 'users/{user}', handle: () => undefined },
    { method: 'DELETE', path: 'users/{user}', handle: () => undefined },
  ]);

  it('prefers a literal segment to a parameter, whatever the order of the table', () => {
    const match = router.match(['users', 'u1', 'messages', 'm1', 'attachments', 'createUploadSession']);
    expect(match?.routes.map((r) => r.method)).toEqual(['POST']);
    expect(match?.params).toEqual({ user: 'u1', message: 'm1' });
    expect(router.match(['users', 'u1', 'messages', 'm1', 'attachments', 'a1'])?.params).toEqual({ user: 'u1', message: 'm1', attachment: 'a1' });
  });

  it('gives every method of the matched path, and nothing for a path of another length or literal', () => {
    expect(router.match(['users', 'u1'])?.routes.map((r) => r.method)).toEqual(['GET', 'DELETE']);
    expect(router.match(['users'])).toBeUndefined();
    expect(router.match(['users', 'u1', 'extra'])).toBeUndefined();
    expect(router.match(['groups', 'u1'])).toBeUndefined();
  });
});

describe('Graph emulator routes', () => {
  const graph = new GraphEmulator();
  const upn = 'amy@corp.example';
  let base = '';
  let token = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(path.startsWith('http') ? path : `${base}/v1.0${path}`, { method, headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const newFolder = async (name: string): Promise<string> => (await call('POST', `/users/${upn}/mailFolders/inbox/childFolders`, { displayName: name })).body.id;
  const newMessage = async (folder: string, subject: string): Promise<string> => (await call('POST', `/users/${upn}/mailFolders/${folder}/messages`, { subject })).body.id;

  beforeAll(async () => {
    base = await graph.start();
    token = await graph.mintToken();
    graph.directory.addUser({ userPrincipalName: upn });
  });
  afterAll(() => graph.stop());

  it('serves a message and its attachments the same through its folder and directly under its user', async () => {
    const folder = await newFolder('Both paths');
    const id = await newMessage(folder, 'one message');
    const bytes = Buffer.from('attachment body');
    for (const path of [`/users/${upn}/mailFolders/${folder}/messages/${id}`, `/users/${upn}/messages/${id}`]) {
      expect((await call('GET', `${path}?$select=subject`)).body).toMatchObject({ id, subject: 'one message' });
      const added = await call('POST', `${path}/attachments`, { '@odata.type': '#microsoft.graph.fileAttachment', name: `${path.length}.txt`, contentType: 'text/plain', contentBytes: bytes.toString('base64') });
      expect(added.status).toBe(201);
      expect((await call('GET', `${path}/attachments/${added.body.id}`)).body).toMatchObject({ name: `${path.length}.txt`, contentBytes: bytes.toString('base64') });
      const raw = await fetch(`${base}/v1.0${path}/attachments/${added.body.id}/$value`, { headers: { Authorization: `Bearer ${token}` } });
      expect(Buffer.from(await raw.arrayBuffer())).toEqual(bytes);
    }
    expect((await call('GET', `/users/${upn}/messages/${id}/attachments`)).body.value).toHaveLength(2);
    expect((await call('DELETE', `/users/${upn}/mailFolders/${folder}/messages/${id}`)).status).toBe(204);
    expect((await call('GET', `/users/${upn}/messages/${id}`)).status).toBe(404);
    expect(graph.directory.deleted.map((d) => d.id)).toContain(id);
  });

  it('answers a missing user, folder, message or attachment before it looks at the method', async () => {
    const folder = await newFolder('Order of answers');
    const id = await newMessage(folder, 'exists');
    expect((await call('PUT', `/users/nobody@corp.example/messages/${id}`)).body.error.code).toBe('ErrorInvalidUser');
    expect((await call('PUT', `/users/${upn}/mailFolders/no-such-folder/messages`)).body.error.code).toBe('ErrorItemNotFound');
    expect((await call('PUT', `/users/${upn}/messages/no-such-message`)).body.error.code).toBe('ErrorItemNotFound');
    expect((await call('PUT', `/users/${upn}/messages/${id}/attachments/no-such-attachment`)).body.error.code).toBe('ErrorItemNotFound');
    // The resource exists: now the method is wrong.
    const wrong = await call('PUT', `/users/${upn}/messages/${id}`);
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'BadRequest', message: 'Unsupported request PUT on a message.' } } });
    expect((await call('GET', `/users/${upn}/messages/${id}/attachments/createUploadSession`)).status).toBe(405);
    expect((await call('GET', `/users/${upn}/messages/no-such-message/attachments/createUploadSession`)).status).toBe(404);
  });

  it('refuses what it does not serve with 400 BadRequest', async () => {
    expect((await call('GET', '/groups')).body.error).toMatchObject({ code: 'BadRequest', message: "Resource not found for the segment 'groups'." });
    expect((await call('GET', `/users/${upn}/calendar`)).body.error.code).toBe('BadRequest');
    expect((await call('POST', `/users/${upn}`, {})).status).toBe(400);
    expect((await call('GET', `${base}/v2.0/users`)).status).toBe(404);
  });

  it('pages a folder by $top and @odata.nextLink: every message once, in order, no page over $top', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(24), fc.integer({ min: 1, max: 12 }), async (count, top) => {
        const folder = await newFolder(`Paging ${run++}`);
        const created: string[] = [];
        for (let i = 0; i < count; i++) created.push(await newMessage(folder, `m${i}`));
        const seen: string[] = [];
        let next: string | undefined = `/users/${upn}/mailFolders/${folder}/messages?$top=${top}&$select=id`;
        while (next !== undefined) {
          const page = await call('GET', next);
          expect(page.status).toBe(200);
          expect(page.body.value.length).toBeLessThanOrEqual(top);
          seen.push(...page.body.value.map((m: { id: string }) => m.id));
          next = page.body['@odata.nextLink'];
        }
        expect(seen).toEqual(created);
      }),
      { numRuns: 20, seed: 20 },
    );
  });
});
