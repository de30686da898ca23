import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stages } from '../../electron/core/runs/stages';
import { startRealWorld, type RealWorld, type RealWorldOptions } from '../support/world-recipes';
import { landingProblems } from '../support/landing';
import { recordRowReads, type RowReads } from '../support/sqlite-reads';
import { TestWorld } from '../support/world';
import { storedItems } from '../support/store-reads';

/**
 * Issue #19: between capture and the Graph create, a captured item's rows are read from SQLite
 * once for its conversion, not once per step (it was seven times). Counted on a real run over
 * both emulators and a real SQLite file: every row SQLite returns from `items` and
 * `attachments` from the end of capture to the end of the import (recordRowReads).
 */
const DAY = 86_400_000;
const PAGE = 20;
/** One world per counted run (each is the app's data folder of its run). */
const worlds: TestWorld[] = [];
const reads: RowReads = recordRowReads();
afterAll(async () => {
  reads.dispose();
  for (const world of worlds) await world.dispose();
});

/** One run over a fresh world, counting from the end of capture to the end of the import. */
async function countedRun(name: string, options: Partial<RealWorldOptions>): Promise<{ world: RealWorld; status: string }> {
  const wrap = (stages: Stages): Stages => ({
    ...stages,
    capture: { ...stages.capture, capture: async (ctx) => { await stages.capture.capture(ctx); reads.reset(); reads.start(); } },
    import: { ...stages.import, run: async (ctx) => { await stages.import.run(ctx); reads.stop(); } },
  });
  const temp = new TestWorld(`archiver-reads-${name}-`);
  worlds.push(temp);
  const world = await startRealWorld(temp, {
    symphony: { seed: 'reads', conversations: 3, messages: 45, attachments: 12, internalUsers: 5, externalUsers: 0, start: Date.now() - 4 * DAY, end: Date.now() - DAY },
    // Three pages: what is read once per page stays once per item.
    pipeline: { pageSize: PAGE },
    ...options,
    wrapStages: wrap,
  });
  const outcome = await (await world.controller.start(world.connector.id, 'manual')).done;
  return { world, status: outcome.status };
}

function rowsOf(world: RealWorld) {
  // Read after the counted window (the import's end): these reads are not counted.
  const stored = storedItems(world.store, world.connector.id).sort((a, b) => a.id - b.id);
  const items = stored.map((i) => ({ id: i.id, streamId: i.streamId, timestamp: i.timestamp }));
  const attachments = stored.flatMap((i) => i.attachments.map((a) => `${i.id}:${a.position}`));
  const statements = [...reads.statements].map(([sql, n]) => `${n} rows: ${sql.replace(/\s+/g, ' ').slice(0, 140)}`).join('\n');
  return { items, attachments, statements, streams: [...new Set(items.map((i) => i.streamId))] };
}

describe('a run in per-message mode reads each captured item once between capture and create', () => {
  let world: RealWorld;
  let status = '';
  beforeAll(async () => {
    ({ world, status } = await countedRun('messages', {}));
  }, 180_000);

  it('delivers everything, reading each item row once and each attachment row twice', () => {
    expect(status).toBe('succeeded');
    expect(landingProblems(world)).toEqual([]);
    const { items, attachments, statements, streams } = rowsOf(world);
    expect(items.length).toBeGreaterThanOrEqual(45);
    expect(attachments.length).toBeGreaterThanOrEqual(12);
    // Once: the page's rows, read when the pipeline lists the page, serve its conversion and mapping.
    expect(items.filter((i) => reads.items.get(i.id) !== 1), statements).toEqual([]);
    // Twice: with the item for its conversion, and by the import's check that no spool file vanished.
    expect(attachments.filter((key) => reads.attachments.get(key) !== 2), statements).toEqual([]);
    // A conversation (with its members) at most once per page.
    const pages = Math.ceil(items.length / PAGE);
    expect(streams.filter((s) => (reads.conversations.get(s) ?? 0) > pages), statements).toEqual([]);
  });
});

describe('a run in daily-transcript mode reads a day\'s items once, twice where the day crosses a page', () => {
  let world: RealWorld;
  let status = '';
  beforeAll(async () => {
    ({ world, status } = await countedRun('transcripts', { settings: (s) => ({ ...s, conversion: { ...s.conversion, mode: 'daily-transcript' } }) }));
  }, 180_000);

  it('delivers every day, and reads an item again only when its day began on an earlier page', () => {
    expect(status).toBe('succeeded');
    const { items, statements, streams } = rowsOf(world);
    expect(items.length).toBeGreaterThanOrEqual(45);
    // A day converted from an earlier page reads its items of later pages then; their own page reads them again.
    const pageOf = new Map(items.map((item, i) => [item.id, Math.floor(i / PAGE)]));
    const firstPageOfDay = new Map<string, number>();
    const dayOf = (i: { streamId: string; timestamp: number }) => `${i.streamId} ${Math.floor(i.timestamp / DAY)}`;
    for (const item of items) if (!firstPageOfDay.has(dayOf(item))) firstPageOfDay.set(dayOf(item), pageOf.get(item.id)!);
    const expected = (item: (typeof items)[number]) => (pageOf.get(item.id)! > firstPageOfDay.get(dayOf(item))! ? 2 : 1);
    expect(items.filter((i) => reads.items.get(i.id) !== expected(i)).map((i) => `${i.id}: ${reads.items.get(i.id)} reads, expected ${expected(i)}`), statements).toEqual([]);
    expect(items.filter((i) => expected(i) === 1).length).toBeGreaterThan(items.length / 2);
    const pages = Math.ceil(items.length / PAGE);
    expect(streams.filter((s) => (reads.conversations.get(s) ?? 0) > pages), statements).toEqual([]);
  });
});
