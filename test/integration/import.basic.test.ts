import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importDeliveries, enqueueDeliveries } from '../../electron/core/graph/importer';
import { ARCHIVE_KEY_PROPERTY, unfoldHeaders } from '../../electron/core/graph/message';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { FolderResolver } from '../../electron/core/graph/folders';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { systemClock } from '../../electron/core/platform/clock';
import path from 'node:path';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { TestWorld } from '../support/world';
import { attachmentFile, deterministicBytes, makeEmail } from '../support/import-fixtures';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';

function messagesOf(world: ImportWorld, mailbox: string) {
  const user = world.emulator.directory.findUser(mailbox)!;
  const box = world.emulator.directory.mailboxes.get(user.id)!;
  return [...box.messages.values()].map((m) => ({ m, folder: box.folders.get(m.folderId)!, parent: box.folders.get(box.folders.get(m.folderId)!.parentFolderId ?? '') }));
}

function archiveKeyOf(message: { extended: Array<{ id: string; value: string }> }): string | undefined {
  return message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value;
}

describe('Graph import against the emulator', () => {
  let temp: TestWorld;
  let world: ImportWorld;
  beforeEach(() => {
    temp = new TestWorld();
  });
  afterEach(async () => {
    await temp.dispose();
  });

  it('creates non-draft items in Inbox/Symphony with dates, headers, archive key and byte-identical attachments, once', async () => {
    world = await startImportWorld(temp, { mailboxes: 2, markAsRead: false });
    const emails = new Map<string, ConvertedEmail>();
    for (let i = 0; i < 6; i++) {
      const attachments = i % 2 === 0 ? [attachmentFile(temp.dir, `note-${i}.txt`, deterministicBytes(`a${i}`, 1000 + i)), attachmentFile(temp.dir, `big-${i}.bin`, deterministicBytes(`b${i}`, 3_500_000 + i))] : [];
      const email = makeEmail(i, attachments, i === 0 ? 8 : 3);
      emails.set(email.archiveKey, email);
      enqueueDeliveries(world.store, world.connector.id, email.archiveKey, world.mailboxes);
    }
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)! });
    expect(summary).toMatchObject({ delivered: 12, failed: 0, blocked: 0 });
    for (const mailbox of world.mailboxes) {
      const items = messagesOf(world, mailbox);
      expect(items).toHaveLength(6);
      for (const { m, folder, parent } of items) {
        expect(folder.displayName).toBe('Symphony');
        expect(parent?.wellKnownName).toBe('inbox');
        expect(m.isDraft).toBe(false);
        expect(m.isRead).toBe(false);
        const email = emails.get(archiveKeyOf(m)!)!;
        expect(m.sentDateTime).toBe(email.date.toISOString());
        expect(m.receivedDateTime).toBe(email.date.toISOString());
        expect(m.fields.internetMessageId).toBe(email.messageId);
        expect(m.headers.length).toBeLessThanOrEqual(5);
        expect(unfoldHeaders(m.headers)).toEqual(email.headers);
        expect(m.attachments.map((a) => [a.name, a.size, a.sha256]).sort()).toEqual(email.attachments.map((a) => [a.filename, a.size, a.sha256]).sort());
      }
    }
    const created = world.emulator.counters.created;
    const again = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)! });
    expect(again.delivered).toBe(0);
    expect(world.emulator.counters.created).toBe(created);
  });

  it('looks an item up instead of creating it again when the answer to the create was lost', async () => {
    world = await startImportWorld(temp, { mailboxes: 3, emulator: { faults: { rate: 0.6, kinds: ['lost'], seed: 7, match: (method, path) => method === 'POST' && path.endsWith('/messages') } } });
    const emails = new Map<string, ConvertedEmail>();
    for (let i = 0; i < 20; i++) {
      const email = makeEmail(i, i % 5 === 0 ? [attachmentFile(temp.dir, `f${i}.bin`, deterministicBytes(`f${i}`, 3_300_000))] : []);
      emails.set(email.archiveKey, email);
      enqueueDeliveries(world.store, world.connector.id, email.archiveKey, world.mailboxes);
    }
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)!, maxAttempts: 30 });
    expect(world.emulator.counters.faults.lost).toBeGreaterThan(5);
    expect(summary.delivered).toBe(60);
    for (const mailbox of world.mailboxes) {
      const keys = messagesOf(world, mailbox).map(({ m }) => archiveKeyOf(m));
      expect(keys.sort()).toEqual([...emails.keys()].sort());
      for (const { m } of messagesOf(world, mailbox)) expect(m.attachments).toHaveLength(emails.get(archiveKeyOf(m)!)!.attachments.length);
    }
  });

  it('blocks (never skips) mailboxes that cannot be written, with the reason, and delivers the rest', async () => {
    world = await startImportWorld(temp, { mailboxes: 1 });
    const dir = world.emulator.directory;
    dir.addUser({ userPrincipalName: 'nobox@corp.example', mailbox: 'none' });
    dir.addUser({ userPrincipalName: 'nolicense@corp.example', mailbox: 'unlicensed' });
    dir.addUser({ userPrincipalName: 'denied@corp.example', mailbox: 'denied' });
    const targets = [...world.mailboxes, 'nobox@corp.example', 'nolicense@corp.example', 'denied@corp.example', 'ghost@corp.example'];
    const email = makeEmail(1);
    enqueueDeliveries(world.store, world.connector.id, email.archiveKey, targets);
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: () => email });
    expect(summary.delivered).toBe(1);
    expect(summary.blocked).toBe(4);
    const repo = new DeliveryRepository(world.store);
    expect(repo.list(world.connector.id, 'skipped')).toEqual([]);
    const rows = repo.list(world.connector.id, 'blocked');
    const reasons = Object.fromEntries(rows.map((r) => [r.mailbox, r.lastError]));
    expect(Object.fromEntries(rows.map((r) => [r.mailbox, r.blockedReason]))).toEqual({
      'nobox@corp.example': 'no-mailbox',
      'nolicense@corp.example': 'not-licensed',
      'denied@corp.example': 'access-denied',
      'ghost@corp.example': 'not-found',
    });
    expect(reasons['nobox@corp.example']).toMatch(/no Exchange Online mailbox/);
    expect(reasons['nolicense@corp.example']).toMatch(/no Exchange Online license/);
    expect(reasons['denied@corp.example']).toMatch(/not allowed/);
    expect(reasons['ghost@corp.example']).toMatch(/not a user/);
  });

  it('lands every attachment on a draft when Graph refuses attachments on non-draft items', async () => {
    world = await startImportWorld(temp, { mailboxes: 1, emulator: { refuseAttachmentsOnNonDraft: true } });
    const big = attachmentFile(temp.dir, 'report.pdf', deterministicBytes('r', 5_000_000));
    const small = attachmentFile(temp.dir, 'small.txt', deterministicBytes('s', 200));
    const withBig = makeEmail(1, [small, big]);
    const plain = makeEmail(2, [small]);
    for (const e of [withBig, plain]) enqueueDeliveries(world.store, world.connector.id, e.archiveKey, world.mailboxes);
    const emails = new Map([withBig, plain].map((e) => [e.archiveKey, e]));
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (k) => emails.get(k)! });
    expect(summary.delivered).toBe(2);
    const items = messagesOf(world, world.mailboxes[0]!).map(({ m }) => m);
    expect(items).toHaveLength(2);
    const big1 = items.find((m) => archiveKeyOf(m) === withBig.archiveKey)!;
    expect(big1.isDraft).toBe(true);
    expect(big1.attachments.map((a) => a.sha256).sort()).toEqual([small.sha256, big.sha256].sort());
    expect(items.find((m) => archiveKeyOf(m) === plain.archiveKey)!.isDraft).toBe(false);
    expect(new DeliveryRepository(world.store).get({ connectorId: world.connector.id, archiveKey: withBig.archiveKey, mailbox: world.mailboxes[0]! })?.note).toBe('landed-as-draft');
  });

  it('completes an item whose large attachment never finished, without a second copy', async () => {
    world = await startImportWorld(temp, { mailboxes: 1 });
    const big = attachmentFile(temp.dir, 'video.mp4', deterministicBytes('v', 7_000_000));
    const email = makeEmail(3, [attachmentFile(temp.dir, 'a.txt', Buffer.from('hello')), big]);
    enqueueDeliveries(world.store, world.connector.id, email.archiveKey, world.mailboxes);
    // Every upload PUT is cut off: the item is created, its big attachment never completes.
    world.emulator.setFaults({ rate: 1, kinds: ['reset'], match: (method, path) => method === 'PUT' && path.startsWith('/upload/') });
    const first = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: () => email, maxAttempts: 2 });
    expect(first.delivered).toBe(0);
    const row = new DeliveryRepository(world.store).get({ connectorId: world.connector.id, archiveKey: email.archiveKey, mailbox: world.mailboxes[0]! })!;
    expect(row.state).toBe('sending');
    expect(row.attachmentsDone).toEqual([0]);
    expect(messagesOf(world, world.mailboxes[0]!)[0]!.m.attachments).toHaveLength(1);
    world.emulator.setFaults(undefined);
    const second = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: () => email });
    expect(second.delivered).toBe(1);
    const items = messagesOf(world, world.mailboxes[0]!);
    expect(items).toHaveLength(1);
    expect(items[0]!.m.attachments.map((a) => a.sha256).sort()).toEqual([createHash('sha256').update('hello').digest('hex'), big.sha256].sort());
  });

  it('honours Retry-After when the service throttles and still delivers each item once', async () => {
    // The service is stricter than the client's own budget: 15 requests per 2 s per mailbox.
    world = await startImportWorld(temp, { mailboxes: 2, emulator: { limits: { requestsPerWindow: 15, requestWindowMs: 2_000 } } });
    const emails = new Map<string, ConvertedEmail>();
    for (let i = 0; i < 25; i++) {
      const email = makeEmail(i);
      emails.set(email.archiveKey, email);
      enqueueDeliveries(world.store, world.connector.id, email.archiveKey, world.mailboxes);
    }
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)!, maxAttempts: 20 });
    expect(world.emulator.counters.throttled).toBeGreaterThan(0);
    expect(summary.delivered).toBe(50);
    for (const mailbox of world.mailboxes) expect(messagesOf(world, mailbox).map(({ m }) => archiveKeyOf(m)).sort()).toEqual([...emails.keys()].sort());
  });

  it('creates Inbox/Symphony once when two workers with separate caches race for it', async () => {
    world = await startImportWorld(temp, { mailboxes: 1, emulator: { latencyMs: 30 } });
    const other = Store.open(path.join(temp.dir, 'other.db'));
    try {
      const otherConnector = new ConnectorRepository(other).create('test');
      const a = new FolderResolver(world.graph, new DeliveryRepository(world.store), world.connector.id, 'Symphony', systemClock);
      const b = new FolderResolver(world.graph, new DeliveryRepository(other), otherConnector.id, 'Symphony', systemClock);
      const ids = await Promise.all([a.ensure(world.mailboxes[0]!), b.ensure(world.mailboxes[0]!), a.ensure(world.mailboxes[0]!)]);
      expect(new Set(ids).size).toBe(1);
      const user = world.emulator.directory.findUser(world.mailboxes[0]!)!;
      const folders = [...world.emulator.directory.mailboxes.get(user.id)!.folders.values()].filter((f) => f.displayName === 'Symphony');
      expect(folders).toHaveLength(1);
    } finally {
      other.dispose();
    }
  });

  it('finds the attachment on the item when the answer to the last chunk of its upload was lost', async () => {
    world = await startImportWorld(temp, { mailboxes: 1 });
    const big = attachmentFile(temp.dir, 'deck.pptx', deterministicBytes('deck', 3_500_000));
    const email = makeEmail(5, [big]);
    enqueueDeliveries(world.store, world.connector.id, email.archiveKey, world.mailboxes);
    let lost = 0;
    world.emulator.setFaults({
      rate: 1,
      kinds: ['lost'],
      match: (method, _path, headers) => {
        const range = /bytes (\d+)-(\d+)\/(\d+)/.exec(String(headers['content-range'] ?? ''));
        return method === 'PUT' && !!range && Number(range[2]) + 1 === Number(range[3]) && lost++ === 0;
      },
    });
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: () => email });
    expect(lost).toBeGreaterThan(0);
    expect(world.emulator.counters.faults.lost).toBe(1);
    expect(summary.delivered).toBe(1);
    const items = messagesOf(world, world.mailboxes[0]!);
    expect(items).toHaveLength(1);
    expect(items[0]!.m.attachments.map((a) => a.sha256)).toEqual([big.sha256]);
  });
});
