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

/** Where valid rows go: an in-memory list, or the SQLite staging table of a streamed import. */
export interface MappingRowSink {
  /** Keeps the row unless its user id or e-mail is already there; says on which line it is. */
  add(row: CsvMappingRow): { userIdOnLine?: number; emailOnLine?: number };
  /** Wraps the rows of one piece of the file (a transaction for the staging table). */
  batch?<T>(fn: () => T): T;
}

/** Problems listed at most; a file with more is cut short (nothing is applied anyway). */
export const MAX_CSV_ERRORS = 1000;
/** Text parsed at once: complete records are handed to papaparse in pieces of about this size. */
const PIECE_CHARS = 1024 * 1024;
/** A record (a quoted note spanning lines) longer than this is refused: no real row is. */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'x']);
const FALSE_WORDS = new Set(['', 'false', 'no', 'n', '0']);
// What papaparse's escapeFormulae prefixes with a quote on export (so spreadsheets do not run it).
const ESCAPED_FORMULA = /^'[=+\-@\t\r]/;

const enum Scan {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

/**
 * Reads a mapping CSV given in pieces of any size (a file stream's chunks, or the whole text)
 * with memory bounded by the longest record, not the file. It finds record boundaries itself
 * (a line break outside quotes, RFC 4180), hands papaparse complete records a piece at a time,
 * and numbers physical lines across pieces, so a quoted note spanning lines still points at the
 * right line. Every row is validated; errors name line and column and are all collected (up to
 * MAX_CSV_ERRORS) so the officer gets the whole list at once.
 */
export class MappingCsvReader {
  private pending = '';
  /** Where the boundary scan stopped in `pending`, its state there, and the last boundary found. */
  private scanned = 0;
  private state = Scan.FieldStart;
  private boundary = 0;
  private delimiter: string | undefined;
  private newline: '\n' | '\r\n' | '\r' | undefined;
  private header: (MappingCsvColumn | null)[] | undefined;
  /** Physical line of the first character of `pending`. */
  private line = 1;
  private first = true;
  private lastBadLine = 0;
  private readonly errors: CsvError[] = [];
  private badLines = 0;
  private goodRows = 0;
  private stopped = false;

  private readonly pieceChars: number;

  constructor(
    private readonly sink: MappingRowSink,
    options: { pieceChars?: number } = {},
  ) {
    this.pieceChars = options.pieceChars ?? PIECE_CHARS;
  }

  /** True once the reader has stopped (too many errors, or a record that never ends). */
  get done(): boolean {
    return this.stopped;
  }

  feed(text: string): void {
    if (this.stopped) return;
    if (this.first) {
      text = text.replace(/^\uFEFF/, '');
      if (text === '') return;
      this.first = false;
    }
    this.pending += text;
    if (!this.delimiter && !this.detectFormat(false)) return;
    this.scan();
    if (this.boundary >= this.pieceChars) this.parsePiece(this.boundary);
    else if (this.pending.length - this.boundary > MAX_RECORD_CHARS) this.stop(this.line + countLines(this.pending.slice(0, this.boundary)), 'A quoted field is not closed, or one row is longer than 16 MB. Check the quotes from this line on: a field that starts with " must end with ".');
  }

  end(): { errors: CsvError[]; rowCount: number } {
    if (!this.stopped) {
      if (!this.delimiter) this.detectFormat(true);
      if (this.pending.length > 0) this.parsePiece(this.pending.length);
    }
    if (!this.header && !this.stopped) this.error({ line: 1, column: '', message: `The file is empty. The first line must be the header: ${mappingCsvColumns.join(',')}` });
    this.errors.sort((a, b) => a.line - b.line);
    return { errors: this.errors, rowCount: this.goodRows + this.badLines };
  }

  /** Delimiter and line break from the first non-empty line (which has no quotes in a file we can read). */
  private detectFormat(atEnd: boolean): boolean {
    const match = /^[\r\n]*([^\r\n]*)(\r\n|\n|\r(?!$)|\r$)/.exec(this.pending);
    if (!match && !atEnd && this.pending.length < MAX_RECORD_CHARS) return false;
    this.delimiter = guessDelimiter(this.pending.slice(0, match ? match.index + match[0].length : undefined));
    if (match?.[2] === '\r' && !atEnd && match.index + match[0].length === this.pending.length) {
      // A CR at the very end of what arrived: wait for the next character to tell CR from CRLF.
      this.delimiter = undefined;
      return false;
    }
    this.newline = (match?.[2] as '\n' | '\r\n' | '\r' | undefined) ?? '\n';
    return true;
  }

  /** Advances the record-boundary scan over what arrived since the last call. */
  private scan(): void {
    const text = this.pending;
    const delimiter = this.delimiter!;
    // papaparse splits records at exactly the file's line break: with CRLF a bare LF is data.
    const breakChar = this.newline === '\r' ? '\r' : '\n';
    const crlf = this.newline === '\r\n';
    let state = this.state;
    for (let i = this.scanned; i < text.length; i++) {
      const c = text[i];
      switch (state) {
        case Scan.Quoted:
          if (c === '"') state = Scan.QuoteInQuoted;
          break;
        case Scan.QuoteInQuoted:
          if (c === '"') state = Scan.Quoted;
          else if (c === delimiter) state = Scan.FieldStart;
          else if (c === breakChar && (!crlf || text[i - 1] === '\r')) {
            state = Scan.FieldStart;
            this.boundary = i + 1;
          } else state = Scan.Unquoted;
          break;
        default:
          if (c === breakChar && (!crlf || text[i - 1] === '\r')) {
            state = Scan.FieldStart;
            this.boundary = i + 1;
          } else if (c === delimiter) state = Scan.FieldStart;
          else if (c === '"' && state === Scan.FieldStart) state = Scan.Quoted;
          else state = Scan.Unquoted;
      }
    }
    this.scanned = text.length;
    this.state = state;
  }

  /** Parses pending[0, end) (complete records) and keeps the rest for the next piece. */
  private parsePiece(end: number): void {
    const piece = this.pending.slice(0, end);
    this.pending = this.pending.slice(end);
    this.scanned -= end;
    this.boundary = 0;
    const lines = new LineCounter(piece, this.line);
    let previousEnd = 0;
    const parse = () =>
      Papa.parse<string[]>(piece, {
        delimiter: this.delimiter,
        newline: this.newline,
        skipEmptyLines: false,
        step: (result, handle) => {
          if (this.stopped) return handle.abort();
          const start = skipNewline(piece, previousEnd);
          previousEnd = result.meta.cursor;
          this.readRecord(result.data, result.errors, lines.lineAt(start));
        },
      });
    if (this.sink.batch) this.sink.batch(parse);
    else parse();
    this.line = lines.lineAt(piece.length);
  }

  private readRecord(data: string[], parseErrors: Papa.ParseError[], line: number): void {
    const cells = data.map((c) => unescapeFormula(c.trim()));
    for (const e of parseErrors) this.error({ line, column: '', message: `${e.message}. Check the quotes on this line: a field that starts with " must end with ".` });
    if (cells.every((c) => c === '')) return;
    if (!this.header) {
      this.header = readHeader(cells, line, this.rowErrors(line));
      return;
    }
    const mapping = readRow(this.header, cells, line, this.rowErrors(line));
    if (!mapping) return;
    const { userIdOnLine, emailOnLine } = this.sink.add({ line, mapping });
    if (userIdOnLine !== undefined) this.error({ line, column: 'symphony_user_id', message: `Symphony user id ${mapping.symphonyUserId} is already on line ${userIdOnLine}. Keep one of the two rows.` });
    if (emailOnLine !== undefined) this.error({ line, column: 'symphony_email', message: `Symphony e-mail ${mapping.symphonyEmail} is already on line ${emailOnLine}. Keep one of the two rows.` });
    if (userIdOnLine === undefined && emailOnLine === undefined) this.goodRows++;
  }

  /** An array the row checks push into; each push goes through `error` (counting, capping). */
  private rowErrors(line: number): CsvError[] {
    const sink: CsvError[] = [];
    sink.push = (...items: CsvError[]) => {
      for (const item of items) this.error({ ...item, line: item.line ?? line });
      return 0;
    };
    return sink;
  }

  private error(error: CsvError): void {
    if (error.line > 1 && error.line !== this.lastBadLine) {
      this.badLines++;
      this.lastBadLine = error.line;
    }
    if (this.errors.length < MAX_CSV_ERRORS) this.errors.push(error);
    else this.stop(error.line, `There are more than ${MAX_CSV_ERRORS} problems; only the first ones are listed. Correct them and choose the file again.`);
  }

  private stop(line: number, message: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.errors.push({ line, column: '', message });
    this.pending = '';
  }
}

function skipNewline(csv: string, at: number): number {
  if (csv.startsWith('\r\n', at)) return at + 2;
  if (csv[at] === '\n' || csv[at] === '\r') return at + 1;
  return at;
}

function countLines(text: string): number {
  return new LineCounter(text, 0).lineAt(text.length);
}

/** Line numbers for increasing offsets, counted incrementally so a large piece stays linear. */
class LineCounter {
  private offset = 0;

  constructor(
    private readonly text: string,
    private line: number,
  ) {}

  lineAt(offset: number): number {
    for (; this.offset < offset && this.offset < this.text.length; this.offset++) {
      const c = this.text.charCodeAt(this.offset);
      if (c === 10) this.line++;
      else if (c === 13 && this.text.charCodeAt(this.offset + 1) !== 10) this.line++;
    }
    return this.line;
  }
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
