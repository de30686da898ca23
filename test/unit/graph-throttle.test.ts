import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/core/platform/clock';
import { MailboxThrottle, outlookLimits } from '../../electron/core/graph/throttle';
import { NodeSecretCipher } from '../../electron/core/platform/secrets';
import { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { DeliveryRepository } from '../../electron/core/store/repos/deliveries';
import { makeTempDir } from '../support/tmp';

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('mailbox scheduler', () => {
  it('keeps at most 4 requests in flight per mailbox and the global cap overall', async () => {
    const scheduler = new MailboxThrottle({ ...outlookLimits, globalConcurrency: 6, maxGlobalConcurrency: 6 });
    const inFlight = new Map<string, number>();
    let maxPerMailbox = 0;
    let maxGlobal = 0;
    let global = 0;
    const release: Array<() => void> = [];
    const tasks = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'c', 'c'].map((mailbox) =>
      scheduler.run(mailbox, 0, async () => {
        inFlight.set(mailbox, (inFlight.get(mailbox) ?? 0) + 1);
        global++;
        maxPerMailbox = Math.max(maxPerMailbox, inFlight.get(mailbox)!);
        maxGlobal = Math.max(maxGlobal, global);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight.set(mailbox, inFlight.get(mailbox)! - 1);
        global--;
      }),
    );
    for (let round = 0; round < 10; round++) {
      await settle();
      release.splice(0).forEach((r) => r());
    }
    await Promise.all(tasks);
    expect(maxPerMailbox).toBe(4);
    expect(maxGlobal).toBe(6);
  });

  it('holds a mailbox until its Retry-After has passed, and debits the upload budget before sending', async () => {
    const clock = new ManualClock();
    const scheduler = new MailboxThrottle({ ...outlookLimits, uploadBytesPerWindow: 100, uploadWindowMs: 10_000 }, clock);
    const started: string[] = [];
    scheduler.pause('a', 5_000);
    const paused = scheduler.run('a', 0, async () => void started.push('a-after-pause'));
    const other = scheduler.run('b', 0, async () => void started.push('b'));
    await settle();
    expect(started).toEqual(['b']);
    await clock.advance(4_999);
    expect(started).toEqual(['b']);
    await clock.advance(2);
    await paused;
    await other;
    expect(started).toEqual(['b', 'a-after-pause']);
    await scheduler.run('c', 80, async () => void started.push('c80'));
    const second = scheduler.run('c', 40, async () => void started.push('c40'));
    await settle();
    expect(started).not.toContain('c40');
    await clock.advance(10_001);
    await second;
    expect(started).toContain('c40');
  });
});

describe('sealed secrets', () => {
  it('round-trips, detects tampering, and keeps one 0600 key shared by instances', async () => {
    const temp = makeTempDir();
    try {
      const dir = path.join(temp.dir, 'secrets');
      const a = new NodeSecretCipher(dir);
      const sealed = await a.encrypt(Buffer.from('refresh-token-value'));
      expect(sealed.includes(Buffer.from('refresh-token-value'))).toBe(false);
      expect((await new NodeSecretCipher(dir).decrypt(sealed)).toString()).toBe('refresh-token-value');
      expect(fs.statSync(path.join(dir, 'key')).mode & 0o777).toBe(0o600);
      const tampered = Buffer.from(sealed);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1);
      await expect(a.decrypt(tampered)).rejects.toThrow();
      await expect(new NodeSecretCipher(path.join(temp.dir, 'other')).decrypt(sealed)).rejects.toThrow();
    } finally {
      temp.cleanup();
    }
  });
});

describe('delivery ledger', () => {
  it('enqueues idempotently and never sends a row with an unknown outcome back to plain pending', () => {
    const temp = makeTempDir();
    const store = Store.open(path.join(temp.dir, 'a.db'));
    try {
      const connector = new ConnectorRepository(store).create('c');
      const repo = new DeliveryRepository(store);
      expect(repo.enqueue(connector.id, 'k1', ['A@x.example', 'a@x.example', 'b@x.example'])).toBe(2);
      expect(repo.enqueue(connector.id, 'k1', ['a@x.example', 'c@x.example'])).toBe(1);
      const key = { connectorId: connector.id, archiveKey: 'k1', mailbox: 'A@X.example' };
      repo.markSending(key);
      repo.markRetryLater(key, { code: 'unreachable', message: 'timed out', detail: 'after 30 s' }, true);
      expect(repo.get(key)).toMatchObject({ state: 'sending', attempts: 1, lastError: 'timed out', reason: { code: 'unreachable', message: 'timed out', detail: 'after 30 s' } });
      repo.markFailed(key, { code: 'invalid-input', message: 'refused', fix: 'Correct it.' });
      expect(repo.get(key)).toMatchObject({ state: 'failed', reason: { code: 'invalid-input', message: 'refused', fix: 'Correct it.' } });
      expect(repo.requeue(connector.id)).toBe(1);
      expect(repo.get(key)!.state).toBe('sending');
      const fresh = { ...key, mailbox: 'b@x.example' };
      repo.markRetryLater(fresh, { code: 'throttled', message: 'throttled' }, false);
      expect(repo.get(fresh)!.state).toBe('pending');
      expect(repo.listOpen(connector.id).map((d) => d.mailbox)).toEqual(['a@x.example', 'b@x.example', 'c@x.example']);
      repo.markDelivered(key, 'AAMk1');
      expect(repo.counts(connector.id)).toMatchObject({ delivered: 1, pending: 2 });
    } finally {
      store.dispose();
      temp.cleanup();
    }
  });
});
