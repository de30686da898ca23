import type BetterSqlite3 from 'better-sqlite3';

/**
 * Adds values to a `CHECK (column IN (...))` constraint of an existing table. SQLite cannot alter
 * a constraint, so this follows its documented rebuild procedure (https://www.sqlite.org/lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes"): create the new table from the stored CREATE
 * statement with the list widened, copy every row, drop the old table, rename, re-create its
 * indexes. The statement is read from `sqlite_master` rather than repeated here, so whatever
 * earlier steps did to the table (added columns, other constraints) is kept as it is.
 * Runs inside the migration's transaction; nothing may reference the table by foreign key.
 */
export function widenCheck(db: BetterSqlite3.Database, table: string, column: string, added: readonly string[]): void {
  const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string } | undefined;
  if (!row) throw new Error(`table ${table} does not exist`);
  const pattern = new RegExp(`(CHECK\\s*\\(\\s*${column}\\s+IN\\s*\\()([^)]*)(\\))`, 'i');
  const match = pattern.exec(row.sql);
  if (!match) throw new Error(`table ${table} has no CHECK (${column} IN (...)) constraint`);
  const present = [...match[2]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
  const missing = added.filter((v) => !present.includes(v));
  if (missing.length === 0) return;
  const list = [...present, ...missing].map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
  const temp = `${table}__widened`;
  const createSql = row.sql.replace(pattern, `$1${list}$3`).replace(/^CREATE TABLE\s+("?)\w+\1/i, `CREATE TABLE ${temp}`);
  const indexes = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").all(table) as { sql: string }[]).map((r) => r.sql);
  db.exec(createSql);
  db.exec(`INSERT INTO ${temp} SELECT * FROM ${table}`);
  db.exec(`DROP TABLE ${table}`);
  db.exec(`ALTER TABLE ${temp} RENAME TO ${table}`);
  for (const sql of indexes) db.exec(sql);
}
