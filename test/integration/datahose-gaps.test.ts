import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../shared/contract';
import { silentLogger } from '../../electron/core/platform/logger';
import { type Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DatahoseRepository } from '../../electron/core/store/repos/datahose';
import { captureBySource } from '../../electron/core/symphony/sources';
import type { DatahoseSummary } from '../../electron/core/symphony/datahose/capture';
import { type SymphonyEmulator, type EmStream } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, addConnector } from '../support/world';
import { currentMemberIds, storedMessageIds } from '../support/store-reads';

/**
 * A conversation whose member list the pod refuses must not stop the feed: its batch is stored
 * with what the events carry and acknowledged, the missing list is a gap the run reports, and a
 * later run that can read the list fills it.
 */
describe('Datahose with a member list the pod refuses', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let store: Store;
  let connector: Connector;
  let refused: EmStream;
  let other: EmStream;

  const run = async (): Promise<DatahoseSummary> => {
    const summary = await captureBySource({ store, connector: new ConnectorRepository(store).get(connector.id), paths: { spool: path.join(temp.dir, 'spool') }, logger: silentLogger, tuning: { retry: { baseMs: 1, maxMs: 5 } } });
    if (summary.source !== 'datahose') throw new Error(`read through ${summary.source}`);
    return summary;
  };
  const members = (streamId: string) => currentMemberIds(store, connector.id, streamId);
  const podMembers = (s: EmStream) => [...s.members.entries()].filter(([, m]) => !m.left).map(([id]) => id.toString()).sort();
  const feed = () => emulator.datahose.feeds.values().next().value!;
  let eventsOfFirstRun = 0;

  beforeAll(async () => {
    const pod = await temp.pod({ seed: 'datahose-gaps', conversations: 6, messages: 300, attachments: 0, datahose: { feedStart: 'beginning', visibilityTimeoutMs: 0, batchSize: 40, waitMs: 10 } });
    emulator = pod.emulator;
    store = temp.store();
    connector = addConnector(store, { pod, source: 'datahose' });
    const streams = [...emulator.pod.streams.values()].filter((s) => s.messages.length > 0);
    refused = streams.find((s) => s.type === 'ROOM') ?? streams[0]!;
    other = streams.find((s) => s !== refused)!;
    // 400: the one client error membership/list lists, as for a stream of another pod.
    emulator.membershipRefusals.set(refused.id, 400);
  });
  afterAll(async () => {
    store.dispose();
    await emulator.stop();
    await temp.dispose();
  });

  it('stores and acknowledges the batch, with the senders standing in, and reports the gap', async () => {
    const first = await run();
    const inventory = [...emulator.pod.inventory().messages.keys()].sort();
    expect(storedMessageIds(store, connector.id)).toEqual(inventory);
    expect(first.items.new).toBe(300);
    expect(first.datahose.gaps).toEqual({ opened: 1, filled: 0, open: 1 });
    expect(first.warnings.filter((w) => w.includes(refused.id))).toEqual([expect.stringMatching(/member list of conversation .* could not be read \(Symphony answered HTTP 400 \(Stream .* is not a stream of this pod\)\.; 1 attempt since/)]);
    // The feed moved on past the batch that held the refused conversation's events.
    expect(first.datahose.batches).toBeGreaterThan(1);
    eventsOfFirstRun = first.datahose.events;
    // The refused conversation's senders are its members for now; the others have their lists.
    const senders = [...new Set(refused.messages.map((m) => m.sender.toString()))].sort();
    expect(members(refused.id)).toEqual(expect.arrayContaining(senders));
    expect(members(other.id)).toEqual(podMembers(other));
    expect(new DatahoseRepository(store).openGaps(connector.id)).toMatchObject([{ streamId: refused.id, attempts: 1 }]);
  });

  it('a run that still cannot read the list reads the feed on and reports the gap again', async () => {
    emulator.pod.addMessage(refused.id);
    const second = await run();
    expect(second.items.new).toBe(1);
    // Every batch of the first run was acknowledged (the last one by this run's first read):
    // the agent handed out only what is new, nothing came back.
    expect(second.datahose.events).toBe(1);
    expect(feed().acknowledged).toBeGreaterThanOrEqual(eventsOfFirstRun);
    expect(feed().delivered).toBe(eventsOfFirstRun + 1);
    expect(second.datahose.gaps).toEqual({ opened: 0, filled: 0, open: 1 });
    expect(second.warnings.some((w) => w.includes(refused.id) && w.includes('2 attempts'))).toBe(true);
  });

  it('a later run that can read the list fills the gap', async () => {
    emulator.membershipRefusals.delete(refused.id);
    const third = await run();
    expect(third.datahose.gaps).toEqual({ opened: 0, filled: 1, open: 0 });
    expect(third.warnings.some((w) => w.includes(refused.id))).toBe(false);
    expect(members(refused.id)).toEqual(podMembers(refused));
    expect(new DatahoseRepository(store).openGaps(connector.id)).toEqual([]);
    const fourth = await run();
    expect(fourth.datahose.gaps).toEqual({ opened: 0, filled: 0, open: 0 });
  });

  it('a batch the store refuses (a poison batch) is stored event by event, the refused event reported, and acknowledged', async () => {
    const before = storedMessageIds(store, connector.id).length;
    const poison = emulator.pod.addMessage(other.id);
    const fine = [emulator.pod.addMessage(other.id), emulator.pod.addMessage(refused.id)];
    // A real refusal by SQLite (SQLITE_CONSTRAINT_TRIGGER) for this one message's row.
    store.db.exec(`CREATE TEMP TRIGGER poison BEFORE INSERT ON items WHEN NEW.message_id = '${poison.id}' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`);
    try {
      const summary = await run();
      expect(summary.items.new).toBe(2);
      expect(storedMessageIds(store, connector.id)).toEqual(expect.arrayContaining(fine.map((m) => m.id)));
      expect(storedMessageIds(store, connector.id)).not.toContain(poison.id);
      expect(storedMessageIds(store, connector.id).length).toBe(before + 2);
      expect(summary.datahose.unreadable).toBe(1);
      expect(summary.results.find((r) => r.streamId === other.id)?.error?.message).toMatch(/could not store Datahose event .*poisoned row.*skipped so that the feed goes on/);
    } finally {
      store.db.exec('DROP TRIGGER poison');
    }
    // The batch was acknowledged: the feed goes on, nothing comes again.
    const next = await run();
    expect(next.datahose.events).toBe(0);
    expect(next.items.new).toBe(0);
  });
});
