import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../shared/contract';
import { ArchiverError } from '../../shared/errors';
import { systemClock } from '../../electron/core/platform/clock';
import { silentLogger } from '../../electron/core/platform/logger';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DatahoseRepository } from '../../electron/core/store/repos/datahose';
import { SymphonyClient } from '../../electron/core/symphony/client';
import { datahoseTag, readBatch, readBody } from '../../electron/core/symphony/datahose/feed';
import { captureHandlers } from '../../electron/core/symphony/handlers';
import { captureBySource, type SourceSummary } from '../../electron/core/symphony/sources';
import { attachmentSha256, type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, addConnector, withSource } from '../support/world';
import { captureInto, openCaptureArchive, type CaptureArchive } from '../support/world-recipes';
import { currentMemberIds, itemFingerprints, itemsFromNonMembers, storedItems, storedMessageIds } from '../support/store-reads';
import { expectedSourceJson } from '../support/expected-source';

interface Db extends CaptureArchive {
  repo: DatahoseRepository;
  capture: CaptureRepository;
}

describe('Datahose source', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let keyPath: string;
  let main: Db;

  const openDb = (name: string, source: 'datahose' | 'streams' = 'datahose'): Db => {
    const archive = openCaptureArchive(temp, name, { url: emulator.url, keyPath }, source);
    return { ...archive, repo: new DatahoseRepository(archive.store), capture: new CaptureRepository(archive.store) };
  };
  const run = (db: Db) => captureInto(db, { timeoutMs: 2000, retry: { baseMs: 10, maxMs: 100 } });
  const admin = async (route: string, body: unknown = {}) => {
    const res = await fetch(`${emulator.url}/__admin${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const rows = (db: Db) => itemFingerprints(db.store, db.connector.id, { withEdits: false });
  const inventoryIds = () => [...emulator.pod.inventory().messages.keys()].sort();

  beforeAll(async () => {
    const pod = await temp.pod({
      seed: 'datahose',
      conversations: 30,
      messages: 3000,
      attachments: 15,
      nonMemberStreams: 6,
      externalUsers: 6,
      maxAttachmentBytes: 256 * 1024,
      datahose: { feedStart: 'beginning', visibilityTimeoutMs: 0, batchSize: 100, waitMs: 20 },
    });
    emulator = pod.emulator;
    keyPath = pod.keyPath;
    main = openDb('main');
  });
  afterAll(() => temp.dispose());

  it('captures every conversation of the pod, member or not, each message once, as the member reader stores it', async () => {
    const summary = await run(main);
    if (summary.source !== 'datahose') throw new Error(`read through ${summary.source}`);
    const inventory = emulator.pod.inventory();
    expect(storedMessageIds(main.store, main.connector.id)).toEqual(inventoryIds());
    expect(summary.items.new).toBe(3000);
    expect(summary.datahose).toMatchObject({ events: emulator.pod.log.length, batches: Math.ceil(emulator.pod.log.length / 100), unreadable: 0, firstRead: true });
    expect(summary.conversations).toMatchObject({ listed: 30, new: 30, failed: 0 });

    // Same item as the v4 read gives: the canonical V4Message and its hash.
    for (const id of inventory.messages.keys()) expect(main.capture.itemByMessageId(main.connector.id, id)!.sourceJson).toBe(expectedSourceJson(emulator.pod, id));
    // Attachments through the shared download step; those of conversations the account is not
    // in are refused by this agent (nonMemberRead 'forbidden') and failed with the reason.
    const outside = new Set(inventory.attachments.filter((a) => !emulator.pod.streams.get(inventory.messages.get(a.messageId)!.streamId)!.members.has(emulator.pod.serviceAccount.id)).map((a) => a.id));
    expect(outside.size).toBeGreaterThan(0);
    // A refusal is retried on later runs like any failure (the account may join meanwhile).
    expect(summary.attachments).toMatchObject({ stored: 15 - outside.size, failed: 0, pending: outside.size });
    for (const a of inventory.attachments) {
      const stored = main.capture.itemByMessageId(main.connector.id, a.messageId)!.attachments.find((x) => x.attachmentId === a.id)!;
      if (outside.has(a.id)) {
        expect(stored).toMatchObject({ status: 'pending', failure: expect.stringMatching(/HTTP 403.*only from conversations it is a member of.*Content Export/) });
        continue;
      }
      expect(stored).toMatchObject({ status: 'stored', size: a.size, sha256: attachmentSha256(a) });
      expect(fs.statSync(stored.spoolPath!).size).toBe(a.size);
    }
    // Conversations the account is not in, with their members, names and kinds.
    const nonMember = [...emulator.pod.streams.values()].filter((s) => !s.members.has(emulator.pod.serviceAccount.id));
    expect(nonMember).toHaveLength(6);
    for (const s of emulator.pod.streams.values()) {
      const c = main.capture.conversations.conversation(main.connector.id, s.id)!;
      expect(c).toMatchObject({ streamType: s.type, name: s.name, external: s.external });
      expect(currentMemberIds(main.store, main.connector.id, s.id)).toEqual([...s.members.entries()].filter(([, m]) => !m.left).map(([id]) => id.toString()).sort());
    }
    expect(storedItems(main.store, main.connector.id).filter((i) => i.sender.email === '').length).toBe(0);
    // The ackId of the last batch is stored, to acknowledge it with the next read.
    const feed = main.repo.feed(main.connector.id)!;
    expect(feed).toMatchObject({ tag: datahoseTag(main.connector.id), events: emulator.pod.log.length });
    expect(feed.ackId).not.toBe('');
  });

  it('a later run reads only what is new; suppressions are recorded beside the archived items, which stay as they were', async () => {
    const before = rows(main);
    const streams = [...emulator.pod.streams.values()];
    const member = streams.filter((s) => s.members.has(emulator.pod.serviceAccount.id) && s.messages.length > 0);
    const outsider = streams.find((s) => !s.members.has(emulator.pod.serviceAccount.id) && s.messages.length > 0)!;
    const targets = [member[0]!, member[3]!, outsider].map((s) => ({ streamId: s.id, messageId: s.messages[0]!.id }));
    for (const t of targets) await admin(`/streams/${t.streamId}/messages/${t.messageId}/suppress`);
    const added = [emulator.pod.addMessage(member[1]!.id).id, emulator.pod.addMessage(outsider.id).id];
    const room = streams.find((s) => s.type === 'ROOM')!;
    emulator.pod.renameRoom(room.id, 'Renamed — desk ✓');

    const summary = await run(main);
    if (summary.source !== 'datahose') throw new Error('not datahose');
    expect(summary.items.new).toBe(2);
    expect(summary.datahose).toMatchObject({ events: 6, suppressions: 3, firstRead: false });
    for (const t of targets) {
      expect(main.repo.suppression(main.connector.id, t.messageId)).toMatchObject({ streamId: t.streamId, suppressedBy: emulator.pod.serviceAccount.id.toString(), source: 'datahose' });
      expect(main.capture.itemByMessageId(main.connector.id, t.messageId)).toBeDefined();
    }
    expect([...main.repo.suppressionsOf(main.connector.id, [...targets.map((t) => t.messageId), added[0]!]).keys()].sort()).toEqual(targets.map((t) => t.messageId).sort());
    // Nothing archived was deleted or changed.
    const after = new Set(rows(main));
    for (const r of before) expect(after.has(r)).toBe(true);
    expect(storedMessageIds(main.store, main.connector.id)).toEqual(inventoryIds());
    expect(main.capture.conversations.conversation(main.connector.id, room.id)!.name).toBe('Renamed — desk ✓');

    // A suppression seen again (re-delivered) is recorded once.
    const again = await run(main);
    if (again.source !== 'datahose') throw new Error('not datahose');
    expect(again.items.new).toBe(0);
    expect(main.repo.suppressionCount(main.connector.id)).toBe(3);
  });

  it('an ackId the agent no longer knows (its feed recreated) is dropped, not fatal', async () => {
    main.store.db.prepare("UPDATE datahose_feeds SET ack_id = 'not-issued-by-this-feed' WHERE connector_id = ?").run(main.connector.id);
    const before = emulator.counters.statuses['400'] ?? 0;
    const summary = await run(main);
    expect(emulator.counters.statuses['400']).toBe(before + 1);
    expect(summary.items.new).toBe(0);
    expect(main.repo.feed(main.connector.id)!.ackId).not.toBe('not-issued-by-this-feed');
    expect(storedMessageIds(main.store, main.connector.id)).toEqual(inventoryIds());
  });

  it('one connector read through member streams, then Datahose, then member streams again stores each message once', async () => {
    const both = openDb('both', 'streams');
    const first = await run(both);
    expect(first.source).toBe('streams');
    // The member reader cannot read the six conversations the account is not in.
    expect(first.conversations.failed).toBe(6);
    const nonMemberMessages = [...emulator.pod.streams.values()].filter((s) => !s.members.has(emulator.pod.serviceAccount.id)).reduce((n, s) => n + s.messages.length, 0);
    const total = emulator.pod.inventory().messages.size;
    expect(first.items.new).toBe(total - nonMemberMessages);
    const memberRows = rows(both);

    both.connector = withSource(both.store, both.connector, 'datahose');
    const second = await run(both);
    if (second.source !== 'datahose') throw new Error('not datahose');
    // Datahose delivered every message of the pod; only those the member reader could not read were new.
    expect(second.datahose.events).toBe(emulator.pod.log.length);
    expect(second.items.new).toBe(nonMemberMessages);
    expect(storedMessageIds(both.store, both.connector.id)).toEqual(inventoryIds());
    const after = new Set(rows(both));
    for (const r of memberRows) expect(after.has(r)).toBe(true);

    both.connector = withSource(both.store, both.connector, 'streams');
    const third = await run(both);
    expect(third.items.new).toBe(0);
    expect(rows(both)).toEqual([...after].sort());
  });

  it('a pod without Datahose: capture and connection test say so, with the fix; a probe takes nothing from the archive', async () => {
    const db = openDb('entitlement');
    const handlers = captureHandlers({ store: db.store, connectors: new ConnectorRepository(db.store), logger: silentLogger, clock: systemClock });
    await admin('/datahose', { entitled: false });
    try {
      const error = await run(db).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(ArchiverError.is(error)).toBe(true);
      expect((error as ArchiverError).toValue()).toMatchObject({ code: 'permission-denied', target: 'settings.symphony.source', message: expect.stringMatching(/^Datahose is not enabled for this pod or service account \(HTTP 403\)/), fix: expect.stringMatching(/paid add-on/) });
      expect(storedMessageIds(db.store, db.connector.id)).toEqual([]);

      const test = await handlers['capture.testConnection']({ connectorId: db.connector.id });
      expect(test.ok).toBe(false);
      const step = test.steps.find((s) => s.step === 'datahose')!;
      expect(step).toMatchObject({ status: 'failed', message: expect.stringMatching(/Datahose is not enabled/) });
      expect(step.error?.fix).toMatch(/Datahose entitlements/);
      expect(test.steps.filter((s) => s.step !== 'datahose').every((s) => s.status === 'ok')).toBe(true);
    } finally {
      await admin('/datahose', { entitled: true });
    }

    // Entitled: the probe reads the connector's own feed and is handed a batch it never acknowledges.
    const test = await handlers['capture.testConnection']({ connectorId: db.connector.id });
    expect(test.ok).toBe(true);
    expect(test.steps.find((s) => s.step === 'datahose')!.message).toMatch(/100 events are waiting for the next capture/);
    expect(db.repo.feed(db.connector.id)).toBeUndefined();
    // The batch the probe saw comes again: the capture stores the whole pod.
    await run(db);
    expect(storedMessageIds(db.store, db.connector.id)).toEqual(inventoryIds());
    // A member-stream connector's test has no Datahose step.
    const streams = openDb('streams-test', 'streams');
    const plain = await captureHandlers({ store: streams.store, connectors: new ConnectorRepository(streams.store), logger: silentLogger, clock: systemClock })['capture.testConnection']({ connectorId: streams.connector.id });
    expect(plain.steps.map((s) => s.step)).not.toContain('datahose');
  });

  it('with faults on a fifth of the reads, every message is stored once and re-delivered batches are absorbed', async () => {
    const db = openDb('faults');
    const served = emulator.datahose.eventsServed;
    emulator.resetCounters();
    emulator.faults.set({ rate: 0.2, paths: /\/agent\/v5\/events\/read$/, kinds: ['500', '503', '429', 'truncate', 'short', 'expire'], retryAfterSeconds: 0, seed: 5 });
    let summary: SourceSummary;
    try {
      summary = await run(db);
    } finally {
      emulator.faults.set({});
    }
    expect(Object.values(emulator.counters.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
    expect(summary.retries).toBeGreaterThan(0);
    // Answers cut off after the batch was handed out were re-delivered, and stored once.
    expect(emulator.datahose.eventsServed - served).toBeGreaterThan(emulator.pod.log.length);
    expect(storedMessageIds(db.store, db.connector.id)).toEqual(inventoryIds());
    expect(db.repo.suppressionCount(db.connector.id)).toBe(3);
  });

  it('a batch read and never acknowledged comes back after the visibility timeout, in a later run', async () => {
    const db = openDb('visibility');
    await admin('/datahose', { visibilityTimeoutMs: 1000 });
    try {
      const served = emulator.datahose.eventsServed;
      // A reader that died after reading a batch, before storing it.
      const client = new SymphonyClient(db.connector.settings.symphony, { logger: silentLogger });
      const lost = await readBatch(client, readBody(datahoseTag(db.connector.id), ''));
      await client.close();
      expect(lost.events).toHaveLength(100);
      const first = await run(db);
      // Whether the batch came back within that run depends on its length; after the timeout it has.
      await new Promise((r) => setTimeout(r, 1100));
      const second = await run(db);
      expect(first.items.new + second.items.new).toBe(emulator.pod.inventory().messages.size);
      expect(storedMessageIds(db.store, db.connector.id)).toEqual(inventoryIds());
      expect(emulator.datahose.eventsServed - served).toBeGreaterThanOrEqual(emulator.pod.log.length + 100);
    } finally {
      await admin('/datahose', { visibilityTimeoutMs: 0 });
    }
  });

  it('a new feed starts now: the first run says so and stores nothing older, later messages arrive', async () => {
    const db = openDb('from-now');
    await admin('/datahose', { feedStart: 'now' });
    try {
      const first = await run(db);
      if (first.source !== 'datahose') throw new Error('not datahose');
      expect(first.items.new).toBe(0);
      expect(first.datahose.firstRead).toBe(true);
      expect(first.warnings.join(' ')).toMatch(/starts now, so messages sent before .* come only from the member-stream reader or Content Export/);
      expect(db.repo.feed(db.connector.id)).toBeDefined();
      const stream = [...emulator.pod.streams.values()].filter((s) => s.members.has(emulator.pod.serviceAccount.id))[4]!;
      const added = [emulator.pod.addMessage(stream.id).id, emulator.pod.addMessage(stream.id, { attachmentSizes: [3000] }).id];
      const second = await run(db);
      expect(second.items.new).toBe(2);
      expect(second.attachments.stored).toBe(1);
      expect(storedMessageIds(db.store, db.connector.id)).toEqual([...added].sort());
    } finally {
      await admin('/datahose', { feedStart: 'beginning' });
    }
  });
});

describe('Datahose on a busy pod and without the admin role', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let store: Store;
  let connector: Connector;

  beforeAll(async () => {
    // Half the history lies after "now": the feed is never empty, as on a pod that keeps talking.
    const now = Date.now();
    const pod = await temp.pod({
      seed: 'datahose-busy',
      conversations: 8,
      messages: 600,
      attachments: 0,
      start: now - 3600_000,
      end: now + 3600_000,
      datahose: { feedStart: 'beginning', visibilityTimeoutMs: 0, batchSize: 50, waitMs: 20 },
    });
    emulator = pod.emulator;
    store = Store.open(path.join(temp.dir, 'db', 'archiver.db'));
    connector = addConnector(store, { pod, source: 'datahose' });
  });
  afterAll(async () => {
    store.dispose();
    await emulator.stop();
    await temp.dispose();
  });

  it('ends a run once the feed reaches the moment the run began, and the next run goes on from there', async () => {
    // Without the admin role the member lists are refused: senders and room events stand in.
    const roles = emulator.pod.serviceAccount.roles;
    emulator.pod.serviceAccount.roles = ['INDIVIDUAL'];
    try {
      const started = Date.now();
      const first = await captureBySource({ store, connector, paths: { spool: path.join(temp.dir, 'spool') }, logger: silentLogger });
      if (first.source !== 'datahose') throw new Error('not datahose');
      const stored = new Set(storedMessageIds(store, connector.id));
      const inventory = emulator.pod.inventory().messages;
      const before = [...inventory].filter(([, m]) => m.timestamp < started).map(([id]) => id);
      expect(before.length).toBeGreaterThan(100);
      for (const id of before) expect(stored.has(id)).toBe(true);
      expect(stored.size).toBeLessThan(inventory.size);
      expect(first.datahose.events % 50).toBe(0);

      const second = await captureBySource({ store, connector, paths: { spool: path.join(temp.dir, 'spool') }, logger: silentLogger });
      if (second.source !== 'datahose') throw new Error('not datahose');
      expect(second.datahose.events).toBe(50);
      expect(second.items.new).toBeGreaterThan(0);
      expect(storedMessageIds(store, connector.id).length).toBe(stored.size + second.items.new);

      // Every sender is a member of the conversations it wrote in, though no member list was read.
      expect(itemsFromNonMembers(store, connector.id)).toBe(0);
      expect(emulator.counters.statuses['403']).toBeGreaterThan(0);
    } finally {
      emulator.pod.serviceAccount.roles = roles;
    }
  });
});
