import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ImportContext, SourceRow } from '../../src/domain/import/importer.js';
import { createReceiptImporter, receiptFingerprint } from '../../src/domain/import/entities/receipts.js';

describe('receiptFingerprint', () => {
  it('is fp:HASH:N, HASH the first 24 hex digits of sha256(date NUL amount NUL reference), the amount without grouping or trailing zeros', () => {
    const fp = receiptFingerprint('2026-11-20', '100.00', 'INV-2026-000001', 1);
    const digest = createHash('sha256').update('2026-11-20\u0000100\u0000INV-2026-000001').digest('hex').slice(0, 24);
    expect(receiptFingerprint('2026-11-20', '1,00.0', 'INV-2026-000001', 1)).toBe(fp);
    expect(fp).toBe(`fp:${digest}:1`);
    expect(fp).toMatch(/^fp:[0-9a-f]{24}:1$/);
  });

  it('is stable: the same line gives the same key in every run', () => {
    expect(receiptFingerprint('2026-11-20', '100.00', '', 2)).toBe(receiptFingerprint('2026-11-20', '100.00', '', 2));
    // Pinned, so a change of the recipe (which would re-import every statement) cannot pass unnoticed.
    expect(receiptFingerprint('2026-11-20', '100.00', '', 1)).toBe(
      `fp:${createHash('sha256').update('2026-11-20\u0000100\u0000').digest('hex').slice(0, 24)}:1`,
    );
  });

  it('the occurrence number tells identical lines apart and is the only difference between them', () => {
    const one = receiptFingerprint('2026-11-20', '100.00', 'R', 1);
    const two = receiptFingerprint('2026-11-20', '100.00', 'R', 2);
    expect(one).not.toBe(two);
    expect(one.replace(/:1$/, '')).toBe(two.replace(/:2$/, ''));
  });

  it('date, amount and reference each change it', () => {
    const base = receiptFingerprint('2026-11-20', '100.00', 'R', 1);
    expect(receiptFingerprint('2026-11-21', '100.00', 'R', 1)).not.toBe(base);
    expect(receiptFingerprint('2026-11-20', '100.01', 'R', 1)).not.toBe(base);
    expect(receiptFingerprint('2026-11-20', '100.00', 'R2', 1)).not.toBe(base);
  });

  it('the parts are separated: moving text between amount and reference gives another key', () => {
    expect(receiptFingerprint('2026-11-20', '100.0', '0R', 1)).not.toBe(receiptFingerprint('2026-11-20', '100.00', 'R', 1));
    expect(receiptFingerprint('2026-11-20', '1', '', 1)).not.toBe(receiptFingerprint('2026-11-20', '', '1', 1));
  });
});

describe('receipt keys as the importer gives them', () => {
  const ctx = {} as ImportContext;
  let line = 1;
  const row = (values: Record<string, string>): SourceRow => ({ line: ++line, values: Object.values(values), fields: new Map(Object.entries(values)) });
  const keyOf = (importer: ReturnType<typeof createReceiptImporter>, values: Record<string, string>): string => {
    const prepared = importer.prepare(row(values), ctx);
    if (Array.isArray(prepared)) throw new Error(`refused: ${JSON.stringify(prepared)}`);
    return prepared.key;
  };

  it('the bank\'s own id is the key when the file gives one', () => {
    const importer = createReceiptImporter({ reconcile: false });
    expect(keyOf(importer, { date: '2026-11-20', amount: '5', bank_ref: 'ICBC20261120000123' })).toBe('ICBC20261120000123');
  });

  it('identical lines without a bank id are numbered :1, :2 in file order; a different line starts at :1', () => {
    const importer = createReceiptImporter({ reconcile: false });
    const a1 = keyOf(importer, { date: '2026-11-20', amount: '100.00', reference: 'R' });
    const b1 = keyOf(importer, { date: '2026-11-20', amount: '100.00', reference: 'S' });
    const a2 = keyOf(importer, { date: '2026-11-20', amount: '100.00', reference: 'R' });
    expect(a1).toBe(receiptFingerprint('2026-11-20', '100.00', 'R', 1));
    expect(a2).toBe(receiptFingerprint('2026-11-20', '100.00', 'R', 2));
    expect(b1).toBe(receiptFingerprint('2026-11-20', '100.00', 'S', 1));
  });

  it('the count is per import: a new importer (a new run) numbers from 1 again', () => {
    const first = createReceiptImporter({ reconcile: false });
    const second = createReceiptImporter({ reconcile: false });
    const line = { date: '2026-11-20', amount: '100.00' };
    expect([keyOf(first, line), keyOf(first, line)]).toEqual([keyOf(second, line), keyOf(second, line)]);
  });

  it('a line with a bank id does not count towards the fingerprints of lines without one', () => {
    const importer = createReceiptImporter({ reconcile: false });
    keyOf(importer, { date: '2026-11-20', amount: '100.00', bank_ref: 'B1' });
    expect(keyOf(importer, { date: '2026-11-20', amount: '100.00' })).toBe(receiptFingerprint('2026-11-20', '100.00', '', 1));
  });

  it('the same payment written 1,000.00, 1000.00 or 1000 is the same bank line', () => {
    // A statement opened and saved again in a spreadsheet loses its thousands separators and
    // trailing zeros; importing it again must not record the payments twice.
    const keys = ['1,000.00', '1000.00', '1000'].map((amount) => keyOf(createReceiptImporter({ reconcile: false }), { date: '2026-11-20', amount }));
    expect(new Set(keys).size).toBe(1);
  });
});
