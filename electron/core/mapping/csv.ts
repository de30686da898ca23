import Papa from 'papaparse';
import {
  customMappingSchema,
  mappingCsvColumns,
  mappingFieldColumns,
  type CsvError,
  type CustomMapping,
  type MappingCsvColumn,
} from '../../../shared/contract/mapping';

export interface CsvMappingRow {
  /** 1-based line of the row in the file. */
  line: number;
  mapping: CustomMapping;
}

export interface ParsedMappingCsv {
  rows: CsvMappingRow[];
  errors: CsvError[];
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'x']);
const FALSE_WORDS = new Set(['', 'false', 'no', 'n', '0']);
// What papaparse's escapeFormulae prefixes with a quote on export (so spreadsheets do not run it).
const ESCAPED_FORMULA = /^'[=+\-@\t\r]/;

/**
 * Reads a mapping CSV (docs/mapping.md) and validates every row; it never stops at the first error
 * so the officer gets the whole list at once. Lines are physical lines of the file, so a quoted
 * note spanning lines still points at the right place.
 */
export function parseMappingCsv(text: string): ParsedMappingCsv {
  const csv = text.replace(/^\uFEFF/, '');
  const errors: CsvError[] = [];
  const rows: CsvMappingRow[] = [];
  const lines = new LineCounter(csv);
  let header: (MappingCsvColumn | null)[] | undefined;
  let previousEnd = 0;
  const byUser = new Map<string, number>();
  const byEmail = new Map<string, number>();

  Papa.parse<string[]>(csv, {
    delimiter: guessDelimiter(csv),
    skipEmptyLines: false,
    step: (result) => {
      const start = skipNewline(csv, previousEnd);
      previousEnd = result.meta.cursor;
      const line = lines.lineAt(start);
      const cells = result.data.map((c) => unescapeFormula(c.trim()));
      for (const e of result.errors) errors.push({ line, column: '', message: `${e.message}. Check the quotes on this line: a field that starts with " must end with ".` });
      if (cells.every((c) => c === '')) return;
      if (!header) {
        header = readHeader(cells, line, errors);
        return;
      }
      const row = readRow(header, cells, line, errors);
      if (!row) return;
      const duplicate = (map: Map<string, number>, value: string, column: MappingCsvColumn, what: string): boolean => {
        if (!value) return false;
        const earlier = map.get(value);
        if (earlier !== undefined) {
          errors.push({ line, column, message: `${what} ${value} is already on line ${earlier}. Keep one of the two rows.` });
          return true;
        }
        map.set(value, line);
        return false;
      };
      const dupUser = duplicate(byUser, row.symphonyUserId, 'symphony_user_id', 'Symphony user id');
      const dupEmail = duplicate(byEmail, row.symphonyEmail, 'symphony_email', 'Symphony e-mail');
      if (!dupUser && !dupEmail) rows.push({ line, mapping: row });
    },
  });

  if (!header) errors.push({ line: 1, column: '', message: `The file is empty. The first line must be the header: ${mappingCsvColumns.join(',')}` });
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

function readHeader(cells: string[], line: number, errors: CsvError[]): (MappingCsvColumn | null)[] {
  const known = new Set<string>(mappingCsvColumns);
  const seen = new Set<string>();
  const header = cells.map((cell) => {
    const name = cell.toLowerCase().replace(/[\s-]+/g, '_');
    if (!known.has(name)) {
      errors.push({ line, column: cell, message: `Unknown column "${cell}". The columns are: ${mappingCsvColumns.join(', ')}.` });
      return null;
    }
    if (seen.has(name)) errors.push({ line, column: name, message: `The column ${name} appears twice in the header. Remove one.` });
    seen.add(name);
    return name as MappingCsvColumn;
  });
  if (!seen.has('symphony_user_id') && !seen.has('symphony_email')) {
    errors.push({ line, column: '', message: 'The header needs a symphony_user_id or a symphony_email column (or both) to say whom each row is for.' });
  }
  if (!seen.has('target_upn') && !seen.has('also_deliver_to') && !seen.has('exclude')) {
    errors.push({ line, column: '', message: 'The header needs a target_upn, also_deliver_to or exclude column to say where items go.' });
  }
  return header;
}

function readRow(header: (MappingCsvColumn | null)[], cells: string[], line: number, errors: CsvError[]): CustomMapping | undefined {
  const extra = cells.slice(header.length).some((c) => c !== '');
  if (extra) {
    errors.push({ line, column: '', message: `This line has ${cells.length} cells but the header has ${header.length} columns. Quote cells that contain the delimiter.` });
    return undefined;
  }
  const value = (column: MappingCsvColumn): string => {
    const index = header.indexOf(column);
    return index < 0 ? '' : (cells[index] ?? '');
  };
  const excludeText = value('exclude').toLowerCase();
  if (!TRUE_WORDS.has(excludeText) && !FALSE_WORDS.has(excludeText)) {
    errors.push({ line, column: 'exclude', message: `"${value('exclude')}" is not yes or no. Write true or false (empty means false).` });
    return undefined;
  }
  const parsed = customMappingSchema.safeParse({
    symphonyUserId: value('symphony_user_id'),
    symphonyEmail: value('symphony_email'),
    targetUpn: value('target_upn'),
    alsoDeliverTo: splitAddresses(value('also_deliver_to')),
    exclude: TRUE_WORDS.has(excludeText),
    note: value('note'),
  });
  if (parsed.success) return parsed.data;
  const reported = new Set<string>();
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as keyof typeof mappingFieldColumns | undefined;
    const column = field ? mappingFieldColumns[field] : '';
    const message = issue.message;
    if (reported.has(`${column}|${message}`)) continue;
    reported.add(`${column}|${message}`);
    errors.push({ line, column, message });
  }
  return undefined;
}

export function splitAddresses(cell: string): string[] {
  return cell
    .split(/[;,\s]+/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** The custom rows as a CSV with the documented header; formulas are escaped for spreadsheets. */
export function toMappingCsv(mappings: readonly CustomMapping[]): string {
  const data = mappings.map((m) => [m.symphonyUserId, m.symphonyEmail, m.targetUpn, m.alsoDeliverTo.join(';'), m.exclude ? 'true' : 'false', m.note]);
  return `${Papa.unparse({ fields: [...mappingCsvColumns], data }, { escapeFormulae: true, newline: '\r\n' })}\r\n`;
}

/**
 * The delimiter of the header line: comma, or the semicolon or tab that spreadsheets in some
 * locales write. Decided on the header alone, which has no quotes in a file we can read.
 */
function guessDelimiter(csv: string): string {
  const header = csv.split(/\r\n|\n|\r/).find((l) => l.trim() !== '') ?? '';
  const count = (d: string) => header.split(d).length - 1;
  const best = [';', '\t'].filter((d) => count(d) > count(','));
  return best.sort((a, b) => count(b) - count(a))[0] ?? ',';
}

function unescapeFormula(cell: string): string {
  return ESCAPED_FORMULA.test(cell) ? cell.slice(1) : cell;
}

function skipNewline(csv: string, at: number): number {
  if (csv.startsWith('\r\n', at)) return at + 2;
  if (csv[at] === '\n' || csv[at] === '\r') return at + 1;
  return at;
}

/** Line numbers for increasing offsets, counted incrementally so a 10,000-row file stays linear. */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    for (; this.offset < offset && this.offset < this.text.length; this.offset++) {
      const c = this.text.charCodeAt(this.offset);
      if (c === 10) this.line++;
      else if (c === 13 && this.text.charCodeAt(this.offset + 1) !== 10) this.line++;
    }
    return this.line;
  }
}
