import Papa from 'papaparse';
import { MappingCsvReader } from './csv-reader';
import { mappingCsvColumns, type CsvError, type CustomMapping } from '../../../shared/contract/mapping';
import type { CsvMappingRow } from './csv-reader';

export type { CsvMappingRow } from './csv-reader';

export interface ParsedMappingCsv {
  rows: CsvMappingRow[];
  errors: CsvError[];
}

/**
 * Reads a mapping CSV held in memory (docs/mapping.md) and validates every row; it never stops at
 * the first error so the officer gets the whole list at once. The same reader as a streamed file
 * (`MappingCsvReader`), with an in-memory duplicate check.
 */
export function parseMappingCsv(text: string): ParsedMappingCsv {
  const rows: CsvMappingRow[] = [];
  const byUser = new Map<string, number>();
  const byEmail = new Map<string, number>();
  const reader = new MappingCsvReader({
    add(row) {
      const dupUser = row.mapping.symphonyUserId ? byUser.get(row.mapping.symphonyUserId) : undefined;
      const dupEmail = row.mapping.symphonyEmail ? byEmail.get(row.mapping.symphonyEmail) : undefined;
      if (dupUser === undefined && dupEmail === undefined) {
        if (row.mapping.symphonyUserId) byUser.set(row.mapping.symphonyUserId, row.line);
        if (row.mapping.symphonyEmail) byEmail.set(row.mapping.symphonyEmail, row.line);
        rows.push(row);
      }
      return { userIdOnLine: dupUser, emailOnLine: dupEmail };
    },
  });
  reader.feed(text);
  const { errors } = reader.end();
  return { rows, errors };
}

export { MappingCsvReader, splitAddresses } from './csv-reader';

/** The custom rows as a CSV with the documented header; formulas are escaped for spreadsheets. */
export function toMappingCsv(mappings: readonly CustomMapping[]): string {
  const data = mappings.map((m) => [m.symphonyUserId, m.symphonyEmail, m.targetUpn, m.alsoDeliverTo.join(';'), m.exclude ? 'true' : 'false', m.note]);
  return `${Papa.unparse({ fields: [...mappingCsvColumns], data }, { escapeFormulae: true, newline: '\r\n' })}\r\n`;
}

