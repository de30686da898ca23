import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueDeliveries, importDeliveries } from '../../electron/core/graph/importer';
import { REQUEST_OVERHEAD_BYTES, deliveryBytes } from '../../electron/core/graph/memory-budget';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { TestWorld } from '../support/world';
import { attachmentFile, deterministicBytes, makeEmail } from '../support/import-fixtures';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';
import { expectExactlyOnce } from '../support/import-verify';

/**
 * The importer's own limits against the real client, mailbox throttle and emulator: how many deliveries
 * run at once follows the throttle's adaptive cap (not a fixed number), and the bytes they hold
 * stay within the memory budget. Measured as creates in flight when each create arrives.
 */
describe('import at the ceiling', () => {
  let temp: TestWorld;
  let world: ImportWorld;
  let createsInFlight: number[];
  beforeEach(() => {
    temp = new TestWorld();
    createsInFlight = [];
  });
  afterEach(async () => {
    await temp.dispose();
  });

  const start = async (mailboxes: number, limits: { globalConcurrency: number; maxGlobalConcurrency: number }, latencyMs: number) => {
    world = await startImportWorld(temp, {
      mailboxes,
      limits,
      // Every create takes a while, so that many are in flight at once; arrivals are sampled.
      emulator: { latencyMs, onRequest: (method, p) => void (method === 'POST' && p.endsWith('/messages') && createsInFlight.push(world.throttle.inFlight)) },
    });
  };
  const enqueue = (count: number, attachments: (i: number) => ConvertedEmail['attachments'] = () => []) => {
    const emails = new Map<string, ConvertedEmail>();
    const expected = new Map<string, string[]>();
    for (let i = 0; i < count; i++) {
      const email = makeEmail(i, attachments(i));
      const mailbox = world.mailboxes[i % world.mailboxes.length]!;
      emails.set(email.archiveKey, email);
      expected.set(email.archiveKey, [mailbox]);
      enqueueDeliveries(world.store, world.connector.id, email.archiveKey, [mailbox]);
    }
    return { emails, expected };
  };

  it('runs as many deliveries as the adaptive cap lets requests out: beyond the 128 a fixed task cap allowed', async () => {
    // A cap of 400 from the start: the importer must keep 400 requests busy, i.e. follow the cap.
    // Five seconds per request: a loaded machine's own delays never double that, which would make
    // the cap back off (adaptive-limit.ts), so the cap stays 400 and the test measures the importer.
    await start(400, { globalConcurrency: 400, maxGlobalConcurrency: 400 }, 5000);
    const { emails, expected } = enqueue(400);
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)! });
    expect(summary.delivered).toBe(400);
    expect(world.throttle.globalLimit, 'the cap backed off: the machine delayed answers by seconds').toBe(400);
    expect(world.emulator.counters.throttled).toBe(0);
    expect(world.emulator.counters.maxConcurrentPerMailbox).toBeLessThanOrEqual(4);
    expect(Math.max(...createsInFlight), 'creates in flight at once').toBeGreaterThan(300);
    expect(Math.max(...createsInFlight)).toBeLessThanOrEqual(400);
    expectExactlyOnce(world.emulator, expected, (key) => emails.get(key)!);
  });

  it('holds no more bytes of e-mails and requests at once than its memory budget, and still delivers everything', async () => {
    await start(40, { globalConcurrency: 64, maxGlobalConcurrency: 64 }, 50);
    const { emails, expected } = enqueue(60, (i) => [attachmentFile(temp.dir, `part-${i}.bin`, deterministicBytes(`p${i}`, 40_000 + i))]);
    const each = Math.max(...[...emails.values()].map(deliveryBytes));
    // Room for three such deliveries at a time, while the cap would allow 64.
    const memoryBytes = 3 * each + 1000;
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)!, memoryBytes });
    expect(summary.delivered).toBe(60);
    expect(new DeliveryRepository(world.store).counts(world.connector.id)).toMatchObject({ delivered: 60, pending: 0, sending: 0 });
    expect(Math.max(...createsInFlight)).toBeLessThanOrEqual(3);
    expect(Math.max(...createsInFlight)).toBeGreaterThanOrEqual(2);
    expectExactlyOnce(world.emulator, expected, (key) => emails.get(key)!);
  });

  it('bounds the requests in flight by memory however small the e-mails are, and the adaptive cap stops growing there', async () => {
    // The cap starts at 16 and may grow to 4,096; the budget has room for the overhead of 8
    // requests in flight. The e-mails are tiny (≈ 4 KB counted): by their bytes alone, 130 would
    // fit. Half a second per create: a loaded machine's delays do not double that and shrink the cap.
    await start(10, { globalConcurrency: 16, maxGlobalConcurrency: 4096 }, 500);
    const { emails, expected } = enqueue(40);
    const memoryBytes = 8 * REQUEST_OVERHEAD_BYTES;
    const summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)!, memoryBytes });
    expect(summary.delivered).toBe(40);
    expect(createsInFlight.length).toBe(40);
    // Requests the client has in flight as each create reaches the emulator: an upper bound of the emulator's own count.
    expect(Math.max(...createsInFlight), 'requests in flight').toBeLessThan(memoryBytes / REQUEST_OVERHEAD_BYTES);
    expect(Math.max(...createsInFlight)).toBeGreaterThanOrEqual(2);
    // The cap grows only while it is what holds requests back; with memory holding them under 8 it never is.
    expect(world.throttle.globalLimit).toBeLessThanOrEqual(16);
    expectExactlyOnce(world.emulator, expected, (key) => emails.get(key)!);
  });
});
