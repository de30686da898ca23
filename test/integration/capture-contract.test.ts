import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { captureBySource } from '../../electron/core/symphony/sources';
import { type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, makeServiceKey } from '../support/world';
import { itemTotals } from '../support/store-reads';

describe('capture contract calls through the core', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let core: Core;
  let keyPath: string;

  beforeAll(async () => {
    const pod = await temp.pod({ seed: 'contract', conversations: 6, messages: 120, attachments: 3 });
    emulator = pod.emulator;
    keyPath = pod.keyPath;
    core = temp.core({ dir: 'data' });
  });
  afterAll(() => temp.dispose());

  it('tests the connection step by step and lists captured conversations with counts', async () => {
    const connector = await core.dispatcher.invoke('connectors.create', {
      name: 'Emulated',
      settings: { symphony: { podUrl: emulator.url, agentUrl: '', keyManagerUrl: '', username: 'archiver-bot', privateKeyPath: keyPath, proxyUrl: '', source: 'streams', streamTypes: ['IM', 'MIM', 'ROOM'], startDate: '' } },
    });
    const test = await core.dispatcher.invoke('capture.testConnection', { connectorId: connector.id });
    expect(test.ok).toBe(true);
    expect(test.steps.every((s) => s.status === 'ok')).toBe(true);
    expect(test.identity?.displayName).toBe('Archiver Bot');

    expect(await core.dispatcher.invoke('capture.conversations', { connectorId: connector.id })).toEqual([]);
    await captureBySource({ store: core.store, connector, paths: core.paths, logger: silentLogger });
    const conversations = await core.dispatcher.invoke('capture.conversations', { connectorId: connector.id });
    expect(conversations).toHaveLength(6);
    expect(conversations.reduce((n, c) => n + c.items, 0)).toBe(120);
    for (const c of conversations) {
      const stream = emulator.pod.streams.get(c.streamId)!;
      expect(c.items).toBe(stream.messages.length);
      expect(c.members).toBe([...stream.members.values()].filter((m) => !m.left).length);
      expect(c.lastError).toBeNull();
    }

    const missing = await core.dispatcher.dispatch('capture.testConnection', { connectorId: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('reports a wrong key as a failed login step, not as an exception', async () => {
    const other = makeServiceKey(temp.dir);
    const connector = await core.dispatcher.invoke('connectors.create', {
      name: 'Wrong key',
      settings: { symphony: { podUrl: emulator.url, agentUrl: '', keyManagerUrl: '', username: 'archiver-bot', privateKeyPath: other.privateKeyPath, proxyUrl: '', source: 'streams', streamTypes: ['IM', 'MIM', 'ROOM'], startDate: '' } },
    });
    const test = await core.dispatcher.invoke('capture.testConnection', { connectorId: connector.id });
    expect(test.ok).toBe(false);
    expect(test.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'failed', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(test.steps[2]!.error?.code).toBe('auth-failed');
  });
});

describe('cancelling a capture', () => {
  const temp = new TestWorld();
  afterAll(() => temp.dispose());

  it('stops with a cancelled error, writes nothing afterwards, and the next capture completes exactly once', async () => {
    const pod = await temp.pod({ seed: 'cancel', conversations: 30, messages: 3000, attachments: 10, latencyMs: 3 });
    const emulator = pod.emulator;
    const core = new Core({ dataDir: path.join(temp.dir, 'data'), host: 'test', logger: silentLogger });
    try {
      const connector = await core.dispatcher.invoke('connectors.create', {
        name: 'Cancel me',
        settings: { symphony: { podUrl: emulator.url, agentUrl: '', keyManagerUrl: '', username: 'archiver-bot', privateKeyPath: pod.keyPath, proxyUrl: '', source: 'streams', streamTypes: ['IM', 'MIM', 'ROOM'], startDate: '' } },
      });
      const controller = new AbortController();
      const itemCount = () => itemTotals(core.store).items;
      const first = captureBySource({
        store: core.store,
        connector,
        paths: core.paths,
        logger: silentLogger,
        signal: controller.signal,
        tuning: { pageSize: 50 },
        onProgress: (p) => {
          if (p.phase === 'conversations' && p.done === 3) controller.abort(new Error('officer pressed stop'));
        },
      });
      await expect(first).rejects.toMatchObject({ code: 'cancelled' });
      const atCancel = itemCount();
      expect(atCancel).toBeGreaterThan(0);
      expect(atCancel).toBeLessThan(3000);
      await new Promise((r) => setTimeout(r, 50));
      expect(itemCount()).toBe(atCancel);

      const second = await captureBySource({ store: core.store, connector, paths: core.paths, logger: silentLogger });
      expect(second.items.new).toBe(3000 - atCancel);
      expect(itemCount()).toBe(3000);
    } finally {
      await core.dispose();
      await emulator.stop();
    }
  });
});
