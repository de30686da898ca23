import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';
import { storedItems } from '../support/store-reads';

/**
 * A run captures through the connector's chosen source: with Datahose it reaches conversations the
 * service account is not a member of, which the member-stream reader cannot read.
 */
describe('pipeline source selection', () => {
  const temp = new TestWorld();
  let world: RealWorld;

  beforeAll(async () => {
    world = await startRealWorld(temp, {
      symphony: {
        seed: 'sources',
        conversations: 10,
        messages: 300,
        attachments: 3,
        nonMemberStreams: 3,
        internalUsers: 8,
        externalUsers: 2,
        maxAttachmentBytes: 8 * 1024,
        datahose: { feedStart: 'beginning', visibilityTimeoutMs: 0, batchSize: 100, waitMs: 20 },
      },
      settings: (settings) => ({ ...settings, symphony: { ...settings.symphony, source: 'datahose' } }),
    });
  });
  afterAll(async () => {
    await temp.dispose();
  });

  it('a Datahose connector archives the whole pod, non-member conversations included', async () => {
    const outcome = await (await world.controller.start(world.connector.id, 'manual')).done;
    expect(outcome.error).toBeNull();
    const pod = world.symphony.pod.inventory();
    const stored = storedItems(world.store, world.connector.id);
    expect(stored.length).toBe(pod.messages.size);
    const nonMember = [...world.symphony.pod.streams.values()].filter((s) => !s.members.has(world.symphony.pod.serviceAccount.id));
    expect(nonMember.length).toBe(3);
    const streamsStored = new Set(stored.map((i) => i.streamId));
    for (const stream of nonMember) expect(streamsStored.has(stream.id)).toBe(true);
    expect(outcome.result!.reconciliation.balanced).toBe(true);
  });
});
