import BetterSqlite3 from 'better-sqlite3';
import type { Connector } from '../../shared/contract';
import type { Store } from '../../electron/core/store/database';
import type { DeliveryState } from '../../electron/core/store/repos/deliveries';
import type {
  CaptureStage,
  CapturedItemRef,
  ConvertOutcome,
  ConvertStage,
  DeliveryView,
  ImportStage,
  MapStage,
  Resolution,
  StageContext,
  Stages,
} from '../../electron/core/runs/stages';

/**
 * In-test stages over real SQLite, with the same resumability contract as the real ones:
 * capture stores items and its checkpoint in one transaction; import writes `sending` before it
 * "creates" the message in a fake mailbox store (a separate SQLite file, like a remote server) and
 * looks it up there before creating again. `point(name)` marks places where a test may kill the process.
 */

export interface FakePod {
  messages: number;
  streams: number;
  /** Every n-th message fails conversion (0: none). */
  convertFailEvery: number;
  /** Every n-th message is too large (0: none). */
  tooLargeEvery: number;
}

export interface StageHooks {
  point(name: string): void;
}

const noHooks: StageHooks = { point() {} };

/** Members of stream s: users s, s+1, s+2 (mod 40). Stream 3 has only unmapped users; 5 only excluded. */
export function streamMembers(s: number): string[] {
  if (s % 10 === 3) return [`ghost${s}a@elsewhere.test`, `ghost${s}b@elsewhere.test`];
  if (s % 10 === 5) return [`excluded${s}@acme.test`];
  return [0, 1, 2].map((k) => `user${(s + k) % 40}@acme.test`);
}

export function mailboxesOf(s: number): string[] {
  return streamMembers(s).filter((m) => m.startsWith('user')).sort();
}

export function messageOf(i: number, pod: FakePod) {
  const s = i % pod.streams;
  const bytes = pod.tooLargeEvery && i % pod.tooLargeEvery === pod.tooLargeEvery - 1 ? 200 * 1024 * 1024 : 1000 + (i % 500);
  return { messageId: `m${i}`, streamId: `stream${s}`, sender: streamMembers(s)[0]!, bytes, timestamp: Date.UTC(2026, 0, 1) + i * 1000 };
}

export function setupTestTables(store: Store): void {
  store.db.exec(`
    CREATE TABLE IF NOT EXISTS t_items (id INTEGER PRIMARY KEY, connector_id TEXT NOT NULL, message_id TEXT NOT NULL, stream_id TEXT NOT NULL,
      sender TEXT NOT NULL, bytes INTEGER NOT NULL, ts INTEGER NOT NULL, captured_at TEXT NOT NULL, UNIQUE (connector_id, message_id));
    CREATE TABLE IF NOT EXISTS t_checkpoint (connector_id TEXT PRIMARY KEY, next_index INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS t_deliveries (connector_id TEXT NOT NULL, archive_key TEXT NOT NULL, mailbox TEXT NOT NULL, status TEXT NOT NULL,
      graph_id TEXT, error TEXT, attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (connector_id, archive_key, mailbox));
    CREATE INDEX IF NOT EXISTS t_deliveries_open ON t_deliveries (connector_id, status);
  `);
}

/** The fake Graph: messages that "exist in mailboxes", in their own database file. */
export function openMailboxes(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  // No unique key on purpose: a duplicate delivery must be visible to the test, not prevented.
  db.exec('CREATE TABLE IF NOT EXISTS mailbox (id INTEGER PRIMARY KEY, mailbox TEXT NOT NULL, archive_key TEXT NOT NULL)');
  db.exec('CREATE INDEX IF NOT EXISTS mailbox_key ON mailbox (mailbox, archive_key)');
  return db;
}

export interface TestStageOptions {
  store: Store;
  pod: FakePod;
  mailboxes: BetterSqlite3.Database;
  hooks?: StageHooks;
  /** Mailboxes whose deliveries fail (like a mailbox Graph refuses). */
  failingMailboxes?: Set<string>;
  capturePage?: number;
  /**
   * Benchmarks: deliveries in batches of 500 per transaction (sending, create, delivered), so a
   * half-million-message run finishes in minutes. Still exactly once, at batch granularity.
   */
  batchImport?: boolean;
}

