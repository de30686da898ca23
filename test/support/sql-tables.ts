import ts from 'typescript';

/**
 * Which tables a TypeScript file's SQL names. The file is parsed with the TypeScript compiler
 * (not searched as text), so only string and template literals count; an interpolation
 * (`${this.table}`) is left out of the text, so what it names is never mistaken for a table.
 * Table names are the identifiers after FROM, JOIN, INTO, UPDATE and TABLE, kept when they are
 * one of `known` (the schema's tables): CTE names, `json_each(...)` and TEMP tables fall away.
 * Hand-written on purpose: SQLite itself (EXPLAIN) can only judge whole statements, and ours are
 * often assembled from constants and interpolations; a full SQL parser (none is a dependency)
 * would need the same assembly. Table position plus the schema's own names is all this needs.
 */
export function tablesNamedBySql(source: string, known: ReadonlySet<string>, fileName = 'file.ts'): Map<string, { line: number; sql: string }> {
  const found = new Map<string, { line: number; sql: string }>();
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== undefined) {
      for (const { name, index } of tableMatches(text)) {
        if (known.has(name) && !found.has(name)) {
          const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1 + (text.slice(0, index).match(/\n/g)?.length ?? 0);
          found.set(name, { line, sql: text.replace(/\s+/g, ' ').trim().slice(0, 120) });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  // Each piece of a template with interpolations stands apart: ` ${x} ` is a gap, not a name.
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' \u0000 ');
  return undefined;
}

const NAME = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*`;
const IDENT = String.raw`[A-Za-z_][A-Za-z0-9_]*`;
/** A keyword, then a table; then, for `FROM a x, b y`, more tables after commas (an alias is only taken before a comma). */
const TABLE_AFTER = new RegExp(String.raw`\b(?:FROM|JOIN|INTO|UPDATE|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+(${NAME})((?:(?:\s+(?:AS\s+)?${IDENT})?\s*,\s*${NAME})*)`, 'gi');
const LISTED = new RegExp(String.raw`,\s*(${NAME})`, 'g');

/** Identifiers in table position with their offset, lower-cased, a `main.` prefix dropped. */
export function tableNames(sql: string): string[] {
  return tableMatches(sql).map((m) => m.name);
}

function tableMatches(sql: string): { name: string; index: number }[] {
  const names: { name: string; index: number }[] = [];
  for (const match of sql.matchAll(TABLE_AFTER)) {
    names.push({ name: unqualified(match[1]!), index: match.index });
    for (const listed of (match[2] ?? '').matchAll(LISTED)) names.push({ name: unqualified(listed[1]!), index: match.index });
  }
  return names;
}

function unqualified(name: string): string {
  const lower = name.toLowerCase();
  return lower.startsWith('main.') ? lower.slice(5) : lower;
}

/** One row of the ownership table in docs/ARCHITECTURE.md. */
export interface OwnershipRow {
  files: string[];
  domain: string;
  tables: string[];
}

/**
 * The ownership table of docs/ARCHITECTURE.md, between its `<!-- table-owners -->` markers:
 * `| \`a.ts\`, \`b.ts\` | domain | \`t1\`, \`t2\` |`. The doc is the one copy; this test reads it.
 */
export function parseOwnership(markdown: string): OwnershipRow[] {
  const start = markdown.indexOf('<!-- table-owners -->');
  const end = markdown.indexOf('<!-- /table-owners -->');
  if (start < 0 || end < start) throw new Error('docs/ARCHITECTURE.md has no <!-- table-owners --> … <!-- /table-owners --> section');
  const rows: OwnershipRow[] = [];
  for (const line of markdown.slice(start, end).split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 3 || /^-+$/.test(cells[0]!) || cells[0] === 'repository') continue;
    const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    // What stands in brackets after the tables is a note, not more tables.
    rows.push({ files: names(cells[0]!), domain: cells[1]!, tables: names(cells[2]!.split('(')[0]!) });
  }
  return rows;
}
