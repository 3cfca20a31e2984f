/**
 * COPY's text format read back (src/storage/repositories/pg-copy.ts, copyRowReader): what copyLines
 * writes comes back field for field — NULL apart from the empty string and from the text `\N`,
 * tabs, newlines, carriage returns and backslashes in text, Chinese and emoji — however the data
 * is split into chunks, even within a line or within a character; and data that ends within a row
 * is an error, not a row.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyLines, copyRowReader } from '../../src/storage/repositories/pg-copy.js';

const SEED = Number(process.env.OWED_PROPERTY_SEED ?? 20261127);

const NASTY: readonly (string | null)[] = [
  'tab\there', 'line\nbreak', 'carriage\rreturn', 'crlf\r\n', 'back\\slash', 'ends with \\', '\\', '\\\\', '\\N', 'N', '\\.',
  '\\t literally', '\t', '\n', '', ' ', null, '长沙泰润实业集团有限公司', '货款 INV-2023-000018\t备注', '😀 emoji 👍🏽 and 𠀋',
  'quote " and \' and ,;|', 'control \u0001 \u007f', '2026-11-27', '-123456789012',
];

/** Reads `data` split at the given byte offsets. */
function read(data: Buffer, cuts: readonly number[]): (string | null)[][] {
  const rows: (string | null)[][] = [];
  const reader = copyRowReader((fields) => rows.push(fields));
  let from = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    reader.write(data.subarray(from, cut));
    from = cut;
  }
  reader.write(data.subarray(from));
  reader.end();
  return rows;
}

describe('copyRowReader', () => {
  it('reads back what copyLines wrote, however the data is cut (fast-check)', () => {
    const field = fc.oneof(fc.constantFrom(...NASTY), fc.string(), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((width) => fc.tuple(fc.constant(width), fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 30 }))),
        fc.array(fc.nat(), { maxLength: 12 }), ([width, rows], cuts) => {
          const data = Buffer.from(copyLines(rows, width), 'utf8');
          expect(read(data, cuts.map((c) => c % (data.length + 1)))).toEqual(rows);
        }),
      { seed: SEED, numRuns: Number(process.env.OWED_PROPERTY_RUNS ?? 500) },
    );
  });

  it('cuts within a character and within an escape still read one field', () => {
    const data = Buffer.from(copyLines([['😀\\\t中', null, '']], 3), 'utf8');
    for (let cut = 0; cut <= data.length; cut++) expect(read(data, [cut])).toEqual([['😀\\\t中', null, '']]);
  });

  it('data that ends within a row is an error', () => {
    const reader = copyRowReader(() => undefined);
    reader.write(Buffer.from('1\tpart of a row'));
    expect(() => reader.end()).toThrow(/ended within a row/);
  });
});
