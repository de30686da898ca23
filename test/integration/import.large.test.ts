import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueDeliveries, importDeliveries } from '../../electron/core/graph/importer';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { TestWorld } from '../support/world';
import { attachmentFile, deterministicBytes, makeEmail, writeDeterministicFile } from '../support/import-fixtures';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';
import { expectExactlyOnce } from '../support/import-verify';

const MB = 1024 * 1024;

describe('import of large attachments (20 items of 20–140 MB)', () => {
  let temp: TestWorld;
  let world: ImportWorld;
  beforeAll(async () => {
    temp = new TestWorld();
    // Five minutes of upload budget scaled down to one second, on both sides, so the test is quick
    // while the budget is still enforced and respected.
    world = await startImportWorld(temp, {
      mailboxes: 5,
      requestTimeoutMs: 30_000,
      limits: { uploadWindowMs: 1_000 },
      emulator: {
        blobDir: path.join(temp.dir, 'blobs'),
        limits: { uploadWindowMs: 1_000, maxItemBytes: 150 * MB },
        faults: { rate: 0.1, kinds: ['503', 'reset', 'lost'], seed: 9, match: (method, p) => method === 'PUT' || p.endsWith('/createUploadSession') || p.endsWith('/messages') },
      },
    });
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('streams every file in 320 KiB-multiple chunks and lands it byte-identical, once, within the upload budget', async () => {
    const emails = new Map<string, ConvertedEmail>();
    const expected = new Map<string, string[]>();
    for (let i = 0; i < 20; i++) {
      const size = 20 * MB + Math.round((i * 120 * MB) / 19) - (i === 19 ? 1 : 0) + i * 13;
      const file = path.join(temp.dir, `large-${i}.bin`);
      const sha256 = await writeDeterministicFile(file, `large-${i}`, Math.min(size, 140 * MB));
      const big = { filename: `recording-${i}.mp4`, contentType: 'video/mp4', path: file, size: fs.statSync(file).size, sha256, inline: false };
      const email = makeEmail(10_000 + i, [attachmentFile(temp.dir, `cover-${i}.txt`, deterministicBytes(`cover${i}`, 900)), big]);
      emails.set(email.archiveKey, email);
      const mailbox = world.mailboxes[i % world.mailboxes.length]!;
      expected.set(email.archiveKey, [mailbox]);
      enqueueDeliveries(world.store, world.connector.id, email.archiveKey, [mailbox]);
    }
    const sizes = [...emails.values()].map((e) => e.attachments[1]!.size);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(20 * MB);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(140 * MB);

    let peakRss = 0;
    const baseline = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    try {
      const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)!, maxAttempts: 20 });
      const open = new DeliveryRepository(world.store).list(world.connector.id).filter((d) => d.state !== 'delivered');
      expect(open.map((d) => `${d.archiveKey} ${d.state}: ${d.lastError}`)).toEqual([]);
      expect(summary.delivered).toBe(20);
    } finally {
      clearInterval(sampler);
    }
    expectExactlyOnce(world.emulator, expected, (key) => emails.get(key)!);
    expect(world.emulator.counters.faults.lost + world.emulator.counters.faults.reset + world.emulator.counters.faults['503']).toBeGreaterThan(20);
    expect(world.emulator.counters.uploadsCompleted).toBe(20);
    // Neither side ever held a whole file: the largest is 140 MB, both together stay far below two of them.
    expect(peakRss - baseline).toBeLessThan(200 * MB);
  });
});
