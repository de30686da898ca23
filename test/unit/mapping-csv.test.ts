import { describe, expect, it } from 'vitest';
import { parseMappingCsv, toMappingCsv } from '../../electron/core/mapping/csv';
import { mappingCsvColumns, type CustomMapping } from '../../shared/contract/mapping';

const HEADER = mappingCsvColumns.join(',');

function row(partial: Partial<CustomMapping>): CustomMapping {
  return { symphonyUserId: '', symphonyEmail: '', targetUpn: '', alsoDeliverTo: [], exclude: false, note: '', ...partial };
}

describe('mapping CSV', () => {
  it('reads the documented columns, with quotes, a note spanning lines, a BOM and CRLF', () => {
    const csv =
      '\uFEFF' +
      [
        HEADER,
        '349026222344902,Alice@Contoso.com,Alice.Smith@contoso.com,"sup@contoso.com; journal@contoso.com",false,"desk A, floor 3"',
        ',bob@contoso.com,bob@contoso.com,,,',
        '349026222344999,,,,yes,"bot account',
        'excluded on purpose"',
        '',
        '12,,,copy@contoso.com,,',
      ].join('\r\n');
    const parsed = parseMappingCsv(csv);
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows).toEqual([
      {
        line: 2,
        mapping: row({ symphonyUserId: '349026222344902', symphonyEmail: 'alice@contoso.com', targetUpn: 'alice.smith@contoso.com', alsoDeliverTo: ['sup@contoso.com', 'journal@contoso.com'], note: 'desk A, floor 3' }),
      },
      { line: 3, mapping: row({ symphonyEmail: 'bob@contoso.com', targetUpn: 'bob@contoso.com' }) },
      { line: 4, mapping: row({ symphonyUserId: '349026222344999', exclude: true, note: 'bot account\r\nexcluded on purpose' }) },
      { line: 7, mapping: row({ symphonyUserId: '12', alsoDeliverTo: ['copy@contoso.com'] }) },
    ]);
  });

  it('accepts columns in any order, a subset of them, and semicolons as the delimiter', () => {
    const parsed = parseMappingCsv('Target UPN;symphony_email\nalice@contoso.com;a@contoso.com\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows).toEqual([{ line: 2, mapping: row({ symphonyEmail: 'a@contoso.com', targetUpn: 'alice@contoso.com' }) }]);
  });

  it('lists every bad row with its line and column and what to do', () => {
    const csv = [
      HEADER,
      'abc,alice@contoso.com,alice@contoso.com,,,', // 2: user id not a number
      ',not-an-address,alice@contoso.com,,,', // 3: e-mail
      ',carol@contoso.com,,,,', // 4: does nothing
      '77,,x@contoso.com,,maybe,', // 5: exclude word
      '78,,x@contoso.com,,true,', // 6: excluded with a target
      ',,x@contoso.com,,,', // 7: whom?
      '79,,x@contoso.com,,,,extra', // 8: too many cells
      '80,,x@contoso.com,"a@contoso.com;bad",,', // 9: copy address
      '80,,y@contoso.com,,,', // 10: duplicate user id of line 9? line 9 is bad, so not a duplicate
      '81,dup@contoso.com,y@contoso.com,,,', // 11
      '82,DUP@contoso.com,y@contoso.com,,,', // 12: duplicate e-mail of line 11
    ].join('\n');
    const { errors, rows } = parseMappingCsv(csv);
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [2, 'symphony_user_id'],
      [3, 'symphony_email'],
      [4, 'target_upn'],
      [5, 'exclude'],
      [6, 'target_upn'],
      [7, 'symphony_user_id'],
      [8, ''],
      [9, 'also_deliver_to'],
      [12, 'symphony_email'],
    ]);
    expect(errors.find((e) => e.line === 12)?.message).toMatch(/already on line 11/);
    expect(errors.find((e) => e.line === 2)?.message).toMatch(/digits only/);
    expect(errors.find((e) => e.line === 5)?.message).toMatch(/true or false/);
    expect(rows.map((r) => r.line)).toEqual([10, 11]);
  });

  it('names unknown and missing header columns on line 1', () => {
    const { errors } = parseMappingCsv('symphony_email,mailbox\na@contoso.com,b@contoso.com\n');
    expect(errors[0]).toMatchObject({ line: 1, column: 'mailbox' });
    expect(errors.some((e) => e.line === 1 && /target_upn, also_deliver_to or exclude/.test(e.message))).toBe(true);
    expect(parseMappingCsv('\n\n').errors).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/empty/) })]);
  });

  it('exports what it imports, escaping formulas for spreadsheets and reading them back unchanged', () => {
    const mappings = [
      row({ symphonyUserId: '1', symphonyEmail: 'a@contoso.com', targetUpn: 'a@contoso.com', alsoDeliverTo: ['s@contoso.com', 't@contoso.com'], note: '=HYPERLINK("x")' }),
      row({ symphonyEmail: 'b@contoso.com', exclude: true, note: 'line one\nline "two", with comma' }),
      row({ symphonyUserId: '2', targetUpn: 'c@contoso.com', note: '-- moved' }),
    ];
    const csv = toMappingCsv(mappings);
    expect(csv.split('\r\n')[0]).toBe(HEADER);
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    const back = parseMappingCsv(csv);
    expect(back.errors).toEqual([]);
    expect(back.rows.map((r) => r.mapping)).toEqual(mappings);
  });
});
