import type BetterSqlite3 from 'better-sqlite3';

/**
 * Adds values to a `CHECK (column IN (...))` constraint of an existing table (see `rewriteCheck`).
 */
export function widenCheck(db: BetterSqlite3.Database, table: string, column: string, added: readonly string[]): void {
  rewriteCheck(db, table, column, (present) => [...present, ...added.filter((v) => !present.includes(v))]);
}

/**
 * Replaces the value list of a `CHECK (column IN (...))` constraint of an existing table, renaming
 * values of existing rows on the way (`renames`: old → new; every old value must be dropped from
 * the list or it stays allowed). SQLite cannot alter a constraint, so this follows its documented
 * rebuild procedure (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table
 * Schema Changes"): create the new table from the stored CREATE statement with the new list, copy
 * every row (renamed values mapped in the copy), drop the old table, rename, re-create its
 * indexes. The statement is read from `sqlite_master` rather than repeated here, so whatever
 * earlier steps did to the table (added columns, other constraints) is kept as it is.
 * Runs inside the migration's transaction; nothing may reference the table by foreign key.
 */
export function rewriteCheck(
  db: BetterSqlite3.Database,
  table: string,
  column: string,
  values: (present: readonly string[]) => readonly string[],
  renames: Readonly<Record<string, string>> = {},
): void {
  const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as { sql: string } | undefined;
  if (!row) throw new Error(`table ${table} does not exist`);
  const pattern = new RegExp(`(CHECK\\s*\\(\\s*${column}\\s+IN\\s*\\()([^)]*)(\\))`, 'i');
  const match = pattern.exec(row.sql);
  if (!match) throw new Error(`table ${table} has no CHECK (${column} IN (...)) constraint`);
  const present = [...match[2]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
  const next = values(present);
  const renamed = Object.entries(renames).filter(([from]) => present.includes(from));
  if (renamed.length === 0 && next.length === present.length && next.every((v, i) => v === present[i])) return;
  const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const temp = `${table}__rewritten`;
  const createSql = row.sql.replace(pattern, `$1${next.map(quote).join(', ')}$3`).replace(/^CREATE TABLE\s+("?)\w+\1/i, `CREATE TABLE ${temp}`);
  const indexes = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").all(table) as { sql: string }[]).map((r) => r.sql);
  const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  const mapped = renamed.length === 0 ? column : `CASE ${column} ${renamed.map(([from, to]) => `WHEN ${quote(from)} THEN ${quote(to)}`).join(' ')} ELSE ${column} END`;
  db.exec(createSql);
  db.exec(`INSERT INTO ${temp} (${columns.join(', ')}) SELECT ${columns.map((c) => (c === column ? mapped : c)).join(', ')} FROM ${table}`);
  db.exec(`DROP TABLE ${table}`);
  db.exec(`ALTER TABLE ${temp} RENAME TO ${table}`);
  for (const sql of indexes) db.exec(sql);
}
