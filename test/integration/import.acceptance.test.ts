import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueDeliveries, importDeliveries } from '../../electron/core/graph/importer';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { TestWorld } from '../support/world';
import { attachmentFile, deterministicBytes, makeEmail } from '../support/import-fixtures';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';
import { expectExactlyOnce } from '../support/import-verify';

const MESSAGES = 5_000;
const MAILBOXES = 300;

/** Each message goes to two mailboxes (a chat between two mapped participants), spread over all 300. */
function recipients(index: number, mailboxes: string[]): string[] {
  return [...new Set([mailboxes[index % MAILBOXES]!, mailboxes[(index * 7 + 13) % MAILBOXES]!])];
}

describe('import acceptance: 5,000 messages to 300 mailboxes', () => {
  let temp: TestWorld;
  let world: ImportWorld;
  beforeEach(() => {
    temp = new TestWorld();
  });
  afterEach(async () => {
    await temp.dispose();
  });

  async function run(faultRate: number) {
    world = await startImportWorld(temp, {
      mailboxes: MAILBOXES,
      requestTimeoutMs: 20_000,
      emulator: faultRate ? { faults: { rate: faultRate, kinds: ['503', 'reset', 'hang', 'lost'], seed: 42, hangMs: 1_000 } } : {},
    });
    const shared = attachmentFile(temp.dir, 'minutes.pdf', deterministicBytes('minutes', 40_000));
    const emails = new Map<string, ConvertedEmail>();
    const expected = new Map<string, string[]>();
    world.store.transaction(() => {
    for (let i = 0; i < MESSAGES; i++) {
      const email = makeEmail(i, i % 25 === 0 ? [shared, attachmentFile(temp.dir, `chart-${i}.png`, deterministicBytes(`c${i}`, 1_500 + i), { inline: true, contentId: `c${i}@pod` })] : [], 3 + (i % 5));
      emails.set(email.archiveKey, email);
      const to = recipients(i, world.mailboxes);
      expected.set(email.archiveKey, to);
      enqueueDeliveries(world.store, world.connector.id, email.archiveKey, to);
    }
    });
    const total = [...expected.values()].reduce((n, to) => n + to.length, 0);
    let summary = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)! });
    // Anything left open after one run (a delivery that exhausted its attempts) is the next run's work.
    for (let extra = 0; extra < 3 && summary.delivered < total; extra++) {
      const again = await importDeliveries({ store: world.store, connector: world.connector, graph: world.graph, loadEmail: (key) => emails.get(key)! });
      summary = { ...again, delivered: summary.delivered + again.delivered };
    }
    expect(summary.delivered).toBe(total);
    expect(new DeliveryRepository(world.store).counts(world.connector.id)).toMatchObject({ delivered: total, pending: 0, sending: 0, failed: 0 });
    expectExactlyOnce(world.emulator, expected, (key) => emails.get(key)!);
    return world.emulator.counters;
  }

  it('lands every message exactly once, non-draft, with its dates and attachments', { timeout: 600_000 }, async () => {
    const counters = await run(0);
    expect(counters.throttled).toBe(0);
  });

  it('does the same with 10% of requests failing, including answers lost after the item was created', { timeout: 600_000 }, async () => {
    const counters = await run(0.1);
    expect(counters.faults.lost).toBeGreaterThan(50);
    expect(counters.faults['503'] + counters.faults.reset + counters.faults.hang).toBeGreaterThan(150);
  });
});
