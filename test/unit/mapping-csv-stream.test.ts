import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MappingCsvReader, parseMappingCsv, type CsvMappingRow } from '../../electron/core/mapping/csv';
import { mappingCsvColumns } from '../../shared/contract/mapping';

// Seeded so that every run checks the same inputs; FUZZ_SEED=<n> explores others (a failure prints its seed).
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 14_2026) });

/** Reads `text` the way an upload is read: in chunks of the given sizes, parsed a few records at a time. */
function readInChunks(text: string, sizes: number[], pieceChars: number) {
  const rows: CsvMappingRow[] = [];
  const users = new Map<string, number>();
  const emails = new Map<string, number>();
  const reader = new MappingCsvReader(
    {
      add(row) {
        const u = row.mapping.symphonyUserId ? users.get(row.mapping.symphonyUserId) : undefined;
        const e = row.mapping.symphonyEmail ? emails.get(row.mapping.symphonyEmail) : undefined;
        if (u === undefined && e === undefined) {
          if (row.mapping.symphonyUserId) users.set(row.mapping.symphonyUserId, row.line);
          if (row.mapping.symphonyEmail) emails.set(row.mapping.symphonyEmail, row.line);
          rows.push(row);
        }
        return { userIdOnLine: u, emailOnLine: e };
      },
    },
    { pieceChars },
  );
  let at = 0;
  for (let i = 0; at < text.length; i++) {
    const size = sizes.length ? Math.max(1, sizes[i % sizes.length]!) : text.length;
    reader.feed(text.slice(at, at + size));
    at += size;
  }
  return { rows, ...reader.end() };
}

const cell = fc.oneof(
  fc.constantFrom('', 'a@contoso.com', 'b@contoso.com', 'x', 'true', 'no', '12', '349026222344902', 'perhaps', "'=1+1", '@@bad'),
  fc.string({ unit: fc.constantFrom('a', 'b', ',', ';', '"', '\n', '\r', ' ', '\t', 'é'), maxLength: 12 }),
);
const quoted = (c: string) => (/[",;\r\n\t]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

describe('mapping CSV read as a stream', () => {
  // Well-quoted files read exactly the same; files with broken quotes (raw cells holding quotes
  // and line breaks) may be split differently by papaparse's recovery, but they are refused
  // either way and a file that reads clean reads the same.
  it('reads any file the same in chunks of any size as in one piece: rows, lines, errors', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...mappingCsvColumns], { minLength: 1 }),
        fc.array(fc.array(cell, { minLength: 1, maxLength: 7 }), { maxLength: 25 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.constantFrom(',', ';', '\t'),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 120 }),
        (header, rows, newline, chosen, raw, sizes, pieceChars) => {
          // The reader guesses the delimiter from the header: a one-column header means a comma.
          const delimiter = header.length > 1 ? chosen : ',';
          const line = (cells: string[]) => cells.map((c) => (raw ? c : quoted(c))).join(delimiter);
          const text = [header.join(delimiter), ...rows.map(line)].join(newline) + (rows.length % 2 ? newline : '');
          const whole = parseMappingCsv(text);
          const chunked = readInChunks(text, sizes, pieceChars);
          if (!raw) {
            expect(chunked.rows).toEqual(whole.rows);
            expect(chunked.errors).toEqual(whole.errors);
          } else {
            expect(chunked.errors.length > 0).toBe(whole.errors.length > 0);
            if (whole.errors.length === 0) expect(chunked.rows).toEqual(whole.rows);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('numbers lines across pieces when a quoted note spans lines and pieces', () => {
    const header = mappingCsvColumns.join(',');
    const lines = [header];
    for (let i = 0; i < 300; i++) lines.push(`${1000 + i},u${i}@symphony.example,u${i}@contoso.com,,false,"note ${i}\nsecond line, with comma"`);
    lines.push('bad-id,z@symphony.example,z@contoso.com,,false,');
    const text = lines.join('\r\n') + '\r\n';
    const result = readInChunks(text, [7, 13, 64], 50);
    expect(result.rows).toHaveLength(300);
    expect(result.rows[299]!.line).toBe(2 + 299 * 2);
    expect(result.errors).toEqual([expect.objectContaining({ line: 2 + 300 * 2, column: 'symphony_user_id' })]);
    expect(result.rowCount).toBe(301);
  });

  it('stops at a quote that never closes instead of buffering the rest of the file', () => {
    const text = `${mappingCsvColumns.join(',')}\n1,a@x.com,a@contoso.com,,false,"never closed\n${'x,'.repeat(9 * 1024 * 1024)}`;
    const result = readInChunks(text, [1024 * 1024], 1024);
    expect(result.errors.at(-1)).toMatchObject({ line: 2, message: expect.stringMatching(/quoted field is not closed/) });
  });

  it('lists at most 1000 problems and says the list is cut', () => {
    const text = [mappingCsvColumns.join(','), ...Array.from({ length: 3000 }, (_, i) => `x${i},,,,,`)].join('\n');
    const { errors } = readInChunks(text, [4096], 2048);
    expect(errors.length).toBe(1001);
    expect(errors.at(-1)!.message).toMatch(/more than 1000 problems/);
  });
});
