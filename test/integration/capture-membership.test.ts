import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/platform/logger';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { captureBySource } from '../../electron/core/symphony/sources';
import { testConnection } from '../../electron/core/symphony/test-connection';
import { TestWorld, addConnector } from '../support/world';
import { storedItems } from '../support/store-reads';

/**
 * FACTS.md: whether /agent/v4 serves streams the service account is not a member of is
 * unconfirmed. Each reading is emulated; the capture must never skip such a stream in silence.
 */
describe.each(['forbidden', 'empty', 'allow'] as const)('streams the service account is not in, when the agent answers %s', (mode) => {
  const temp = new TestWorld();
  afterAll(() => temp.dispose());

  it(mode === 'allow' ? 'captures them like the others' : 'reports each one as a per-conversation error and captures the rest', async () => {
    const pod = await temp.pod({ seed: `members-${mode}`, conversations: 12, messages: 400, attachments: 6, nonMemberStreams: 3, nonMemberRead: mode });
    const emulator = pod.emulator;
    const store = temp.store();
    const repo = new CaptureRepository(store);
    const connector = addConnector(store, { pod });
    const summary = await captureBySource({ store, connector, paths: { spool: path.join(temp.dir, 'spool') }, logger: silentLogger });

    const streams = [...emulator.pod.streams.values()];
    const outside = streams.filter((s) => !s.members.has(emulator.pod.serviceAccount.id));
    expect(outside).toHaveLength(3);
    expect(outside.every((s) => s.messages.length > 0)).toBe(true);
    const inside = streams.filter((s) => s.members.has(emulator.pod.serviceAccount.id));
    const stored = (streamId: string) => storedItems(store, connector.id).filter((i) => i.streamId === streamId).length;
    for (const s of inside) expect(stored(s.id)).toBe(s.messages.length);

    // Test connection still passes: a refused read proves the agent and its tokens work.
    const test = await testConnection(connector.settings.symphony, { logger: silentLogger });
    expect(test.ok).toBe(true);

    if (mode === 'allow') {
      expect(summary.conversations.failed).toBe(0);
      for (const s of outside) expect(stored(s.id)).toBe(s.messages.length);
    } else {
      expect(summary.conversations.failed).toBe(3);
      for (const s of outside) {
        const result = summary.results.find((r) => r.streamId === s.id)!;
        expect(result.error?.code).toBe('permission-denied');
        expect(result.error?.message).toMatch(mode === 'forbidden' ? /refused to let the service account read .*HTTP 403.*not a member/ : /not a member .* returned no messages/);
        expect(result.error?.fix).toMatch(/Add the service account|Datahose|Content Export/);
        expect(stored(s.id)).toBe(0);
        expect(repo.conversations.summaries(connector.id).find((c) => c.streamId === s.id)!.lastError).toBe(result.error!.message);
      }
      // The error stays visible on the next run too: nothing became readable.
      const again = await captureBySource({ store, connector, paths: { spool: path.join(temp.dir, 'spool') }, logger: silentLogger });
      expect(again.conversations.failed).toBe(3);
    }
    if (mode === 'forbidden') {
      // Make the first listed conversation one the account is not in: the agent step must still pass.
      const first = [...emulator.pod.streams.values()].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))[0]!;
      first.members.delete(emulator.pod.serviceAccount.id);
      const refused = await testConnection(connector.settings.symphony, { logger: silentLogger });
      expect(refused.ok).toBe(true);
      expect(refused.steps.find((s) => s.step === 'agent')!.message).toMatch(/refused to read the first conversation \(HTTP 403\)/);
    }
    store.dispose();
  });
});
