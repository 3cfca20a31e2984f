import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { CsvParser, type CsvRecord } from '../../src/io/csv-parser.js';

/** Parses `text` fed in pieces cut at `cuts` (positions), as a stream would. */
function read(text: string, options: { separator?: string; skip?: number; cuts?: readonly number[] } = {}): CsvRecord[] {
  const parser = new CsvParser(options.separator ?? ',', options.skip ?? 0, 'test.csv');
  const out: CsvRecord[] = [];
  let from = 0;
  for (const cut of [...(options.cuts ?? [])].sort((a, b) => a - b)) {
    parser.push(text.slice(from, cut), out);
    from = cut;
  }
  parser.push(text.slice(from), out);
  parser.end(out);
  return out;
}

function problem(fn: () => unknown): { row?: number; reason: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const p = (error as ValidationError).problems[0]!;
    return { ...(p.row !== undefined ? { row: p.row } : {}), reason: p.reason };
  }
  throw new Error('expected a ValidationError');
}

describe('CsvParser', () => {
  it('splits plain lines, keeps empty values, skips empty lines, and knows each record\'s line', () => {
    expect(read('a,b,c\n1,,3\n\n4,5,\n')).toEqual([
      { line: 1, values: ['a', 'b', 'c'] },
      { line: 2, values: ['1', '', '3'] },
      { line: 4, values: ['4', '5', ''] },
    ]);
  });

  it('CRLF, a last line without a line end, a BOM, and CR alone (old Mac exports)', () => {
    expect(read('\uFEFFa,b\r\n1,2\r\n3,4')).toEqual([
      { line: 1, values: ['a', 'b'] }, { line: 2, values: ['1', '2'] }, { line: 3, values: ['3', '4'] },
    ]);
    expect(read('a,b\r1,2\r')).toEqual([{ line: 1, values: ['a', 'b'] }, { line: 2, values: ['1', '2'] }]);
  });

  it('quoted values: separators, doubled quotes, line ends inside; the record starts on its first line', () => {
    expect(read('memo,amount\n"a, b",1\n"say ""hi""",2\n"first\nsecond\r\nthird",3\nnext,4\n')).toEqual([
      { line: 1, values: ['memo', 'amount'] },
      { line: 2, values: ['a, b', '1'] },
      { line: 3, values: ['say "hi"', '2'] },
      { line: 4, values: ['first\nsecond\r\nthird', '3'] },
      { line: 7, values: ['next', '4'] },
    ]);
    expect(read('a,""\n""\n')).toEqual([{ line: 1, values: ['a', ''] }, { line: 2, values: [''] }]);
  });

  it('another separator; the first lines skipped (title lines of a bank export)', () => {
    expect(read('ICBC export\n"unbalanced title\ndate;amount\n2026-11-20;1.234,50\n', { separator: ';', skip: 2 })).toEqual([
      { line: 3, values: ['date', 'amount'] },
      { line: 4, values: ['2026-11-20', '1.234,50'] },
    ]);
  });

  it('refuses what csv-parse refuses by default, naming the line', () => {
    expect(problem(() => read('a,b\n1,x"y\n'))).toEqual({ row: 2, reason: 'is not valid CSV: a quote inside the unquoted value "x\\"y"; quote the whole value and double the quotes inside it ("")' });
    expect(problem(() => read('a,b\n1,"x"y\n'))).toEqual({ row: 2, reason: 'is not valid CSV: a quoted value is followed by "y" instead of the separator or the end of the line' });
    expect(problem(() => read('a,b\n1,2\n3,"open\nmore\n'))).toEqual({ row: 3, reason: 'is not valid CSV: a quote opened here is never closed' });
  });

  it('gives the same records however the text is cut into chunks', () => {
    const text = 'number,memo,total\r\nINV-1,"a, ""b""\nc",1.00\r\n\r\nINV-2,,2.00\r\nINV-3,"",3\r\n';
    const whole = read(text);
    for (let cut = 0; cut <= text.length; cut++) expect(read(text, { cuts: [cut] })).toEqual(whole);
    for (let cut = 0; cut < text.length; cut++) expect(read(text, { cuts: [cut, cut + 1, cut + 2] })).toEqual(whole);
  });

  it('agrees with csv-parse on any well-formed CSV, cut anywhere', () => {
    const field = fc.oneof(
      fc.stringMatching(/^[a-z0-9 .\-年]{0,6}$/),
      fc.string({ maxLength: 6 }).map((s) => `"${s.replace(/"/g, '""')}"`),
    );
    const record = fc.array(field, { minLength: 3, maxLength: 3 }).map((fields) => fields.join(','));
    fc.assert(fc.property(
      fc.array(record, { minLength: 1, maxLength: 8 }),
      fc.constantFrom('\n', '\r\n'),
      fc.array(fc.nat(), { maxLength: 4 }),
      (records, eol, cuts) => {
        const text = records.join(eol) + eol;
        const expected = (parse(text, { skip_empty_lines: true, relax_quotes: false }) as string[][]);
        const got = read(text, { cuts: cuts.map((c) => c % (text.length + 1)) }).map((r) => r.values);
        expect(got).toEqual(expected);
      },
    ), { numRuns: 300, seed: 20261127 });
  });
});
