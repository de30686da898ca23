import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsdl, schemaForType } from '../../electron/sandbox/emulators/graph/csdl-schema';
import { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';

/** The Graph emulator held to Microsoft's v1.0 service description (derived JSON Schemas). */
describe('Graph emulator against the v1.0 CSDL', () => {
  let graph: GraphEmulator;
  let base: string;
  let token: string;
  let folderId: string;
  const upn = 'amy@corp.example';
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}/v1.0${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const post = (body: unknown) => call('POST', `/users/${upn}/mailFolders/${folderId}/messages`, body);

  beforeAll(async () => {
    graph = new GraphEmulator({});
    base = await graph.start();
    token = await graph.mintToken();
    graph.directory.addUser({ userPrincipalName: upn });
    folderId = (await call('POST', `/users/${upn}/mailFolders/inbox/childFolders`, { displayName: 'Symphony' })).body.id;
  });
  afterAll(async () => graph.stop());

  it('refuses with 400 RequestBodyRead what v1.0 does not define: beta properties, wrong types, bad enum values, unknown nested fields', async () => {
    const refused = [
      [{ subject: 'a', mentions: [{ mentioned: { name: 'x', address: 'x@corp.example' } }] }, /'mentions' does not exist on type 'microsoft.graph.message'/],
      [{ subject: 42 }, /at 'subject' to the expected type 'Edm.String'/],
      [{ importance: 'urgent' }, /Requested value 'urgent' was not found at 'importance'/],
      [{ body: { contentType: 'markdown', content: 'x' } }, /Requested value 'markdown' was not found at 'body.contentType'/],
      [{ toRecipients: [{ emailAddress: { address: 'a@corp.example', displayname: 'A' } }] }, /'displayname' does not exist on type 'microsoft.graph.emailAddress'/],
      [{ isRead: 'yes' }, /at 'isRead' to the expected type 'Edm.Boolean'/],
      [{ internetMessageHeaders: [{ name: 'x-a', value: 'b', order: 1 }] }, /'order' does not exist on type 'microsoft.graph.internetMessageHeader'/],
    ] as const;
    for (const [body, message] of refused) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'RequestBodyRead', message: expect.stringMatching(message) });
    }
    expect(graph.takeViolations().map((v) => v.problems[0])).toEqual(refused.map(([, m]) => expect.stringMatching(m)));
  });

  it('takes what the description and the documentation allow, such as the 32-bit property tag form', async () => {
    const sent = await post({
      '@odata.type': '#microsoft.graph.message',
      subject: 'ok',
      body: { contentType: 'html', content: '<p>x</p>' },
      toRecipients: [{ emailAddress: { name: 'Amy', address: upn } }],
      // PR_MESSAGE_FLAGS as its whole tag (id 0x0E07, type PT_LONG 0x0003): read, not a draft.
      singleValueExtendedProperties: [{ id: 'Integer 0x0E070003', value: '1' }],
      internetMessageHeaders: [{ name: 'x-archive', value: 'yes' }],
      attachments: [{ '@odata.type': '#microsoft.graph.fileAttachment', name: 'a.txt', contentType: 'text/plain', contentBytes: Buffer.from('hi').toString('base64') }],
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ isDraft: false, isRead: true });
  });

  it('holds the attachment, upload-session and folder bodies to their types', async () => {
    const message = (await post({ subject: 'draft' })).body.id as string;
    const abstract = await call('POST', `/users/${upn}/messages/${message}/attachments`, { name: 'a', contentBytes: 'QQ==' });
    expect(abstract).toMatchObject({ status: 400, body: { error: { code: 'UnprocessableType', message: expect.stringMatching(/abstract type 'microsoft.graph.attachment'/) } } });
    const session = await call('POST', `/users/${upn}/messages/${message}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: 4_000_000, sizeInBytes: 4_000_000 } });
    expect(session).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/'sizeInBytes' does not exist on type 'microsoft.graph.attachmentItem'/) } } });
    const folder = await call('POST', `/users/${upn}/mailFolders/inbox/childFolders`, { displayName: 'Other', hidden: true });
    expect(folder).toMatchObject({ status: 400, body: { error: { code: 'RequestBodyRead' } } });
    expect(graph.takeViolations()).toHaveLength(3);
    expect((await call('POST', `/users/${upn}/messages/${message}/attachments/createUploadSession`, { AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: 4_000_000 } })).status).toBe(201);
  });
});

describe('Graph emulator answers against the v1.0 CSDL', () => {
  it('an answer the description does not allow is the emulator\'s own violation', async () => {
    const graph = new GraphEmulator({});
    const base = await graph.start();
    const token = await graph.mintToken();
    const user = graph.directory.addUser({ userPrincipalName: 'bob@corp.example' });
    try {
      const call = async (method: string, path: string, body?: unknown) => (await fetch(`${base}/v1.0${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json() as Promise<{ id: string }>;
      const created = await call('POST', '/users/bob@corp.example/mailFolders/inbox/messages', { subject: 'x' });
      expect(graph.takeViolations()).toEqual([]);
      // Corrupt what the emulator keeps: its next answer would teach the client a field Graph never sends.
      graph.directory.mailboxes.get(user.id)!.messages.get(created.id)!.fields.subject = 7;
      await call('GET', `/users/bob@corp.example/messages/${created.id}`);
      expect(graph.takeViolations()).toMatchObject([{ service: 'graph', direction: 'response', problems: [expect.stringMatching(/at 'subject' to the expected type 'Edm.String'/)] }]);
    } finally {
      await graph.stop();
    }
  });
});

