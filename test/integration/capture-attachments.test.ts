import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/platform/logger';
import { type Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import type { CaptureTuning } from '../../electron/core/symphony/source';
import { captureBySource } from '../../electron/core/symphony/sources';
import { attachmentSha256, type SymphonyEmulator, type EmMessage } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, addConnector } from '../support/world';

describe('capture of attachments at the edges', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let store: Store;
  let repo: CaptureRepository;
  let connectorId: string;
  const spool = () => path.join(temp.dir, 'spool');
  const run = (tuning?: Partial<CaptureTuning>) =>
    captureBySource({ store, connector: new ConnectorRepository(store).get(connectorId), paths: { spool: spool() }, logger: silentLogger, tuning: { retry: { attempts: 2, baseMs: 1, maxMs: 2 }, ...tuning } });
  const stateOf = (m: EmMessage, index = 0) => repo.itemByMessageId(connectorId, m.id)!.attachments[index]!;

  let huge: EmMessage;
  let liar: EmMessage;
  let empty: EmMessage;
  let flaky: EmMessage;
  let overTuned: EmMessage;

  beforeAll(async () => {
    const pod = await temp.pod({ seed: 'attachments', conversations: 3, messages: 30, attachments: 0 });
    emulator = pod.emulator;
    store = temp.store();
    repo = new CaptureRepository(store);
    connectorId = addConnector(store, { pod }).id;
    const stream = [...emulator.pod.streams.values()][0]!;
    huge = emulator.pod.addMessage(stream.id, { timestamp: 1 });
    emulator.pod.attach(huge, 10, undefined, 150 * 1024 * 1024 + 1);
    liar = emulator.pod.addMessage(stream.id, { timestamp: 2 });
    emulator.pod.attach(liar, 300 * 1024, undefined, 1000);
    empty = emulator.pod.addMessage(stream.id, { timestamp: 3, attachmentSizes: [0] });
    flaky = emulator.pod.addMessage(stream.id, { timestamp: 4, attachmentSizes: [70_000] });
    overTuned = emulator.pod.addMessage(stream.id, { timestamp: 5, attachmentSizes: [9000] });
  });
  afterAll(async () => {
    store.dispose();
    await emulator.stop();
    await temp.dispose();
  });

  it('refuses by declared size, stops a body larger than declared, keeps a transient failure pending', async () => {
    // The flaky file's downloads are cut off during the first run.
    const flakyFile = flaky.attachments[0]!;
    emulator.faults.set({ rate: 1, kinds: ['truncate'], paths: /\/attachment$/ });
    const first = await run({ maxAttachmentBytes: 8 * 1024 * 1024 });
    emulator.faults.set({});
    expect(first.items.new).toBe(35);

    expect(stateOf(huge)).toMatchObject({ status: 'failed', spoolPath: null, declaredSize: 150 * 1024 * 1024 + 1 });
    expect(stateOf(huge).failure).toMatch(/Declared size 150 MB is over the 8 MB limit|over the .* limit/);
    // Never asked for: refused by its declaration before any byte moved; the 4 others tried twice each.
    expect(emulator.counters.requests.attachment).toBe(8);

    expect(stateOf(flaky)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(stateOf(flaky).failure).toMatch(/broke off|declared/);
    expect(first.attachments.pending).toBeGreaterThanOrEqual(1);

    // The second run has no faults: the flaky file arrives whole; the liar still fails its size check.
    const second = await run({ maxAttachmentBytes: 8 * 1024 * 1024 });
    expect(second.items.new).toBe(0);
    expect(stateOf(flaky)).toMatchObject({ status: 'stored', size: flakyFile.size, sha256: attachmentSha256(flakyFile), failure: null });
    expect(stateOf(empty)).toMatchObject({ status: 'stored', size: 0, sha256: createHash('sha256').digest('hex') });
    expect(fs.statSync(stateOf(empty).spoolPath!).size).toBe(0);
    expect(stateOf(overTuned).status).toBe('stored');

    expect(stateOf(liar)).toMatchObject({ status: 'pending', attempts: 2 });
    await run({ maxAttachmentBytes: 8 * 1024 * 1024 });
    const gaveUp = stateOf(liar);
    expect(gaveUp.status).toBe('failed');
    expect(gaveUp.failure).toMatch(/larger than the 1000 bytes Symphony declared.*gave up after 3 attempts/);
    expect(fs.readdirSync(path.join(spool(), connectorId)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('applies a lower size limit to new items by their declared size', async () => {
    const stream = [...emulator.pod.streams.values()][1]!;
    const big = emulator.pod.addMessage(stream.id, { attachmentSizes: [20_000] });
    const small = emulator.pod.addMessage(stream.id, { attachmentSizes: [2_000] });
    emulator.resetCounters();
    const summary = await run({ maxAttachmentBytes: 16 * 1024 });
    expect(summary.items.new).toBe(2);
    expect(stateOf(big)).toMatchObject({ status: 'failed' });
    expect(stateOf(big).failure).toMatch(/19.5 KB is over the 16 KB limit/);
    expect(stateOf(small)).toMatchObject({ status: 'stored', size: 2000 });
    expect(emulator.counters.requests.attachment).toBe(1);
    const result = summary.results.find((r) => r.streamId === stream.id)!;
    expect(result).toMatchObject({ attachmentsFailed: 1, attachmentsStored: 1 });
  });
});
