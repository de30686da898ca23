import BetterSqlite3 from 'better-sqlite3';

/**
 * Counts, while on, how often each captured item's row (table `items`) and each of its
 * attachment rows (table `attachments`) come back from SQLite to the app, and which statements
 * returned them. It wraps the row-returning methods of better-sqlite3's Statement (get, all,
 * iterate) for the whole process, so it sees every statement of every repository, prepared
 * before or after, cached or not: what is counted is rows the database really returned.
 *
 * A row is an item row when its statement reads FROM items and it carries the item's `id` and
 * more (a list of ids alone comes from an index, not from the item's row); an
 * attachment row when the statement reads FROM attachments and it carries `item_id`/`itemId` and
 * `position`; a conversation row when the statement reads FROM conversations and it carries
 * `stream_id`. Counts (COUNT(*), SUM) return no such row and are not reads of an item.
 */
export interface RowReads {
  /** item id → times its row was returned. */
  items: Map<number, number>;
  /** "itemId:position" → times the attachment row was returned. */
  attachments: Map<string, number>;
  /** stream id → times its conversation row (table `conversations`) was returned. */
  conversations: Map<string, number>;
  /** Statement (SQL as prepared) → rows of items, attachments or conversations it returned. */
  statements: Map<string, number>;
  start(): void;
  stop(): void;
  reset(): void;
  /** Puts better-sqlite3's own methods back. */
  dispose(): void;
}

type Row = Record<string, unknown>;

const READS_ITEMS = /\bFROM\s+items\b/i;
const READS_ATTACHMENTS = /\bFROM\s+attachments\b/i;
const READS_CONVERSATIONS = /\bFROM\s+conversations\b/i;

export function recordRowReads(): RowReads {
  // Every connection's statements share one prototype: a scratch connection reaches it.
  const scratch = new BetterSqlite3(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('SELECT 1')) as Record<'get' | 'all' | 'iterate', (...args: unknown[]) => unknown>;
  scratch.close();
  const original = { get: proto.get, all: proto.all, iterate: proto.iterate };
  const reads: RowReads = {
    items: new Map(),
    attachments: new Map(),
    conversations: new Map(),
    statements: new Map(),
    start: () => void (on = true),
    stop: () => void (on = false),
    reset() {
      reads.items.clear();
      reads.attachments.clear();
      reads.conversations.clear();
      reads.statements.clear();
    },
    dispose() {
      on = false;
      Object.assign(proto, original);
    },
  };
  let on = false;
  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  const see = (source: string, row: unknown) => {
    if (!on || !row || typeof row !== 'object') return;
    const r = row as Row;
    const itemId = r.item_id ?? r.itemId;
    if (READS_ATTACHMENTS.test(source) && typeof itemId === 'number' && typeof r.position === 'number') {
      bump(reads.attachments, `${itemId}:${r.position}`);
      bump(reads.statements, source);
    } else if (READS_ITEMS.test(source) && typeof r.id === 'number' && Object.keys(r).length > 1) {
      bump(reads.items, r.id);
      bump(reads.statements, source);
    } else if (READS_CONVERSATIONS.test(source) && typeof r.stream_id === 'string') {
      bump(reads.conversations, r.stream_id);
      bump(reads.statements, source);
    }
  };
  proto.get = function (this: { source: string }, ...args: unknown[]) {
    const row = original.get.apply(this, args);
    see(this.source, row);
    return row;
  };
  proto.all = function (this: { source: string }, ...args: unknown[]) {
    const rows = original.all.apply(this, args) as unknown[];
    for (const row of rows) see(this.source, row);
    return rows;
  };
  proto.iterate = function (this: { source: string }, ...args: unknown[]) {
    // Started now, as better-sqlite3's own iterate is; each row is seen as it is taken.
    const rows = original.iterate.apply(this, args) as Iterable<unknown>;
    const source = this.source;
    return (function* () {
      for (const row of rows) {
        see(source, row);
        yield row;
      }
    })();
  };
  return reads;
}
