import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
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

  it('is the only place anything under electron/ compiles SQL: no db.prepare beside it', () => {
    const root = path.resolve(__dirname, '../..');
    // The store itself (the cache, and the migrations, which run once before it exists).
    const exempt = new Set(['electron/core/store/database.ts', 'electron/core/store/migrate.ts']);
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        const rel = path.relative(root, full);
        if (entry.isDirectory()) {
          if (rel !== 'electron/core/store/migrations') walk(full);
          continue;
        }
        if (!/\.tsx?$/.test(entry.name) || exempt.has(rel)) continue;
        const source = fs.readFileSync(full, 'utf8');
        if (!source.includes('prepare')) continue;
        found.push(...directPrepares(source, rel));
      }
    };
    walk(path.join(root, 'electron'));
    expect(found, 'use store.prepare(sql): one cache, one place').toEqual([]);
  });

  it('leaves the shared statements as the cache made them: no pluck, raw or expand in a repository', () => {
    const reposDir = path.resolve(__dirname, '../../electron/core/store/repos');
    const found = fs
      .readdirSync(reposDir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => fs.readFileSync(path.join(reposDir, f), 'utf8').split('\n').map((line, i) => [f, i + 1, line] as const))
      .filter(([, , line]) => /\.(pluck|raw|expand)\(/.test(line))
      .map(([f, n]) => `${f}:${n}`);
    expect(found).toEqual([]);
  });

  it('catches a repository that prepares on the connection itself (the check bites)', () => {
    const bad = `class R {
      constructor(private readonly store: Store) {}
      a() { return this.store.db.prepare('SELECT 1').get(); }
      b() { const db = this.store.db; return db.prepare('SELECT 2').get(); }
      c() { return this.store.prepare('SELECT 3').get(); }
    }`;
    expect(directPrepares(bad, 'r.ts')).toEqual(['r.ts:3 this.store.db.prepare', 'r.ts:4 db.prepare']);
  });
});

/** Calls of `.prepare(...)` on a connection (`….db` or a variable named `db`) rather than on the Store. */
function directPrepares(source: string, fileName: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'prepare') {
      const receiver = node.expression.expression;
      const onConnection = (ts.isIdentifier(receiver) && receiver.text === 'db') || (ts.isPropertyAccessExpression(receiver) && receiver.name.text === 'db');
      if (onConnection) found.push(`${fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${node.expression.getText().replace(/\s+/g, '')}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
