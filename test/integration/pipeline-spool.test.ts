import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reasonWords } from '../../shared/contract';
import { messageArchiveKey } from '../../electron/core/convert/ids';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import { ItemLogRepository } from '../../electron/core/store/repos/item-log';
import type { Stages } from '../../electron/core/runs/stages';
import { attachmentSha256 } from '../../electron/sandbox/emulators/symphony/model';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { landingProblems } from '../support/landing';
import { TestWorld } from '../support/world';

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * Issue 13, no dead ends: the spooled attachments disappear between capture and import (a disk
 * cleaned by someone else). They are downloaded again from Symphony and every item lands with
 * byte-identical attachments; only a file the pod no longer has makes its item fail, saying so.
 */
describe('spooled attachments that disappeared before the import', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function world(beforeImport: (w: RealWorld) => void): Promise<RealWorld> {
    const temp = new TestWorld();
    const current: { world?: RealWorld } = {};
    const wrap = (s: Stages): Stages => ({
      ...s,
      import: {
        ...s.import,
        async run(ctx) {
          beforeImport(current.world!);
          await s.import.run(ctx);
        },
      },
    });
    const w = await startRealWorld(temp, { symphony: { seed: 'spool', conversations: 4, messages: 60, attachments: 12, internalUsers: 4, externalUsers: 0, maxAttachmentBytes: 32 * 1024 }, wrapStages: wrap });
    current.world = w;
    cleanups.push(() => temp.dispose());
    return w;
  }

  /** archive key → sha256 of each attachment the pod's model serves for that message. */
  function podAttachments(w: RealWorld): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const stream of w.symphony.pod.streams.values()) {
      for (const m of stream.messages) if (m.attachments.length) result.set(messageArchiveKey(w.connector.id, m.id), m.attachments.map((a) => attachmentSha256(a)).sort());
    }
    return result;
  }

  it('downloads them again from Symphony and every item lands with its attachments', async () => {
    let deleted = 0;
    const w = await world((wd) => {
      for (const file of filesUnder(wd.paths.spool)) {
        fs.rmSync(file);
        deleted++;
      }
    });
    const outcome = await (await w.controller.start(w.connector.id, 'manual')).done;
    expect(deleted).toBeGreaterThan(5);
    expect(outcome.error).toBeNull();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.result!.reconciliation.failed.count).toBe(0);
    expect(landingProblems(w)).toEqual([]);
    // The files are back in the spool, and each landed message carries the pod's bytes.
    expect(filesUnder(w.paths.spool).length).toBe(deleted);
    const want = podAttachments(w);
    let checked = 0;
    for (const { message } of w.graphEmulator.directory.allMessages()) {
      const key = message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)!.value;
      const expected = want.get(key);
      if (!expected) continue;
      expect(message.attachments.map((a) => a.sha256).sort()).toEqual(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('fails only the item whose file the pod no longer has, saying so; the rest land', async () => {
    let gone: { key: string; name: string } | undefined;
    const w = await world((wd) => {
      // One message's file is removed from the pod, and every spooled file from the disk.
      const stream = [...wd.symphony.pod.streams.values()].find((s) => s.messages.some((m) => m.attachments.length === 1))!;
      const message = stream.messages.find((m) => m.attachments.length === 1)!;
      gone = { key: messageArchiveKey(wd.connector.id, message.id), name: message.attachments[0]!.name };
      message.attachments = [];
      for (const file of filesUnder(wd.paths.spool)) fs.rmSync(file);
    });
    const outcome = await (await w.controller.start(w.connector.id, 'manual')).done;
    const rec = outcome.result!.reconciliation;
    expect(outcome.status).toBe('completed-with-problems');
    expect(rec.balanced).toBe(true);
    expect(rec.failed.count).toBe(1);
    const failed = new ItemLogRepository(w.store).failed(w.connector.id, 0, 10).items;
    expect(failed).toHaveLength(1);
    expect(failed[0]!.archiveKey).toBe(gone!.key);
    // A value: which rule, what happened, what to do; the delivery's own reason in the detail.
    const reason = failed[0]!.reason!;
    expect(reason).toMatchObject({ code: 'delivery-failed', fix: 'Retry the item to archive it with a note that the file is missing, or skip it with a reason.' });
    expect(reason.message).toContain(`"${gone!.name}"`);
    expect(reasonWords(reason)).toMatch(/disappeared and could not be downloaded again from Symphony\. Retry the item/);
    // Everything else landed, exactly once.
    const problems = landingProblems(w).filter((p) => !p.startsWith(`${gone!.key} -> `));
    expect(problems).toEqual([]);
  });
});