export function createTestStages(options: TestStageOptions): Stages {
  const { store, pod, mailboxes } = options;
  const hooks = options.hooks ?? noHooks;
  const failing = options.failingMailboxes ?? new Set<string>();
  setupTestTables(store);
  const db = store.db;
  const toRef = (r: { id: number; message_id: string; stream_id: string; sender: string; bytes: number; ts: number; captured_at: string }): CapturedItemRef => ({
    id: r.id,
    messageId: r.message_id,
    streamId: r.stream_id,
    sender: r.sender,
    bytes: r.bytes,
    timestamp: r.ts,
    capturedAt: r.captured_at,
  });

  const capture: CaptureStage = {
    async capture(ctx: StageContext) {
      const pageSize = options.capturePage ?? 200;
      const cp = () => (db.prepare('SELECT next_index FROM t_checkpoint WHERE connector_id = ?').get(ctx.connector.id) as { next_index: number } | undefined)?.next_index ?? 0;
      const insert = db.prepare('INSERT INTO t_items (connector_id, message_id, stream_id, sender, bytes, ts, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
      const save = db.prepare('INSERT INTO t_checkpoint (connector_id, next_index) VALUES (?, ?) ON CONFLICT (connector_id) DO UPDATE SET next_index = excluded.next_index');
      for (let next = cp(); next < pod.messages; ) {
        if (ctx.signal.aborted) throw new Error('aborted');
        const end = Math.min(pod.messages, next + pageSize);
        const at = new Date(ctx.clock.now()).toISOString();
        store.transaction(() => {
          for (let i = next; i < end; i++) {
            const m = messageOf(i, pod);
            insert.run(ctx.connector.id, m.messageId, m.streamId, m.sender, m.bytes, m.timestamp, at);
            if (i === next + 1) hooks.point('capture:in-transaction');
          }
          save.run(ctx.connector.id, end);
        });
        next = end;
        hooks.point('capture:page');
        ctx.progress({ done: next, total: pod.messages });
        await new Promise((r) => setImmediate(r));
      }
    },
    page(connectorId, afterId, limit) {
      return (db.prepare('SELECT * FROM t_items WHERE connector_id = ? AND id > ? ORDER BY id LIMIT ?').all(connectorId, afterId, limit) as never[]).map(toRef);
    },
    byIds(connectorId, ids) {
      return (db.prepare('SELECT * FROM t_items WHERE connector_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id').all(connectorId, JSON.stringify(ids)) as never[]).map(toRef);
    },
    count(connectorId, afterId, throughId) {
      return (db.prepare('SELECT COUNT(*) AS n FROM t_items WHERE connector_id = ? AND id > ? AND id <= ?').get(connectorId, afterId, throughId) as { n: number }).n;
    },
    spoolFiles() {
      return [];
    },
  };

  const convert: ConvertStage = {
    async convert(connector: Connector, items) {
      hooks.point('convert');
      return items.map((item): ConvertOutcome => {
        const index = Number(item.messageId.slice(1));
        if (pod.convertFailEvery && index % pod.convertFailEvery === pod.convertFailEvery - 1) return { kind: 'failed', itemId: item.id, reason: { code: 'conversion-failed', message: 'Conversion failed: unreadable PresentationML' } };
        return { kind: 'email', archiveKey: `${connector.id}/${item.messageId}`, itemIds: [item.id], bytes: item.bytes + 400 };
      });
    },
  };

  const map: MapStage = {
    resolve(_connector, items): Resolution {
      const s = Number(items[0]!.streamId.replace('stream', ''));
      const members = streamMembers(s);
      return {
        mailboxes: mailboxesOf(s),
        unmapped: members.filter((m) => m.startsWith('ghost')).length,
        excluded: members.filter((m) => m.startsWith('excluded')).length,
        external: 0,
      };
    },
  };

  const upsert = db.prepare("INSERT INTO t_deliveries (connector_id, archive_key, mailbox, status) VALUES (?, ?, ?, 'pending') ON CONFLICT DO NOTHING");
  const setStatus = db.prepare('UPDATE t_deliveries SET status = ?, graph_id = ?, error = ?, attempts = attempts + ? WHERE connector_id = ? AND archive_key = ? AND mailbox = ?');
  const findInMailbox = mailboxes.prepare('SELECT id FROM mailbox WHERE mailbox = ? AND archive_key = ? LIMIT 1');
  const createInMailbox = mailboxes.prepare('INSERT INTO mailbox (mailbox, archive_key) VALUES (?, ?)');
  const importStage: ImportStage = {
    enqueue(connectorId, archiveKey, boxes) {
      hooks.point('map:enqueue');
      for (const mailbox of boxes) upsert.run(connectorId, archiveKey, mailbox);
    },
    async run(ctx) {
      if (options.batchImport) return runBatched(ctx);
      let done = 0;
      for (;;) {
        if (ctx.signal.aborted) throw new Error('aborted');
        const batch = db
          .prepare("SELECT archive_key, mailbox, status FROM t_deliveries WHERE connector_id = ? AND status IN ('pending', 'sending') ORDER BY archive_key, mailbox LIMIT 100")
          .all(ctx.connector.id) as { archive_key: string; mailbox: string; status: string }[];
        if (batch.length === 0) break;
        for (const d of batch) {
          setStatus.run('sending', null, null, 1, ctx.connector.id, d.archive_key, d.mailbox);
          hooks.point('import:sending');
          if (failing.has(d.mailbox)) {
            setStatus.run('failed', null, `mailbox ${d.mailbox} refused the message`, 0, ctx.connector.id, d.archive_key, d.mailbox);
            continue;
          }
          // After a crash in `sending`, the outcome is unknown: look before creating again.
          let found = findInMailbox.get(d.mailbox, d.archive_key) as { id: number } | undefined;
          if (!found) {
            const result = createInMailbox.run(d.mailbox, d.archive_key);
            found = { id: Number(result.lastInsertRowid) };
            hooks.point('import:created');
          }
          setStatus.run('delivered', `graph-${found.id}`, null, 0, ctx.connector.id, d.archive_key, d.mailbox);
          done++;
          ctx.progress({ done });
        }
        await new Promise((r) => setImmediate(r));
      }
    },
    deliveries(connectorId, keys) {
      const rows = db
        .prepare('SELECT archive_key, mailbox, status, graph_id, error FROM t_deliveries WHERE connector_id = ? AND archive_key IN (SELECT value FROM json_each(?))')
        .all(connectorId, JSON.stringify(keys)) as { archive_key: string; mailbox: string; status: DeliveryState; graph_id: string | null; error: string | null }[];
      const map = new Map<string, DeliveryView[]>();
      for (const r of rows) {
        const list = map.get(r.archive_key) ?? [];
        list.push({ mailbox: r.mailbox, status: r.status, graphId: r.graph_id, reason: r.error ? { code: 'invalid-input', message: r.error } : null });
        map.set(r.archive_key, list);
      }
      return map;
    },
    retry(connectorId, archiveKey) {
      db.prepare("UPDATE t_deliveries SET status = 'pending', error = NULL WHERE connector_id = ? AND archive_key = ? AND status = 'failed'").run(connectorId, archiveKey);
    },
  };

  // Two index ranges in rowid order: no sort over the whole open set per batch.
  const openOf = (state: string) =>
    db.prepare(`SELECT rowid AS rowid, archive_key, mailbox FROM t_deliveries WHERE connector_id = ? AND status = '${state}' ORDER BY rowid LIMIT 500`);
  const sendingBatch = openOf('sending');
  const pendingBatch = openOf('pending');
  const runBatched = async (ctx: StageContext) => {
    let done = 0;
    for (;;) {
      if (ctx.signal.aborted) throw new Error('aborted');
      let batch = sendingBatch.all(ctx.connector.id) as { archive_key: string; mailbox: string }[];
      if (batch.length === 0) batch = pendingBatch.all(ctx.connector.id) as { archive_key: string; mailbox: string }[];
      if (batch.length === 0) break;
      store.transaction(() => batch.forEach((d) => setStatus.run('sending', null, null, 1, ctx.connector.id, d.archive_key, d.mailbox)));
      const ids = mailboxes.transaction(() =>
        batch.map((d) => {
          const found = findInMailbox.get(d.mailbox, d.archive_key) as { id: number } | undefined;
          return found?.id ?? Number(createInMailbox.run(d.mailbox, d.archive_key).lastInsertRowid);
        }),
      )();
      store.transaction(() => batch.forEach((d, i) => setStatus.run('delivered', `graph-${ids[i]}`, null, 0, ctx.connector.id, d.archive_key, d.mailbox)));
      done += batch.length;
      ctx.progress({ done });
      await new Promise((r) => setImmediate(r));
    }
  };

  return { capture, convert, map, import: importStage };
}
