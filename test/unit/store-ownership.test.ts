import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/database';
import { parseOwnership, tableNames, tablesNamedBySql } from '../support/sql-tables';

/**
 * SQL by owner (issue 18): every table of the schema has one repository, listed in the table of
 * docs/ARCHITECTURE.md ("The store"), and a repository's SQL names only the tables of its row.
 * Where a domain needs another's data, it asks that repository and the caller composes the answers.
 */

const root = path.resolve(__dirname, '../..');
const reposDir = path.join(root, 'electron/core/store/repos');
const ownership = parseOwnership(fs.readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8'));

/**
 * Known debt, each pair named; a pair that is no longer needed fails below, so this list only
 * shrinks. Empty since capture has one writer (issue 18, "Capture behind one port").
 */
const PENDING: Record<string, readonly string[]> = {};

function schemaTables(): Set<string> {
  const store = Store.open(':memory:');
  try {
    const rows = store.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
    return new Set(rows.map((r) => r.name));
  } finally {
    store.dispose();
  }
}

/** Each table a file names that its repository does not own, with where. */
function violations(file: string, source: string, known: ReadonlySet<string>): string[] {
  const row = ownership.find((r) => r.files.includes(file));
  if (!row) return [`${file} is not in the ownership table of docs/ARCHITECTURE.md: add a row naming its tables`];
  const own = new Set(row.tables);
  return [...tablesNamedBySql(source, known, file)].filter(([table]) => !own.has(table)).map(([table, at]) => `${file}:${at.line} names ${table} (owned by ${ownerOf(table)}): ${at.sql}`);
}

function ownerOf(table: string): string {
  return ownership.find((r) => r.tables.includes(table))?.files.join(', ') ?? 'nobody';
}

describe('SQL by owner', () => {
  const known = schemaTables();

  it('gives every table of the schema exactly one repository, and names no table the schema lacks', () => {
    const listed = ownership.flatMap((r) => r.tables);
    expect(listed.filter((t, i) => listed.indexOf(t) !== i), 'tables listed twice').toEqual([]);
    expect([...known].filter((t) => !listed.includes(t)).sort(), 'tables without an owner: add them to docs/ARCHITECTURE.md').toEqual([]);
    expect(listed.filter((t) => !known.has(t)), 'owned tables the schema does not have').toEqual([]);
  });

  it('lists every repository file once, and only files that exist', () => {
    const files = fs.readdirSync(reposDir).filter((f) => f.endsWith('.ts'));
    const listed = ownership.flatMap((r) => r.files);
    expect(listed.filter((f, i) => listed.indexOf(f) !== i), 'files listed twice').toEqual([]);
    expect(files.filter((f) => !listed.includes(f)), 'repositories missing from docs/ARCHITECTURE.md').toEqual([]);
    expect(listed.filter((f) => !fs.existsSync(path.join(reposDir, f))), 'listed files that do not exist').toEqual([]);
  });

  it('finds in each repository only SQL on its own tables', () => {
    const found: string[] = [];
    for (const file of fs.readdirSync(reposDir).filter((f) => f.endsWith('.ts'))) {
      const pending = new Set(PENDING[file] ?? []);
      found.push(...violations(file, fs.readFileSync(path.join(reposDir, file), 'utf8'), known).filter((v) => !pending.has(v.split(' names ')[1]!.split(' ')[0]!)));
    }
    expect(found).toEqual([]);
  });

  it('keeps the list of known debt honest: every pending pair is still there', () => {
    const stale: string[] = [];
    for (const [file, tables] of Object.entries(PENDING)) {
      const named = tablesNamedBySql(fs.readFileSync(path.join(reposDir, file), 'utf8'), known, file);
      for (const table of tables) if (!named.has(table)) stale.push(`${file} no longer names ${table}: remove it from PENDING in ${path.basename(__filename)}`);
    }
    expect(stale).toEqual([]);
  });

  it('has no SQL on the archive tables outside the store', () => {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (full !== path.join(root, 'electron/core/store')) walk(full);
        } else if (/\.tsx?$/.test(entry.name)) {
          const source = fs.readFileSync(full, 'utf8');
          // Only a file with a statement keyword is worth parsing (keeps this test fast).
          if (!/\b(SELECT|INSERT|UPDATE|DELETE)\b/i.test(source)) continue;
          const named = tablesNamedBySql(source, known, entry.name);
          for (const [table, at] of named) found.push(`${path.relative(root, full)}:${at.line} names ${table}: ${at.sql}`);
        }
      }
    };
    walk(path.join(root, 'electron'));
    // Words like "from items" in an officer's message are prose, not SQL: only statements count.
    expect(found.filter((f) => /\b(SELECT|INSERT|UPDATE|DELETE)\b/i.test(f.split(': ').slice(1).join(': ')))).toEqual([]);
  });

  it('catches a repository that reads or writes another domain’s table (the check bites)', () => {
    const bad = `
      export class MappingRepository {
        constructor(private readonly store: Store) {}
        held() { return this.store.prepare('SELECT item_id FROM mapping_held').all(); }
        sneak(key: string) {
          return this.store.prepare(\`SELECT d.state FROM mapping_custom c
            JOIN deliveries d ON d.archive_key = c.key WHERE c.key = \${'?'}\`).all(key);
        }
        write() { this.store.prepare("UPDATE item_outcomes SET status = 'skipped'").run(); }
      }`;
    const found = violations('mapping.ts', bad, known);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^mapping\.ts:7 names deliveries \(owned by deliveries\.ts\)/);
    expect(found[1]).toMatch(/^mapping\.ts:9 names item_outcomes \(owned by item-log\.ts\)/);
    expect(violations('new-thing.ts', bad, known)[0]).toMatch(/not in the ownership table/);
  });

  it('reads table names where SQL puts them, and nothing else', () => {
    expect(tableNames('SELECT a.x FROM items i LEFT JOIN attachments a ON a.item_id = i.id WHERE i.id IN (SELECT value FROM json_each(?))')).toEqual(['items', 'attachments', 'json_each']);
    expect(tableNames('INSERT OR IGNORE INTO run_items (run_id) SELECT 1 FROM main.runs r, locks l')).toEqual(['run_items', 'runs', 'locks']);
    expect(tableNames('UPDATE deliveries SET state = ? WHERE id = ?; DELETE FROM mailbox_folders; CREATE TABLE IF NOT EXISTS notes (x)')).toEqual(['deliveries', 'mailbox_folders', 'notes']);
    // An interpolated name is not read as a table, nor is a word of prose outside table position.
    const named = tablesNamedBySql('const a = `DELETE FROM ${table} WHERE items = 1`; const b = "the items are ready";', new Set(['items']));
    expect([...named.keys()]).toEqual([]);
  });
});
