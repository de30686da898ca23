import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { attachmentSha256, type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { Prng } from '../../electron/sandbox/emulators/prng';
import { TestWorld, addConnector, type TestPod } from '../support/world';
import { startCaptureChild, waitForChild, type CaptureChildRun } from '../support/capture-child-run';
import { lastItemId, storedAttachmentCount, storedMessageIds } from '../support/store-reads';

// Small pages: a conversation takes several transactions, so kills land between and inside them.
const TUNING = JSON.stringify({ pageSize: 40, conversationConcurrency: 3, attachmentConcurrency: 2 });

type Line = { phase?: string; finished?: unknown };
type Run = CaptureChildRun<Line>;
const startChild = (dataDir: string, connectorId: string): Run => startCaptureChild<Line>(dataDir, connectorId, TUNING);

describe('capture killed at random moments', () => {
  const temp = new TestWorld();
  let pod: TestPod;
  let emulator: SymphonyEmulator;

  beforeAll(async () => {
    pod = await temp.pod({ seed: 'kill', conversations: 50, messages: 5000, attachments: 50, maxAttachmentBytes: 768 * 1024, hugeAttachments: 1 });
    emulator = pod.emulator;
  });
  afterAll(() => temp.dispose());

  it('ends, after 20+ SIGKILLs and a final run, with every message stored exactly once', async () => {
    const dataDir = path.join(temp.dir, 'data');
    const paths = appPaths(dataDir);
    const setup = Store.open(paths.database);
    const connectorId = addConnector(setup, { pod }).id;
    setup.dispose();
    const inventory = emulator.pod.inventory();
    const total = inventory.messages.size;

    // Kill points spread over the whole capture: two during start-up and login, then each time the
    // store reaches the next share of the messages, then of the attachment downloads. The child
    // is killed the moment the parent sees that progress, i.e. in the middle of its work.
    const rng = new Prng('kill-moments');
    const watcher = new BetterSqlite3(paths.database, { readonly: true });
    // The emulator shares this event loop: keep the polling queries cheap (MAX(id) is an index seek).
    const itemsSoFar = () => lastItemId({ db: watcher });
    const storedSoFar = () => storedAttachmentCount({ db: watcher });
    const progress = () => ({ items: itemsSoFar(), stored: storedSoFar() });
    const points: ({ kind: 'time'; ms: number } | { kind: 'items' | 'stored'; at: number })[] = [
      { kind: 'time', ms: rng.int(100, 600) },
      { kind: 'time', ms: rng.int(600, 1200) },
      ...Array.from({ length: 14 }, (_, i) => ({ kind: 'items' as const, at: Math.floor((total * (i + 1)) / 15) - rng.int(0, 50) })),
      ...Array.from({ length: 6 }, (_, i) => ({ kind: 'stored' as const, at: Math.floor((50 * (i + 1)) / 7) })),
    ];
    const kills: { point: string; phase: string; items: number; stored: number }[] = [];
    for (const point of points) {
      const run = startChild(dataDir, connectorId);
      if (point.kind === 'time') await new Promise((r) => setTimeout(r, point.ms));
      else await waitForChild(run, () => (point.kind === 'items' ? itemsSoFar() : storedSoFar()) >= point.at);
      run.child.kill('SIGKILL');
      const exit = await run.exit;
      // A child that finished before its kill moment is not a kill point.
      if (exit.signal !== 'SIGKILL') continue;
      const now = progress();
      kills.push({ point: `${point.kind}:${'ms' in point ? point.ms : point.at}`, phase: String(run.lines.at(-1)?.phase ?? 'start-up'), ...now });
    }
    watcher.close();
    if (process.env.SHOW_KILLS) console.log(JSON.stringify(kills));
    expect(kills.length).toBeGreaterThanOrEqual(20);
    // Real kill points: while messages were being stored and while attachments were downloading.
    expect(kills.filter((k) => k.items > 0 && k.items < total).length).toBeGreaterThanOrEqual(12);
    expect(kills.filter((k) => k.items === total && k.stored > 0 && k.stored < 50).length).toBeGreaterThanOrEqual(4);

    const final = startChild(dataDir, connectorId);
    expect((await final.exit).code).toBe(0);

    const store = Store.open(paths.database);
    try {
      const repo = new CaptureRepository(store);
      expect(storedMessageIds(store, connectorId)).toEqual([...inventory.messages.keys()].sort());
      expect(repo.counts(connectorId)).toMatchObject({ items: total, attachments: { pending: 0, stored: 50, failed: 1 } });
      for (const a of inventory.attachments.filter((x) => x.declaredSize <= 150 * 1024 * 1024)) {
        const stored = repo.itemByMessageId(connectorId, a.messageId)!.attachments.find((x) => x.attachmentId === a.id)!;
        expect(stored.sha256).toBe(attachmentSha256(a));
        expect(fs.statSync(stored.spoolPath!).size).toBe(a.size);
      }
      // Interrupted downloads leave no half files behind once their attachment is stored.
      expect(fs.readdirSync(path.join(paths.spool, connectorId)).filter((f) => f.endsWith('.part'))).toEqual([]);
      for (const s of emulator.pod.streams.values()) {
        const checkpoint = repo.conversations.checkpoint(connectorId, s.id)!;
        const last = s.messages.at(-1)!;
        expect(checkpoint.since).toBe(last.timestamp);
        expect(checkpoint.skip).toBe(s.messages.filter((m) => m.timestamp === last.timestamp).length);
      }
    } finally {
      store.dispose();
    }
  });
});
