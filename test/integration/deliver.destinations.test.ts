import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphClient } from '../../electron/core/graph/client';
import { describeGraphFailure, GraphRequestError } from '../../electron/core/graph/errors';
import { FolderResolver } from '../../electron/core/graph/folders';
import { BODY_ATTACHMENT_NAME, JsonDestination } from '../../electron/core/graph/json-destination';
import { MAX_REQUEST_BYTES } from '../../electron/core/graph/message';
import { MimeDestination } from '../../electron/core/deliver/graph-mime';
import { EmlFolderDestination } from '../../electron/core/deliver/eml-folder';
import { createRouter } from '../../electron/core/deliver/router';
import { toMime } from '../../electron/core/convert/mime';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { systemClock } from '../../electron/core/platform/clock';
import type { DeliveryTarget } from '../../electron/core/model/destination';
import { TestWorld } from '../support/world';
import { attachmentFile, deterministicBytes, makeEmail } from '../support/import-fixtures';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';

const ADVANCED = ['Mail.ReadWrite', 'User.Read.All', 'Mail-Advanced.ReadWrite.All'];

describe('destinations over the Graph emulator', () => {
  let temp: TestWorld;
  let world: ImportWorld;
  let advanced: GraphClient;
  let target: DeliveryTarget;

  beforeEach(async () => {
    temp = new TestWorld();
    world = await startImportWorld(temp, { mailboxes: 1 });
    const token = await world.emulator.mintToken({ roles: ADVANCED });
    advanced = new GraphClient({ baseUrl: world.emulator.baseUrl, getToken: async () => token, retry: { baseMs: 20, maxMs: 200 } });
    const folders = new FolderResolver(advanced, new DeliveryRepository(world.store), world.connector.id, 'Symphony', systemClock);
    target = { mailbox: world.mailboxes[0]!, folderId: await folders.ensure(world.mailboxes[0]!) };
  });
  afterEach(async () => {
    await temp.dispose();
  });

  it('importMime files the very .eml non-draft, with every header and attachment, found again by Message-ID', async () => {
    const email = makeEmail(3, [attachmentFile(temp.dir, 'chart.png', deterministicBytes('png', 40_000), { contentType: 'image/png' }), attachmentFile(temp.dir, 'notes.txt', deterministicBytes('txt', 1200))], 7);
    const mime = new MimeDestination({ graph: advanced });
    const prepared = await mime.prepare(email);
    expect(prepared).toBe(email);
    const item = await mime.create(target, email);
    expect(item.isDraft).toBe(false);
    const stored = world.emulator.directory.mailboxes.get(world.emulator.directory.findUser(target.mailbox)!.id)!.messages.get(item.id)!;
    // The whole .eml went as it is: the emulator received exactly the converter's bytes.
    expect(Buffer.from(stored.mime!, 'latin1').equals(await toMime(email))).toBe(true);
    const parsed = await simpleParser(Buffer.from(stored.mime!, 'latin1'));
    expect(parsed.messageId).toBe(email.messageId);
    expect(parsed.inReplyTo).toBe(email.inReplyTo);
    expect(parsed.attachments.map((a) => [a.filename, a.size])).toEqual(email.attachments.map((a) => [a.filename, a.size]));
    for (const header of email.headers) expect(parsed.headers.get(header.name.toLowerCase())).toBeDefined();
    expect((await mime.find(target, email)).map((i) => i.id)).toEqual([item.id]);
    const back = await mime.read(target, item.id);
    expect(back).toMatchObject({ isDraft: false, sentDateTime: email.date.toISOString(), inReplyTo: email.inReplyTo, messageClass: 'IPM.Note' });
    expect(back.headers.map((h) => h.name)).toEqual(expect.arrayContaining(email.headers.map((h) => h.name)));
    expect(back.attachments).toEqual(email.attachments.map((a) => ({ name: a.filename, size: a.size })));
    await mime.remove(target, item.id);
    expect(await mime.find(target, email)).toEqual([]);
    await mime.remove(target, item.id);
  });

  it('importMime is refused without Mail-Advanced.ReadWrite.All, outside text/plain, and over its size limit', async () => {
    const email = makeEmail(1);
    const denied = await new MimeDestination({ graph: world.graph }).create(target, email).catch((e: unknown) => e);
    expect(denied).toMatchObject({ status: 403, code: 'ErrorAccessDenied' });
    // What the officer reads names the permission and the way out, not "Mail.ReadWrite".
    expect(describeGraphFailure(denied, target.mailbox)).toMatchObject({ code: 'permission-denied', fix: expect.stringMatching(/Mail-Advanced\.ReadWrite\.All.*admin consent.*JSON create/) });
    const raw = await fetch(`${world.emulator.baseUrl}/beta/users/${target.mailbox}/mailFolders/${target.folderId}/importMime`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await world.emulator.mintToken({ roles: ADVANCED })}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ mime: 'x' }),
    });
    expect(raw.status).toBe(415);
    world.emulator.importMime.maxRequestBytes = 2000;
    const error = await new MimeDestination({ graph: advanced, maxRequestBytes: 1_000_000 }).create(target, makeEmail(2, [attachmentFile(temp.dir, 'a.bin', deterministicBytes('a', 5000))])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect((error as GraphRequestError).status).toBe(413);
    // A request over the limit is the archiver's planning, not the mailbox: no advice to raise its size.
    expect(describeGraphFailure(error, target.mailbox).fix).not.toMatch(/receive size|mailbox/i);
    expect(world.emulator.importMime.counters.imports).toBe(0);
  });

  it('declines what importMime cannot take in one request, and the router sends it by JSON create', async () => {
    const big = makeEmail(4, [attachmentFile(temp.dir, 'scan.bin', deterministicBytes('scan', 3_200_000))]);
    const small = makeEmail(5);
    const mime = new MimeDestination({ graph: advanced });
    expect(await mime.prepare(big)).toBeUndefined();
    const router = createRouter({ json: new JsonDestination({ graph: advanced }), mime }, 'graph-mime');
    expect((await router.route(big)).destination.route).toBe('graph-json');
    expect((await router.route(small)).destination.route).toBe('graph-mime');
    expect((await createRouter({ json: new JsonDestination({ graph: advanced }), mime }, 'graph-json').route(small)).destination.route).toBe('graph-json');
  });

  it('JSON create sets the message class, and a body too large for one request travels as an attachment', async () => {
    const json = new JsonDestination({ graph: advanced, messageClass: 'IPM.ExternalData.Symphony.IM', scratchDir: path.join(temp.dir, 'scratch') });
    const huge = { ...makeEmail(6), html: `<p>${'x'.repeat(MAX_REQUEST_BYTES)}</p>` };
    const prepared = (await json.prepare(huge))!;
    expect(prepared.attachments.at(-1)).toMatchObject({ filename: BODY_ATTACHMENT_NAME, size: Buffer.byteLength(huge.html) });
    expect(fs.readFileSync(prepared.attachments.at(-1)!.path, 'utf8')).toBe(huge.html);
    const split = json.split(prepared, { markAsRead: true, asDraft: false });
    expect(split.later).toEqual([0]);
    const item = await json.create(target, prepared, split, { markAsRead: true, asDraft: false });
    const back = await json.read(target, item.id);
    expect(back).toMatchObject({ isDraft: false, messageClass: 'IPM.ExternalData.Symphony.IM', sentDateTime: huge.date.toISOString(), receivedDateTime: huge.date.toISOString() });
    expect(await json.prepare(makeEmail(7))).toEqual(makeEmail(7));
  });

  it('a non-draft item refuses sensitive changes from 2026-12-31 without Mail-Advanced, as Exchange will', async () => {
    const json = new JsonDestination({ graph: world.graph });
    const item = await json.create(target, makeEmail(8), { inline: [], later: [] }, { markAsRead: false, asDraft: false });
    const patch = (graph: GraphClient, body: unknown) => graph.request({ method: 'PATCH', path: `/users/${target.mailbox}/messages/${item.id}`, body, mailbox: target.mailbox });
    world.emulator.importMime.sensitiveEnforcementFrom = Date.now() + 86_400_000;
    await expect(patch(world.graph, { subject: 'before the deadline' })).resolves.toMatchObject({ status: 200 });
    world.emulator.importMime.sensitiveEnforcementFrom = Date.now() - 1;
    await expect(patch(world.graph, { subject: 'edited' })).rejects.toMatchObject({ status: 403 });
    await expect(patch(world.graph, { isRead: true })).resolves.toMatchObject({ status: 200 });
    await expect(patch(advanced, { subject: 'privileged' })).resolves.toMatchObject({ status: 200 });
    expect(world.emulator.importMime.counters.patches.map((p) => p.refused)).toEqual([false, true, false, false]);
  });

  it('the .eml folder writes one complete file per e-mail, finds it, reads it back and removes it', async () => {
    const eml = new EmlFolderDestination();
    const folder = { mailbox: '', folderId: path.join(temp.dir, 'export', 'Room [abc]') };
    const email = makeEmail(9, [attachmentFile(temp.dir, 'b.txt', deterministicBytes('b', 900))]);
    expect(await eml.find(folder, email)).toEqual([]);
    const item = await eml.create(folder, email);
    await eml.create(folder, email);
    expect(fs.readdirSync(folder.folderId)).toEqual([item.id]);
    expect(fs.readFileSync(path.join(folder.folderId, item.id)).equals(await toMime(email))).toBe(true);
    expect(await eml.find(folder, email)).toEqual([item]);
    expect(await eml.read(folder, item.id)).toMatchObject({ isDraft: false, internetMessageId: email.messageId, sentDateTime: email.date.toISOString(), attachments: [{ name: 'b.txt', size: 900 }] });
    await eml.remove(folder, item.id);
    expect(await eml.find(folder, email)).toEqual([]);
  });
});
