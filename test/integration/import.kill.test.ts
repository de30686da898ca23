import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueDeliveries } from '../../electron/core/graph/importer';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import type { ConvertedEmail } from '../../electron/core/model/email';
import { TestWorld } from '../support/world';
import { KILL_MAILBOXES, KILL_MESSAGES, killScenarioEmail, killScenarioRecipients, prepareKillScenarioFiles, withHashes } from '../support/import-fixtures';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';
import { expectDeletionsLogged, expectExactlyOnce } from '../support/import-verify';
import { UnknownOutcomeRepository } from '../../electron/core/store/repos/delivery-unknowns';
import type { ImportChildOptions } from '../support/import-child';
import type { FaultOptions } from '../../electron/sandbox/emulators/graph/faults';
import { Prng } from '../../electron/sandbox/emulators/prng';
import { runKillableChild } from '../support/killable-child';

/** 10 % of requests fail; 1.5 % of creates are applied only after the client gave up on them. */
const KILL_FAULTS: FaultOptions = {
  rate: 0.1,
  kinds: ['503', '429', 'reset', 'hang', 'lost', 'late'],
  weights: { '503': 2, '429': 1.5, reset: 2, hang: 1, lost: 2, late: 1.5 },
  seed: 2201,
  hangMs: 1_000,
  lateMs: [200, 1_000],
};

const runChild = (args: string[], killWhen?: () => boolean) => runKillableChild('import-child.ts', args, killWhen);

describe('import survives SIGKILL at random moments, with Graph faults and late-applied creates on', () => {
  let temp: TestWorld;
  let world: ImportWorld;
  beforeAll(async () => {
    temp = new TestWorld();
    prepareKillScenarioFiles(temp.dir);
    world = await startImportWorld(temp, { mailboxes: KILL_MAILBOXES, emulator: { latencyMs: 15, faults: KILL_FAULTS } });
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('delivers everything exactly once after 20 kills and a final run', { timeout: 600_000 }, async () => {
    const expected = new Map<string, string[]>();
    const emails = new Map<string, ConvertedEmail>();
    world.store.transaction(() => {
      for (let i = 0; i < KILL_MESSAGES; i++) {
        const email = withHashes(killScenarioEmail(temp.dir, i));
        emails.set(email.archiveKey, email);
        expected.set(email.archiveKey, killScenarioRecipients(i));
        enqueueDeliveries(world.store, world.connector.id, email.archiveKey, killScenarioRecipients(i));
      }
    });
    const total = [...expected.values()].reduce((n, m) => n + m.length, 0);
    const logDir = path.join(temp.dir, 'logs');
    const options: ImportChildOptions = { requestTimeoutMs: 2_000, settleMarginMs: 1_500, logDir };
    const args = [world.store.file, world.emulator.baseUrl, await world.emulator.mintToken({ expiresInSec: 3600 }), temp.dir, JSON.stringify(options)];
    const repo = new DeliveryRepository(world.store);
    // Deterministic "random" moments: each round is killed once a random share of what is left
    // (at most a twentieth of it) has been delivered, so the rounds spread across the whole work.
    const rng = new Prng(12345);
    let kills = 0;
    const progress: number[] = [];
    for (let round = 0; round < 20; round++) {
      const before = repo.counts(world.connector.id).delivered;
      const target = before + 1 + Math.floor(rng.next() * ((total - before) / (21 - round)));
      const result = await runChild(args, () => repo.counts(world.connector.id).delivered >= target);
      if (result.killed) kills++;
      progress.push(repo.counts(world.connector.id).delivered);
    }
    expect(kills).toBe(20);
    // The kills happened while there was still work to do.
    expect(progress[0]!).toBeLessThan(total);
    const final = await runChild(args);
    expect(final.output).toContain('done');
    expect(repo.counts(world.connector.id)).toMatchObject({ delivered: total, pending: 0, sending: 0, failed: 0 });
    expect(new UnknownOutcomeRepository(world.store).count(world.connector.id)).toBe(0);
    expectExactlyOnce(world.emulator, expected, (key) => emails.get(key)!);
    // The faults were on, late-applied creates among them, and every copy removed is in the logs.
    const counters = world.emulator.counters;
    expect(counters.lateCreates).toBeGreaterThanOrEqual(5);
    expect(counters.faults.lost + counters.faults['503'] + counters.faults.reset + counters.faults.hang + counters.faults['429']).toBeGreaterThan(100);
    expectDeletionsLogged(world.emulator, fs.readdirSync(logDir).map((f) => fs.readFileSync(path.join(logDir, f), 'utf8')).join('\n'));
  });
});
