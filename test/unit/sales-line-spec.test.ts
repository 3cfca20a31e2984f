import { describe, it, expect } from 'vitest';
import { parseLineSpecs } from '../../src/domain/sales/line-spec.js';
import { Problems } from '../../src/domain/validation.js';

describe('parseLineSpecs', () => {
  it('reads SKU:QTY', () => {
    const problems = new Problems();
    expect(parseLineSpecs(['P1:5'], '--line', problems)).toEqual([{ sku: 'P1', quantity: 5 }]);
    expect(problems.any).toBe(false);
  });

  it('has no price key at all when none is given', () => {
    const [spec] = parseLineSpecs(['P1:5'], '--line', new Problems());
    expect(spec).toBeDefined();
    expect('price' in spec!).toBe(false);
  });

  it('keeps the price as text for SKU:QTY:PRICE', () => {
    const problems = new Problems();
    expect(parseLineSpecs(['P1:5:9.80', 'P-1001:5:1480.00'], '--line', problems)).toEqual([
      { sku: 'P1', quantity: 5, price: '9.80' },
      { sku: 'P-1001', quantity: 5, price: '1480.00' },
    ]);
    expect(problems.all()).toEqual([]);
  });

  it('trims the SKU, quantity and price', () => {
    const problems = new Problems();
    expect(parseLineSpecs([' P1 : 5 : 9.80 '], '--line', problems)).toEqual([{ sku: 'P1', quantity: 5, price: '9.80' }]);
    expect(problems.any).toBe(false);
  });

  it('returns nothing and no problem for no specs', () => {
    const problems = new Problems();
    expect(parseLineSpecs([], '--line', problems)).toEqual([]);
    expect(problems.any).toBe(false);
  });

  const bad = ['P1', 'P1:0', 'P1:-2', 'P1:2.5', ':5', 'P1:5:1:2', '', 'P1:', 'P1:abc', '  :3'];

  it.each(bad)('rejects %j with one problem naming the field', (text) => {
    const problems = new Problems();
    expect(parseLineSpecs([text], '--line', problems)).toEqual([]);
    const all = problems.all();
    expect(all).toHaveLength(1);
    expect(all[0]!.field).toContain('--line');
    expect(all[0]!.value).toBeDefined();
    expect(all[0]!.reason.length).toBeGreaterThan(0);
  });

  it('collects one problem per bad spec and still returns the good ones, in order', () => {
    const problems = new Problems();
    const specs = parseLineSpecs(['P1:5', ...bad.slice(0, 6), 'P2:3:1.50'], '--items', problems);
    expect(specs).toEqual([
      { sku: 'P1', quantity: 5 },
      { sku: 'P2', quantity: 3, price: '1.50' },
    ]);
    const all = problems.all();
    expect(all).toHaveLength(6);
    for (const p of all) expect(p.field).toContain('--items');
    // Malformed specs are reported with the whole text; bad quantities with the quantity text.
    expect(all.map((p) => p.value)).toEqual(['P1', '0', '-2', '2.5', ':5', 'P1:5:1:2']);
    expect(all[1]!.field).toBe('--items P1 quantity');
  });

  it('gives the expected format in the reason of a malformed spec', () => {
    const problems = new Problems();
    parseLineSpecs(['P1'], '--line', problems);
    expect(problems.all()[0]).toEqual({ field: '--line', value: 'P1', reason: expect.stringContaining('SKU:QTY') });
  });

  it('records the row of a Problems created for a file line', () => {
    const problems = new Problems(7);
    parseLineSpecs(['P1', 'P1:0'], 'lines', problems);
    expect(problems.all().map((p) => p.row)).toEqual([7, 7]);
  });
});
