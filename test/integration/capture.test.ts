import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import type { CaptureSummary, CaptureTuning } from '../../electron/core/symphony/source';
import { sha256Hex } from '../../electron/core/symphony/json';
import { attachmentSha256, type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { TestWorld } from '../support/world';
import { captureInto, openCaptureArchive, type CaptureArchive } from '../support/world-recipes';
import { itemFingerprints, storedItems, storedMessageIds } from '../support/store-reads';

interface Db extends CaptureArchive {
  repo: CaptureRepository;
}

describe('capture of a 200-conversation, 20,000-message, 300-attachment pod', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let keyPath: string;
  let main: Db;
  /** The message edited after the first capture: the pod now serves it with `replacedBy`. */
  let editedLater = '';

  const openDb = (name: string): Db => {
    const archive = openCaptureArchive(temp, name, { url: emulator.url, keyPath });
    return { ...archive, repo: new CaptureRepository(archive.store) };
  };
  const capture = (db: Db, tuning?: Partial<CaptureTuning>) => captureInto(db, tuning);
  const messageIds = (db: Db) => storedMessageIds(db.store, db.connector.id);
  const fingerprint = (db: Db, withSource = true) => itemFingerprints(db.store, db.connector.id, { withSource });

  beforeAll(async () => {
    const pod = await temp.pod({
      seed: 'acceptance',
      conversations: 200,
      messages: 20_000,
      attachments: 300,
      hugeAttachments: 1,
      burst: 600,
      internalUsers: 80,
      externalUsers: 15,
      maxAttachmentBytes: 512 * 1024,
    });
    emulator = pod.emulator;
    keyPath = pod.keyPath;
    main = openDb('main');
  });
  afterAll(() => temp.dispose());

  it('stores every message exactly once, with verified attachments and a hashed canonical source', async () => {
    const inventory = emulator.pod.inventory();
    expect(inventory.messages.size).toBe(20_000);
    expect(inventory.attachments.length).toBe(301);
    const summary = await capture(main);

    expect(summary.conversations).toEqual({ listed: 200, new: 200, failed: 0 });
    expect(summary.items.new).toBe(20_000);
    expect(messageIds(main)).toEqual([...inventory.messages.keys()].sort());
    const items = storedItems(main.store, main.connector.id);
    const perStream = new Map<string, number>();
    for (const item of items) perStream.set(item.streamId, (perStream.get(item.streamId) ?? 0) + 1);
    for (const [streamId, n] of perStream) expect(n).toBe(emulator.pod.streams.get(streamId)!.messages.length);
    // The burst stream needed more than one page at a single timestamp.
    expect(Math.max(...perStream.values())).toBeGreaterThan(500);

    // Attachments: each stored file has the emulator's bytes; the one over 150 MB is failed, with its reason.
    expect(summary.attachments).toMatchObject({ stored: 300, failed: 1, pending: 0 });
    for (const a of inventory.attachments) {
      const item = main.repo.itemByMessageId(main.connector.id, a.messageId)!;
      const stored = item.attachments.find((x) => x.attachmentId === a.id)!;
      if (a.declaredSize > 150 * 1024 * 1024) {
        expect(stored.status).toBe('failed');
        expect(stored.failure).toMatch(/over the 150 MB limit/);
        expect(stored.spoolPath).toBeNull();
        continue;
      }
      expect(stored).toMatchObject({ status: 'stored', size: a.size, sha256: attachmentSha256(a) });
      expect(stored.spoolPath!.startsWith(path.join(main.spool, main.connector.id))).toBe(true);
      expect(fs.statSync(stored.spoolPath!).size).toBe(a.size);
    }
    expect(emulator.counters.attachmentBytesServed).toBeLessThan(150 * 1024 * 1024);

    // Chain of custody: the stored source is canonical JSON whose hash is recorded, int64 ids exact.
    for (const item of items) expect(sha256Hex(item.sourceJson)).toBe(item.sourceSha256);
    const bigSender = [...emulator.pod.users.values()].find((u) => u.id > 2n ** 53n && [...emulator.pod.streams.values()].some((s) => s.messages.some((m) => m.sender === u.id)))!;
    const bigItems = items.filter((i) => i.sender.userId === bigSender.id.toString());
    expect(bigItems.length).toBeGreaterThan(0);
    expect(bigItems[0]!.sourceJson).toContain(`"userId":${bigSender.id.toString()}`);

    // Edits: both the original and the edit are kept, linked.
    const edits = [...emulator.pod.streams.values()].flatMap((s) => s.messages.filter((m) => m.replacing));
    expect(edits.length).toBeGreaterThan(100);
    for (const e of edits) expect(main.repo.itemByMessageId(main.connector.id, e.id)!.replacesMessageId).toBe(e.replacing);
    const storedIds = new Set(items.map((i) => i.messageId));
    expect(items.filter((i) => i.replacesMessageId !== null && !storedIds.has(i.replacesMessageId))).toEqual([]);

    // Senders: every one known by e-mail, including other firms' users and people who left.
    const leavers = [...emulator.pod.streams.values()].flatMap((s) => s.messages.filter((m) => s.members.get(m.sender)?.left));
    expect(leavers.length).toBeGreaterThan(0);
    expect(items.filter((i) => i.sender.email === '').length).toBe(0);
    expect(new Set(items.filter((i) => i.sender.external).map((i) => i.sender.userId)).size).toBeGreaterThan(0);
  });

  it('offers readers: items in (stream, timestamp) order page by page, one item with its conversation, counts', () => {
    let count = 0;
    let previous: { streamId: string; timestamp: number; id: number } | undefined;
    for (const item of main.repo.iterateItems(main.connector.id, 777)) {
      if (previous) {
        const ordered = previous.streamId < item.streamId || (previous.streamId === item.streamId && (previous.timestamp < item.timestamp || (previous.timestamp === item.timestamp && previous.id < item.id)));
        expect(ordered).toBe(true);
      }
      previous = item;
      count++;
    }
    expect(count).toBe(20_000);
    const room = [...emulator.pod.streams.values()].find((s) => s.type === 'ROOM' && s.messages.length > 0)!;
    const first = main.repo.itemByMessageId(main.connector.id, room.messages[0]!.id)!;
    const { item, conversation } = main.repo.itemWithConversation(first.id)!;
    expect(item.presentationML).toBe(room.messages[0]!.message);
    expect(item.entityJSON).toBe(room.messages[0]!.data);
    expect(conversation).toMatchObject({ streamId: room.id, streamType: 'ROOM', name: room.name });
    expect(conversation.members.map((m) => m.userId).sort()).toEqual([...room.members.keys()].map(String).sort());
    const summaries = main.repo.conversations.summaries(main.connector.id);
    expect(summaries).toHaveLength(200);
    expect(summaries.reduce((n, s) => n + s.items, 0)).toBe(20_000);
    expect(summaries.reduce((n, s) => n + s.attachmentsFailed, 0)).toBe(1);
  });

  it('a second capture stores nothing new and reads each conversation once', async () => {
    const before = fingerprint(main);
    emulator.resetCounters();
    const summary = await capture(main);
    expect(summary.items.new).toBe(0);
    expect(summary.conversations.new).toBe(0);
    expect(summary.attachments.stored).toBe(0);
    expect(emulator.counters.requests.messages).toBe(200);
    expect(emulator.counters.requests.attachment ?? 0).toBe(0);
    expect(fingerprint(main)).toEqual(before);
  });

  it('a third capture picks up what was added after the second: messages, an edit, an attachment, a new conversation', async () => {
    const streams = [...emulator.pod.streams.values()].slice(0, 5);
    const added: string[] = [];
    for (const s of streams) for (let i = 0; i < 3; i++) added.push(emulator.pod.addMessage(s.id).id);
    added.push(emulator.pod.addMessage(streams[0]!.id, { attachmentSizes: [5000] }).id);
    const edited = streams[1]!.messages.find((m) => !m.replacing && !m.replacedBy)!;
    editedLater = edited.id;
    added.push(emulator.pod.addMessage(streams[1]!.id, { edits: edited.id }).id);
    const users = [...emulator.pod.users.values()].filter((u) => u.accountType === 'NORMAL');
    const fresh = emulator.pod.addStream({ type: 'MIM', members: [users[0]!.id, users[1]!.id, users[2]!.id] });
    for (let i = 0; i < 4; i++) added.push(emulator.pod.addMessage(fresh.id).id);

    const summary = await capture(main);
    expect(summary.items.new).toBe(added.length);
    expect(summary.conversations).toMatchObject({ listed: 201, new: 1, failed: 0 });
    expect(summary.attachments.stored).toBe(1);
    expect(messageIds(main)).toEqual([...emulator.pod.inventory().messages.keys()].sort());
    expect(main.repo.itemByMessageId(main.connector.id, added[16]!)!.replacesMessageId).toBe(edited.id);
  });

  it('with faults on 10% of calls, a capture into a fresh database ends with the same result', async () => {
    const faulty = openDb('faulty');
    emulator.resetCounters();
    emulator.faults.set({ rate: 0.1, retryAfterSeconds: 1, slowMs: 1500, seed: 11 });
    let summary: CaptureSummary;
    try {
      summary = await capture(faulty, { timeoutMs: 1000, retry: { baseMs: 20, maxMs: 200 } });
    } finally {
      emulator.faults.set({});
    }
    const injected = Object.values(emulator.counters.faults).reduce((a, b) => a + b, 0);
    const calls = Object.values(emulator.counters.requests).reduce((a, b) => a + b, 0);
    expect(injected / calls).toBeGreaterThan(0.05);
    expect(Object.keys(emulator.counters.faults).sort()).toEqual(['429', '500', '503', 'expire', 'short', 'slow', 'truncate']);
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.conversations.failed).toBe(0);
    expect(summary.items.new).toBe(emulator.pod.inventory().messages.size);
    expect(fingerprint(faulty, false)).toEqual(fingerprint(main, false));
    // The source hashes agree too, except for the message edited after the first capture: it
    // is now served with `replacedBy`, and each capture keeps the source exactly as received.
    const hashes = (db: Db) => new Map(storedItems(db.store, db.connector.id).map((i) => [i.messageId, i.sourceSha256]));
    const a = hashes(main);
    const b = hashes(faulty);
    expect([...a.keys()].filter((id) => a.get(id) !== b.get(id))).toEqual([editedLater]);
    expect(faulty.repo.itemByMessageId(faulty.connector.id, editedLater)!.sourceJson).toContain('"replacedBy"');
    expect(main.repo.itemByMessageId(main.connector.id, editedLater)!.sourceJson).not.toContain('"replacedBy"');
  });
});
