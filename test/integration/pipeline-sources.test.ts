import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealWorld, type RealWorld } from '../support/pipeline-world';
import { makeTempDir } from '../support/tmp';

/**
 * A run captures through the connector's chosen source: with Datahose it reaches conversations the
 * service account is not a member of, which the member-stream reader cannot read.
 */
describe('pipeline source selection', () => {
  const temp = makeTempDir();
  let world: RealWorld;

  beforeAll(async () => {
    world = await startRealWorld(temp.dir, {
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
    await world?.close();
    temp.cleanup();
  });

  it('a Datahose connector archives the whole pod, non-member conversations included', async () => {
    const outcome = await (await world.controller.start(world.connector.id, 'manual')).done;
    expect(outcome.error).toBeNull();
    const pod = world.symphony.pod.inventory();
    const stored = world.store.db.prepare('SELECT message_id AS id FROM items WHERE connector_id = ? ORDER BY id').all(world.connector.id) as { id: string }[];
    expect(stored.length).toBe(pod.messages.size);
    const nonMember = [...world.symphony.pod.streams.values()].filter((s) => !s.members.has(world.symphony.pod.serviceAccount.id));
    expect(nonMember.length).toBe(3);
    const streamsStored = new Set((world.store.db.prepare('SELECT DISTINCT stream_id AS s FROM items WHERE connector_id = ?').all(world.connector.id) as { s: string }[]).map((r) => r.s));
    for (const stream of nonMember) expect(streamsStored.has(stream.id)).toBe(true);
    expect(outcome.result!.reconciliation.balanced).toBe(true);
  });
});
