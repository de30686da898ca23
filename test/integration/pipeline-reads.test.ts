import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stages } from '../../electron/core/runs/stages';
import { landingProblems, startRealWorld, type RealWorld } from '../support/pipeline-world';
import { recordRowReads, type RowReads } from '../support/sqlite-reads';
import { makeTempDir } from '../support/tmp';

/**
 * Issue #19: between capture and the Graph create, a captured item's rows are read from SQLite
 * once for its conversion, not once per step (it was seven times). Counted on a real run over
 * both emulators and a real SQLite file: every row SQLite returns from `items` and
 * `attachments` from the end of capture to the end of the import (recordRowReads).
 */
describe('a run reads each captured item once between capture and create', () => {
  const temp = makeTempDir();
  let world: RealWorld;
  const reads: RowReads = recordRowReads();
  let status = '';

  beforeAll(async () => {
    const wrap = (stages: Stages): Stages => ({
      ...stages,
      capture: { ...stages.capture, capture: async (ctx) => { await stages.capture.capture(ctx); reads.start(); } },
      import: { ...stages.import, run: async (ctx) => { await stages.import.run(ctx); reads.stop(); } },
    });
    world = await startRealWorld(temp.dir, {
      symphony: { seed: 'reads', conversations: 3, messages: 45, attachments: 12, internalUsers: 5, externalUsers: 0 },
      // Three pages: what is read once per page stays once per item.
      pipeline: { pageSize: 20 },
      wrapStages: wrap,
    });
    const outcome = await (await world.controller.start(world.connector.id, 'manual')).done;
    status = outcome.status;
  }, 180_000);
  afterAll(async () => {
    reads.dispose();
    await world?.close();
    temp.cleanup();
  });

  it('delivers everything, reading each item row once and each attachment row twice', () => {
    expect(status).toBe('succeeded');
    expect(landingProblems(world)).toEqual([]);
    const db = world.store.db;
    const items = (db.prepare('SELECT id FROM items ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    const attachments = (db.prepare("SELECT item_id || ':' || position AS key FROM attachments").all() as { key: string }[]).map((r) => r.key);
    const streams = (db.prepare('SELECT DISTINCT stream_id FROM items').all() as { stream_id: string }[]).map((r) => r.stream_id);
    expect(items.length).toBeGreaterThanOrEqual(45);
    expect(attachments.length).toBeGreaterThanOrEqual(12);
    const statements = [...reads.statements].map(([sql, n]) => `${n} rows: ${sql.replace(/\s+/g, ' ').slice(0, 140)}`).join('\n');
    // Once: the page's rows, read when the pipeline lists the page, serve its conversion and mapping.
    expect(items.filter((id) => reads.items.get(id) !== 1), statements).toEqual([]);
    // Twice: with the item for its conversion, and by the import's check that no spool file vanished.
    expect(attachments.filter((key) => reads.attachments.get(key) !== 2), statements).toEqual([]);
    // A conversation (with its members) at most once per page.
    const pages = Math.ceil(items.length / 20);
    expect(streams.filter((s) => (reads.conversations.get(s) ?? 0) > pages), statements).toEqual([]);
  });
});
