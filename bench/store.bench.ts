import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../electron/core/store/database';
import { CaptureRepository, type NewItem } from '../electron/core/store/repos/capture';
import { CaptureWriter } from '../electron/core/store/repos/capture-writer';
import { ConnectorRepository } from '../electron/core/store/repos/connectors';
import { makeTempDir } from '../test/support/tmp';
import type { BenchRow } from './types';

const STREAMS = 50;

/**
 * Store: captured items written through the capture writer (pages of 500 with their checkpoint,
 * senders upserted, ON CONFLICT de-duplication) vs a bare prepared INSERT loop of the same rows into
 * the same table in one transaction. Both on real files with WAL and synchronous=FULL.
 */
export async function runStoreBench(count = 50_000): Promise<BenchRow[]> {
  const rows = makeItems(count);
  const repoRate = await measure((store, connectorId) => {
    // As the member-stream reader writes a page: the items and the checkpoint past them, together.
    const writer = new CaptureWriter(store, connectorId, 'bench.symphony.com');
    const conversations = new CaptureRepository(store).conversations;
    for (let s = 0; s < STREAMS; s++) {
      const streamItems = rows.filter((_, i) => i % STREAMS === s);
      for (let i = 0; i < streamItems.length; i += 500) {
        const page = streamItems.slice(i, i + 500);
        writer.write({ items: page.map((item) => ({ streamId: streamId(s), item })) }, () => conversations.setCheckpoint(connectorId, streamId(s), { since: page.at(-1)!.timestamp, skip: 1 }));
      }
    }
  });
  const bareRate = await measure((store, connectorId) => {
    const insert = store.db.prepare(`INSERT INTO items (connector_id, pod, message_id, stream_id, timestamp, sender_id, presentation_ml, entity_json,
        replaces_message_id, source_json, source_sha256, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const at = new Date().toISOString();
    store.db.transaction(() => {
      rows.forEach((r, i) =>
        insert.run(connectorId, 'bench.symphony.com', r.messageId, streamId(i % STREAMS), r.timestamp, r.sender.userId, r.presentationML, r.entityJSON, null, r.sourceJson, r.sourceSha256, at),
      );
    })();
  });
  // The same bare insert, committed page by page as capture must (a page and its checkpoint are
  // one durable step): this isolates the repository's own cost from the cost of the commits.
  const pagedRate = await measure((store, connectorId) => {
    const insert = store.db.prepare(`INSERT INTO items (connector_id, pod, message_id, stream_id, timestamp, sender_id, presentation_ml, entity_json,
        replaces_message_id, source_json, source_sha256, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const at = new Date().toISOString();
    for (let s = 0; s < STREAMS; s++) {
      const streamItems = rows.filter((_, i) => i % STREAMS === s);
      for (let i = 0; i < streamItems.length; i += 500) {
        const page = streamItems.slice(i, i + 500);
        store.db.transaction(() => {
          for (const r of page) insert.run(connectorId, 'bench.symphony.com', r.messageId, streamId(s), r.timestamp, r.sender.userId, r.presentationML, r.entityJSON, null, r.sourceJson, r.sourceSha256, at);
        })();
      }
    }
  });
  return [
    { name: 'store: capture writer', value: Math.round(repoRate), unit: 'items/s', note: `${count} items, ${STREAMS} conversations, pages of 500` },
    { name: 'store: bare prepared insert, one transaction', value: Math.round(bareRate), unit: 'items/s' },
    { name: 'store: bare prepared insert, one commit per page of 500', value: Math.round(pagedRate), unit: 'items/s', note: 'the commits capture needs (page + checkpoint durable together, synchronous=FULL)' },
    { name: 'store ratio writer / bare, one transaction', value: Number((repoRate / bareRate).toFixed(2)), unit: '×' },
    { name: 'store ratio writer / bare, same commits', value: Number((repoRate / pagedRate).toFixed(2)), unit: '×', note: "the writer's own cost (ON CONFLICT, senders, checkpoint)" },
  ];

  async function measure(write: (store: Store, connectorId: string) => void): Promise<number> {
    const temp = makeTempDir('archiver-bench-store-');
    const store = Store.open(path.join(temp.dir, 'bench.db'));
    try {
      const connectorId = new ConnectorRepository(store).create('bench').id;
      const capture = new CaptureRepository(store);
      capture.conversations.upsertConversations(
        connectorId,
        Array.from({ length: STREAMS }, (_, s) => ({ streamId: streamId(s), streamType: 'ROOM' as const, name: `Room ${s}`, external: false, crossPod: false, active: true, lastModified: null })),
      );
      capture.conversations.upsertParticipants(connectorId, [rows[0]!.sender], true);
      const started = performance.now();
      write(store, connectorId);
      const seconds = (performance.now() - started) / 1000;
      const stored = (store.db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
      if (stored !== count) throw new Error(`stored ${stored} of ${count} items`);
      return count / seconds;
    } finally {
      store.dispose();
      temp.cleanup();
    }
  }
}

function streamId(s: number): string {
  return `stream${String(s).padStart(4, '0')}AAAAAAAAAAAA`;
}

function makeItems(count: number): NewItem[] {
  const sender = { userId: '349026222344902', email: 'alice@acme.example', displayName: 'Alice Archer', username: 'alice', external: false };
  return Array.from({ length: count }, (_, i) => {
    const presentationML = `<div data-format="PresentationML" data-version="2.0"><p>Message ${i}: the quarterly numbers are in.</p></div>`;
    const sourceJson = JSON.stringify({ messageId: `m${i}`, message: presentationML, timestamp: 1_760_000_000_000 + i });
    return {
      messageId: `msg${String(i).padStart(8, '0')}`,
      timestamp: 1_760_000_000_000 + i,
      sender,
      presentationML,
      entityJSON: '{}',
      replacesMessageId: null,
      sourceJson,
      sourceSha256: createHash('sha256').update(sourceJson).digest('hex'),
      attachments: [],
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table(await runStoreBench());
}
