import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/database';
import { makeTempDir } from '../support/tmp';

describe('the store’s one prepared-statement cache', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('compiles a SQL text once and hands every caller the same statement', () => {
    const store = Store.open(path.join(temp.dir, 'same.db'));
    try {
      const sql = 'SELECT id, name FROM connectors WHERE id = ?';
      const first = store.prepare(sql);
      expect(store.prepare(sql)).toBe(first);
      expect(store.prepare(`${sql} `)).not.toBe(first);
      expect(first.get('none')).toBeUndefined();
    } finally {
      store.dispose();
    }
  });

  it('keeps texts made per call from growing it: the least recently used goes first, and still runs when asked again', () => {
    const store = Store.open(path.join(temp.dir, 'bound.db'));
    try {
      const kept = store.prepare('SELECT 1 AS n');
      const dropped = store.prepare('SELECT 2 AS n');
      for (let i = 0; i < 2000; i++) {
        // Using `kept` now and then keeps it recent; `dropped` is never used again.
        if (i % 100 === 0) expect(store.prepare('SELECT 1 AS n')).toBe(kept);
        expect(store.prepare(`SELECT ${i + 10} AS n`).get()).toEqual({ n: i + 10 });
      }
      expect(store.prepare('SELECT 1 AS n')).toBe(kept);
      const again = store.prepare('SELECT 2 AS n');
      expect(again).not.toBe(dropped);
      expect(again.get()).toEqual({ n: 2 });
    } finally {
      store.dispose();
    }
  });
});
