import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reasonWords, runOutcomeDetail, skipFixes, type Reconciliation } from '../../shared/contract';
import { messageArchiveKey } from '../../electron/core/convert/ids';
import { EXCHANGE_MAX_MESSAGE_BYTES } from '../../electron/core/model/limits';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { landedPairs } from '../support/landing';
import { TestWorld } from '../support/world';

const MiB = 1024 * 1024;

/**
 * Issue 18: "too large" has one owner. Over the real stages (Symphony emulator → capture → the
 * real converter → the planner → the Graph emulator), a message whose attachment makes its e-mail
 * larger than Exchange Online accepts is skipped as `too-large` by the planner, once: it never
 * becomes a failed item retried run after run, nothing of it reaches Graph, and the run names it
 * as a problem with its fix. The file (114 MiB, about 154 MiB as base64) is under capture's
 * download cap, so the e-mail is only too large as a whole: the converter's size is what decides.
 */
describe('an item over the Exchange Online limit, over the real stages', () => {
  const temp = new TestWorld();
  let world: RealWorld;
  let first: { status: string; rec: Reconciliation };
  let second: { status: string; rec: Reconciliation };
  let hugeKey: string;

  beforeAll(async () => {
    world = await startRealWorld(temp, {
      symphony: { seed: 'too-large', conversations: 1, messages: 3, attachments: 0, internalUsers: 2, externalUsers: 0 },
    });
    const stream = [...world.symphony.pod.streams.values()][0]!;
    const huge = world.symphony.pod.addMessage(stream.id, { attachmentSizes: [114 * MiB] });
    hugeKey = messageArchiveKey(world.connector.id, huge.id);
    const run = async () => {
      const outcome = await (await world.controller.start(world.connector.id, 'manual')).done;
      return { status: outcome.status, rec: outcome.result!.reconciliation };
    };
    first = await run();
    second = await run();
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('is skipped as too-large once by the planner, with the sizes, and never reaches Graph', () => {
    expect(first.rec.balanced).toBe(true);
    expect(first.rec.skipped.byReason).toEqual({ 'too-large': 1 });
    expect(first.rec.failed.count).toBe(0);
    expect(first.rec.delivered.count).toBe(first.rec.captured.count - 1);
    const items = new ItemLogRepository(world.store);
    const outcomes = items.pageRunItems(1, world.connector.id, 0, 100);
    const skipped = outcomes.filter((o) => o.status === 'skipped');
    expect(skipped).toEqual([expect.objectContaining({ archiveKey: hugeKey, reason: expect.objectContaining({ code: 'too-large', fix: skipFixes['too-large'] }) })]);
    expect(skipped[0]!.bytes).toBeGreaterThan(114 * MiB);
    const events = items.log({ connectorId: world.connector.id, offset: 0, limit: 1000 }).entries.filter((e) => e.itemId === skipped[0]!.itemId);
    expect(events.map((e) => e.event).sort()).toEqual(['captured', 'skipped']);
    // The log line is the reason's one rendering: the rule's words, the fix, the sizes.
    const reason = skipped[0]!.reason!;
    expect(events.find((e) => e.event === 'skipped')!.detail).toBe(reasonWords(reason, { detail: true }));
    expect(reason.detail).toMatch(/^the e-mail would be about 15\d\.\d MB \(\d+ bytes\), more than the 150\.0 MB Exchange Online accepts$/);
    expect(Number(/\((\d+) bytes\)/.exec(reason.detail!)![1])).toBeGreaterThan(EXCHANGE_MAX_MESSAGE_BYTES);
    // No ledger row, and no copy in any mailbox: the importer never saw it.
    expect(new DeliveryRepository(world.store).list(world.connector.id).filter((d) => d.archiveKey === hugeKey)).toEqual([]);
    const landed = [...landedPairs(world).keys()].map((pair) => pair.split(' -> ')[0]);
    expect(landed).not.toContain(hugeKey);
    expect(landed.length).toBeGreaterThan(0);
  });

  it('is a problem of the run, named with its fix, not a silent skip', () => {
    expect(first.status).toBe('completed-with-problems');
    expect(runOutcomeDetail(first.rec)).toContain(`1 item too large for Exchange Online, skipped (${skipFixes['too-large']})`);
  });

  it('is not looked at again by the next run', () => {
    expect(second.rec.captured.count).toBe(0);
    expect(second.rec.skipped.count).toBe(0);
    expect(second.rec.failed.count).toBe(0);
    expect(second.status).toBe('succeeded');
    const outcome = new ItemLogRepository(world.store).pageRunItems(1, world.connector.id, 0, 100).find((o) => o.archiveKey === hugeKey)!;
    expect(new ItemLogRepository(world.store).get(world.connector.id, outcome.itemId)).toMatchObject({ status: 'skipped', reason: { code: 'too-large' }, attempts: 0 });
  });
});
