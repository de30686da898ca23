import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { DatahoseRepository } from '../../electron/core/store/repos/datahose';
import { canonicalJson, parseJson } from '../../electron/core/symphony/json';
import { type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { bigintJson } from '../../electron/sandbox/emulators/symphony/content';
import { Prng } from '../../electron/sandbox/emulators/prng';
import { v4Message } from '../../electron/sandbox/emulators/symphony/views';
import { TestWorld, addConnector, type TestPod } from '../support/world';
import { itemTotals, lastItemId, storedItems, storedMessageIds } from '../support/store-reads';
import { startCaptureChild, waitForChild, type CaptureChildRun } from '../support/capture-child-run';


type Line = { phase?: string; finished?: { datahose?: { events: number } } };
type Run = CaptureChildRun<Line>;
const startChild = (dataDir: string, connectorId: string): Run => startCaptureChild<Line>(dataDir, connectorId);

describe('Datahose capture killed at random moments', () => {
  const temp = new TestWorld();
  let pod: TestPod;
  let emulator: SymphonyEmulator;

  beforeAll(async () => {
    // The whole history is in the feed, 100 events a batch; an unacknowledged batch comes back at once.
    pod = await temp.pod({
      seed: 'datahose-kill',
      conversations: 120,
      messages: 20_000,
      attachments: 10,
      maxAttachmentBytes: 64 * 1024,
      nonMemberStreams: 20,
      nonMemberRead: 'allow',
      datahose: { feedStart: 'beginning', visibilityTimeoutMs: 0, batchSize: 100, waitMs: 20 },
    });
    emulator = pod.emulator;
  });
  afterAll(() => temp.dispose());

  it('reads 20,000 message events through 20 SIGKILLs and stores every message exactly once', async () => {
    const dataDir = path.join(temp.dir, 'data');
    const paths = appPaths(dataDir);
    const setup = Store.open(paths.database);
    const connectorId = addConnector(setup, { pod, source: 'datahose' }).id;
    setup.dispose();
    const inventory = emulator.pod.inventory();
    const total = inventory.messages.size;
    expect(total).toBe(20_000);

    // Twenty kill moments drawn at random over the run, each when the store reaches a random count of messages.
    const rng = new Prng('datahose-kill-moments');
    const points = Array.from({ length: 20 }, () => rng.int(50, total - 50)).sort((a, b) => a - b);
    const watcher = new BetterSqlite3(paths.database, { readonly: true });
    // The emulator shares this event loop: keep the polling query cheap (MAX(id) is an index seek).
    const itemsSoFar = () => lastItemId({ db: watcher });
    const kills: { at: number; items: number; phase: string }[] = [];
    for (const point of points) {
      // A point already passed (two draws close together) moves just past what is stored, so every kill lands mid-run.
      const at = Math.min(total - 10, Math.max(point, itemsSoFar() + rng.int(20, 200)));
      const run = startChild(dataDir, connectorId);
      await waitForChild(run, () => itemsSoFar() >= at);
      run.child.kill('SIGKILL');
      const exit = await run.exit;
      if (exit.signal !== 'SIGKILL') continue;
      kills.push({ at, items: itemTotals({ db: watcher }).items, phase: String(run.lines.at(-1)?.phase ?? 'start-up') });
    }
    watcher.close();
    if (process.env.SHOW_KILLS) console.log(JSON.stringify(kills));
    expect(kills.length).toBe(20);
    // Every kill landed mid-backlog, after that child had stored batches of its own (the last progress
    // line the parent saw may lag behind: the pipe is read on the same event loop).
    expect(kills.filter((k) => k.items >= k.at && k.items < total)).toHaveLength(20);

    const final = startChild(dataDir, connectorId);
    expect((await final.exit).code).toBe(0);
    expect(final.lines.at(-1)?.finished).toBeDefined();

    const store = Store.open(paths.database);
    try {
      expect(storedMessageIds(store, connectorId)).toEqual([...inventory.messages.keys()].sort());
      // Batches handed out but never acknowledged (the kills) came again, and were absorbed.
      const feed = new DatahoseRepository(store).feed(connectorId)!;
      expect(emulator.datahose.eventsServed).toBeGreaterThan(emulator.pod.log.length);
      expect(feed.events).toBeGreaterThanOrEqual(emulator.pod.log.length);
      expect([...emulator.datahose.feeds.values()].map((f) => f.cursor)).toEqual([emulator.pod.log.length]);
      // Each stored item is the message as the pod sent it, once.
      const items = storedItems(store, connectorId);
      const stored = new Map(items.map((i) => [i.messageId, i.sourceJson]));
      for (const s of emulator.pod.streams.values()) for (const m of s.messages) expect(stored.get(m.id)).toBe(canonicalJson(parseJson(bigintJson(v4Message(emulator.pod, s, m)))));
      expect(items.flatMap((i) => i.attachments).filter((a) => a.status === 'stored').length).toBe(inventory.attachments.length);
    } finally {
      store.dispose();
    }
  });
});
