import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import { messageArchiveKey } from '../../electron/core/convert/ids';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';

const MESSAGES = 20_000;

/**
 * The whole pipeline over the real stages, against the Symphony emulator (a 20,000-message pod)
 * and the Graph emulator (a tenant where one in eight of the pod's people has a mailbox, which keeps the
 * deliveries to about 15,000: the in-process Graph emulator's pace bounds this test's length). What must
 * land is computed from the emulators' own models, not from the pipeline.
 */
describe(`pipeline acceptance: a ${MESSAGES.toLocaleString('en')}-message pod into Microsoft 365`, () => {
  const temp = new TestWorld();
  let world: RealWorld;

  beforeAll(async () => {
    world = await startRealWorld(temp, {
      symphony: { seed: 'pipeline', conversations: 120, messages: MESSAGES, attachments: 40, internalUsers: 40, externalUsers: 8, maxAttachmentBytes: 64 * 1024 },
      hasMailbox: (i) => i % 8 === 0,
    });
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('archives every message to every mapped participant exactly once and balances', async () => {
    const { done } = await world.controller.start(world.connector.id, 'manual');
    const outcome = await done;
    const rec = outcome.result!.reconciliation;
    expect(outcome.error).toBeNull();
    // Seven in eight people have no mailbox: their items are held, so the run is amber, never green.
    expect(outcome.status).toBe('completed-with-problems');
    expect(rec.balanced).toBe(true);
    expect(rec.captured.count).toBe(MESSAGES);
    expect(rec.delivered.count + rec.blocked.count + rec.failed.count + rec.held.count + rec.skipped.count).toBe(MESSAGES);
    expect(rec.failed.count + rec.blocked.count).toBe(0);

    // Expected from the pod's model: current members and the sender, those with a mailbox; an
    // item with any internal participant without one is held for them.
    const expected = new Map<string, string[]>();
    let held = 0;
    let externalOnly = 0;
    for (const stream of world.symphony.pod.streams.values()) {
      const members = [...stream.members].filter(([, m]) => !m.left).map(([id]) => id);
      for (const message of stream.messages) {
        const people = [...new Set([...members, message.sender])].map((id) => world.symphony.pod.users.get(id)!).filter((u) => !u.external);
        const boxes = people.map((u) => world.tenant.get(u.email.toLowerCase())).filter((b): b is string => !!b);
        const key = messageArchiveKey(world.connector.id, message.id);
        if (people.length === 0) externalOnly++;
        else if (boxes.length < people.length) held++;
        if (boxes.length > 0) expected.set(key, [...new Set(boxes)].sort());
      }
    }
    expect(rec.held.count).toBe(held);
    expect(rec.skipped.count).toBe(externalOnly);
    expect(rec.delivered.count).toBe(MESSAGES - held - externalOnly);
    expect(rec.deliveries.delivered + rec.deliveries.alreadyThere).toBe([...expected.values()].reduce((n, b) => n + b.length, 0));
    expect(rec.deliveries.planned).toBe(rec.deliveries.delivered + rec.deliveries.alreadyThere + rec.deliveries.held);

    const landed = new Map<string, number>();
    for (const { user, message } of world.graphEmulator.directory.allMessages()) {
      const key = message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value ?? '(none)';
      const pair = `${key} -> ${user.userPrincipalName}`;
      landed.set(pair, (landed.get(pair) ?? 0) + 1);
    }
    const problems: string[] = [];
    for (const [key, boxes] of expected) {
      for (const box of boxes) {
        const n = landed.get(`${key} -> ${box}`) ?? 0;
        if (n !== 1) problems.push(`${key} -> ${box} landed ${n} times`);
        landed.delete(`${key} -> ${box}`);
      }
    }
    for (const pair of landed.keys()) problems.push(`unexpected ${pair}`);
    expect(problems.slice(0, 20)).toEqual([]);

    // A second run finds nothing new and delivers nothing again.
    const again = await (await world.controller.start(world.connector.id, 'manual')).done;
    expect(again.status).toBe('succeeded');
    expect(again.result!.reconciliation.captured.count).toBe(0);
    expect([...world.graphEmulator.directory.allMessages()].length).toBe([...expected.values()].reduce((n, b) => n + b.length, 0));
  }, 900_000);

  it('keeps the item log queryable per person and conversation', async () => {
    const anyMailbox = [...world.tenant.values()][0]!;
    const { ItemLogRepository } = await import('../../electron/core/store/repos/item-log');
    const log = new ItemLogRepository(world.store).log({ connectorId: world.connector.id, person: anyMailbox, offset: 0, limit: 50 });
    expect(log.total).toBeGreaterThan(0);
    expect(log.entries.some((e) => e.event === 'delivered' && e.mailbox === anyMailbox && e.graphId)).toBe(true);
  });
});
