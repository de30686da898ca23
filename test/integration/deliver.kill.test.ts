import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueDeliveries } from '../../electron/core/graph/importer';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { TestWorld } from '../support/world';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';
import { MIME_KILL_MAILBOXES, MIME_KILL_MESSAGES, mimeKillEmail, mimeKillRecipients, prepareMimeKillFiles } from '../support/deliver-kill-scenario';
import { Prng } from '../../electron/sandbox/emulators/prng';
import { runKillableChild } from '../support/killable-child';

const runChild = (args: string[], killWhen?: () => boolean) => runKillableChild('deliver-child.ts', args, killWhen);

describe('the importMime path survives SIGKILL at random moments, with Graph faults on', () => {
  let temp: TestWorld;
  let world: ImportWorld;
  beforeAll(async () => {
    temp = new TestWorld();
    prepareMimeKillFiles(temp.dir);
    world = await startImportWorld(temp, {
      mailboxes: MIME_KILL_MAILBOXES,
      emulator: { latencyMs: 10, faults: { rate: 0.1, kinds: ['503', 'reset', 'lost', 'late'], seed: 1717, lateMs: [100, 600] } },
    });
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('delivers every e-mail exactly once after 8 kills and a final run, each by the path the ledger names', { timeout: 300_000 }, async () => {
    const expected = new Map<string, string[]>();
    world.store.transaction(() => {
      for (let i = 0; i < MIME_KILL_MESSAGES; i++) {
        const email = mimeKillEmail(temp.dir, i);
        expected.set(email.messageId, mimeKillRecipients(i));
        enqueueDeliveries(world.store, world.connector.id, email.archiveKey, mimeKillRecipients(i));
      }
    });
    const total = [...expected.values()].reduce((n, m) => n + m.length, 0);
    const token = await world.emulator.mintToken({ roles: ['Mail.ReadWrite', 'User.Read.All', 'Mail-Advanced.ReadWrite.All'] });
    const args = [world.store.file, world.emulator.baseUrl, token, temp.dir];
    const repo = new DeliveryRepository(world.store);
    const rng = new Prng(4242);
    let kills = 0;
    for (let round = 0; round < 8; round++) {
      const before = repo.counts(world.connector.id).delivered;
      const target = before + 1 + Math.floor(rng.next() * ((total - before) / (9 - round)));
      if ((await runChild(args, () => repo.counts(world.connector.id).delivered >= target)).killed) kills++;
    }
    expect(kills).toBe(8);
    expect((await runChild(args)).output).toContain('done');
    expect(repo.counts(world.connector.id)).toMatchObject({ delivered: total, pending: 0, sending: 0, failed: 0 });

    const seen = new Map<string, number>();
    const problems: string[] = [];
    for (const { user, message } of world.emulator.directory.allMessages()) {
      const pair = `${String(message.fields.internetMessageId)} -> ${user.userPrincipalName}`;
      seen.set(pair, (seen.get(pair) ?? 0) + 1);
      const index = Number(String(message.fields.internetMessageId).match(/msg-(\d+)@/)?.[1]);
      const email = mimeKillEmail(temp.dir, index);
      if (message.isDraft) problems.push(`${pair} is a draft`);
      if (message.sentDateTime !== email.date.toISOString()) problems.push(`${pair} was sent ${message.sentDateTime}`);
      const want = email.attachments.map((a) => `${a.filename}:${a.size}:${createHash('sha256').update(fs.readFileSync(a.path)).digest('hex')}`);
      const got = message.attachments.map((a) => `${a.name}:${a.size}:${a.sha256}`);
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${pair} has attachments ${got.join(', ')}`);
    }
    for (const [messageId, mailboxes] of expected) for (const mailbox of mailboxes) if (seen.get(`${messageId} -> ${mailbox}`) !== 1) problems.push(`${messageId} -> ${mailbox} exists ${seen.get(`${messageId} -> ${mailbox}`) ?? 0} times`);
    expect(seen.size).toBe(total);
    expect(problems.slice(0, 20)).toEqual([]);
    for (const d of repo.list(world.connector.id)) expect(d.route).toBe(Number(d.archiveKey.split('-').pop()) % 30 === 0 ? 'graph-json' : 'graph-mime');
    expect(world.emulator.importMime.counters.imports).toBeGreaterThan(total / 2);
    expect(world.emulator.counters.faults.lost + world.emulator.counters.faults.reset + world.emulator.counters.faults['503']).toBeGreaterThan(20);
    expect(world.emulator.importMime.counters.patches).toEqual([]);
  });
});