describe('the CSDL to JSON Schema generator', () => {
  const csdl = `<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
    <Schema Namespace="t.ns" Alias="t" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="level"><Member Name="low" Value="0" /><Member Name="high" Value="1" /></EnumType>
      <EnumType Name="marks" IsFlags="true"><Member Name="a" Value="1" /><Member Name="b" Value="2" /></EnumType>
      <EntityType Name="base" Abstract="true"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
      <EntityType Name="thing" BaseType="t.base"><Property Name="level" Type="t.level" /><Property Name="marks" Type="t.marks" /><Property Name="size" Type="Edm.Int32" Nullable="false" />
        <NavigationProperty Name="parts" Type="Collection(t.part)" ContainsTarget="true" /><NavigationProperty Name="owner" Type="t.thing" /></EntityType>
      <EntityType Name="part" BaseType="t.base" Abstract="true"><Property Name="name" Type="Edm.String" /></EntityType>
      <EntityType Name="filePart" BaseType="t.part"><Property Name="bytes" Type="Edm.Binary" /></EntityType>
    </Schema></edmx:DataServices></edmx:Edmx>`;

  it('derives inheritance, enums and flags, nullability, contained navigation and derived types by @odata.type', async () => {
    const { Ajv } = await import('ajv');
    const validate = new Ajv({ strict: false }).compile(schemaForType(readCsdl(csdl), 't.ns.thing'));
    expect(validate({ id: 'x', level: 'high', marks: 'a, b', size: 3, parts: [{ '@odata.type': '#t.ns.filePart', name: 'p', bytes: 'QQ==' }] })).toBe(true);
    expect(validate({ id: 'x', level: null, size: 3 })).toBe(true);
    expect(validate({ id: 'x', level: 'medium', size: 3 })).toBe(false);
    expect(validate({ id: 'x', marks: 'a, c', size: 3 })).toBe(false);
    expect(validate({ id: 'x', size: null })).toBe(false);
    expect(validate({ id: 'x', size: 2 ** 31 })).toBe(false);
    // An abstract part needs its concrete type; a navigation that is not contained is no body property.
    expect(validate({ id: 'x', size: 1, parts: [{ name: 'p' }] })).toBe(false);
    expect(validate({ id: 'x', size: 1, owner: { id: 'y', size: 1 } })).toBe(false);
    expect(validate({ id: 'x', size: 1, parts: [{ '@odata.type': '#t.ns.filePart', bytes: 'not base64!' }] })).toBe(false);
  });
});
