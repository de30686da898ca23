import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { captureRepoReader } from '../../electron/core/convert/reader';
import { LoadedPage } from '../../electron/core/runs/adapters/loaded-page';
import type { CapturedItemRef } from '../../electron/core/runs/stages';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository, type NewItem } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { recordRowReads } from '../support/sqlite-reads';
import { makeTempDir } from '../support/tmp';

/**
 * The page the pipeline plans is read once (runs/adapters/loaded-page.ts). Its refs must be what
 * the SQL listing it replaces computes (the item log's sender and captured bytes come from them),
 * and its conversion and mapping reads must come from memory, on a real SQLite file.
 */
const temp = makeTempDir('loaded-page-');
afterAll(() => temp.cleanup());

const STREAMS = ['stream-a', 'stream-b'];

function world(name: string) {
  const store = Store.open(path.join(temp.dir, `${name}.db`));
  const connectorId = new ConnectorRepository(store).create(name).id;
  const capture = new CaptureRepository(store);
  capture.conversations.upsertConversations(
    connectorId,
    STREAMS.map((streamId) => ({ streamId, streamType: 'ROOM' as const, name: streamId, external: false, crossPod: false, active: true, lastModified: null })),
  );
  return { store, connectorId, capture };
}

/** The light listing the loaded page replaced, in its SQL: the oracle of the refs. */
function lightListing(store: Store, connectorId: string, fromId: number): CapturedItemRef[] {
  return store.db
    .prepare(
      `SELECT i.id, i.stream_id AS streamId, i.message_id AS messageId, COALESCE(NULLIF(p.email, ''), i.sender_id) AS sender, i.captured_at AS capturedAt, i.timestamp,
         length(i.source_json) + COALESCE((SELECT SUM(COALESCE(a.size, a.declared_size)) FROM attachments a WHERE a.item_id = i.id), 0) AS bytes
       FROM items i LEFT JOIN participants p ON p.connector_id = i.connector_id AND p.user_id = i.sender_id
       WHERE i.connector_id = ? AND i.id >= ? ORDER BY i.id`,
    )
    .all(connectorId, fromId) as CapturedItemRef[];
}

// Text as SQLite's length() counts it: emoji (surrogate pairs), NUL, non-ASCII. Not a lone
// surrogate: source JSON escapes it, and SQLite would not even give it back as written.
const sourceText = fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\u0000', '"', '日', '\u2028'), maxLength: 30 });

describe('the loaded page', () => {
  it('gives the refs the SQL listing gives, whatever the source text, sender and attachments', () => {
    const { store, connectorId, capture } = world('refs');
    let n = 0;
    fc.assert(
      fc.property(
        fc.array(fc.record({ text: sourceText, email: fc.constantFrom('', 'jane@acme.example'), stream: fc.constantFrom(...STREAMS), sizes: fc.array(fc.nat({ max: 5000 }), { maxLength: 3 }), stored: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        (specs) => {
          const first = n + 1;
          for (const spec of specs) {
            n++;
            const item: NewItem = {
              messageId: `m${n}`, timestamp: 1_770_000_000_000 + n, sender: { userId: `u${n % 3}`, email: spec.email, displayName: 'Jane', external: false },
              presentationML: '<div>x</div>', entityJSON: '', replacesMessageId: null, sourceJson: `{"t":"${spec.text}"}`, sourceSha256: 'x',
              attachments: spec.sizes.map((size, i) => ({ attachmentId: `a${i}`, name: `f${i}`, contentType: '', declaredSize: size, inline: false })),
            };
            capture.insertItems(connectorId, 'acme.symphony.com', spec.stream, [item]);
            if (spec.stored) spec.sizes.forEach((size, i) => capture.markAttachmentStored(n, i, { size: size + 7, sha256: 'x', spoolPath: `/spool/${n}-${i}` }));
          }
          const light = lightListing(store, connectorId, first);
          const page = new LoadedPage(capture, captureRepoReader(capture));
          expect(page.listAfter(connectorId, first - 1, 100)).toEqual(light);
          const ids = Array.from({ length: specs.length }, (_, i) => first + i).reverse();
          expect(page.listByIds(connectorId, ids)).toEqual(light);
        },
      ),
      { seed: 19, numRuns: 60 },
    );
    store.dispose();
  });

  it('serves conversion and mapping from memory: each conversation read once, an edit\'s original found on the page', () => {
    const { store, connectorId, capture } = world('reads');
    const items: NewItem[] = Array.from({ length: 12 }, (_, i) => ({
      messageId: `m${i}`, timestamp: 1_770_000_000_000 + i, sender: { userId: 'u1', email: 'jane@acme.example', displayName: 'Jane', external: false },
      presentationML: '<div>x</div>', entityJSON: '', replacesMessageId: i === 11 ? 'm3' : null, sourceJson: '{}', sourceSha256: 'x', attachments: [],
    }));
    capture.insertItems(connectorId, 'acme.symphony.com', STREAMS[0]!, items.slice(0, 6));
    capture.insertItems(connectorId, 'acme.symphony.com', STREAMS[1]!, items.slice(6));
    const reads = recordRowReads();
    const page = new LoadedPage(capture, captureRepoReader(capture));
    reads.start();
    const refs = page.listAfter(connectorId, 0, 100);
    page.ensure(connectorId, refs.map((r) => r.id));
    for (const ref of refs) for (let step = 0; step < 3; step++) expect(page.getMessage(connectorId, ref.id)?.message.messageId).toBe(ref.messageId);
    expect(page.getMessage(connectorId, 'm3')?.message.id).toBe(refs[3]!.id);
    reads.stop();
    expect([...reads.items.values()]).toEqual(Array(12).fill(1));
    expect(Object.fromEntries(reads.conversations)).toEqual({ [STREAMS[0]!]: 1, [STREAMS[1]!]: 1 });
    // What the page does not hold is read from the store, and kept.
    page.listAfter(connectorId, 6, 100);
    reads.reset();
    reads.start();
    page.ensure(connectorId, [1, 2, 7]);
    expect(page.getMessage(connectorId, 1)?.message.messageId).toBe('m0');
    expect(page.getMessage(connectorId, 'm1')?.message.messageId).toBe('m1');
    reads.dispose();
    expect(Object.fromEntries(reads.items)).toEqual({ 1: 1, 2: 1 });
    expect(page.getMessage(connectorId, 999)).toBeUndefined();
    store.dispose();
  });
});
