import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderJson, renderTable, streamJson, streamTable, type Cell, type Listing, type Money } from '../../src/cli/render/index.js';

const cny = (minor: number): Money => ({ minor, currency: 'CNY' });

const columns: Listing['columns'] = [
  { key: 'customer', header: '客户' },
  { key: 'amount', header: 'Amount', kind: 'money' },
  { key: 'days', header: 'Days', kind: 'integer' },
  { key: 'note', header: 'Note' },
];

const rowArbitrary = fc.record({
  customer: fc.constantFrom('C001', '上海贸易有限公司', 'Ünïcode', ''),
  amount: fc.option(fc.integer({ min: -1e12, max: 1e12 }).map(cny), { nil: null }),
  days: fc.option(fc.integer({ min: -400, max: 4000 }), { nil: undefined }),
  note: fc.constantFrom('', 'two\nlines', 'tab\there', '\u001b[31mred', '备注'),
});

/** Every chunk of a streamed rendering, and how many there were. */
function joined(chunks: Iterable<string>): { text: string; count: number } {
  let text = '';
  let count = 0;
  for (const chunk of chunks) {
    text += chunk;
    count++;
  }
  return { text, count };
}

describe('streamTable', () => {
  it('writes exactly what renderTable writes, with CJK widths, line breaks and control characters', () => {
    fc.assert(fc.property(fc.array(rowArbitrary, { maxLength: 450 }), fc.boolean(), (rows: Record<string, Cell>[], color) => {
      const listing: Listing = { title: 'Plan', columns, rows, footer: [`${rows.length} rows`] };
      expect(joined(streamTable(listing, () => rows, { color })).text).toBe(renderTable(listing, { color }));
    }), { numRuns: 60 });
  });

  it('writes a page of 200 rows at a time and reads its rows twice, keeping none', () => {
    const rows = Array.from({ length: 450 }, (_, i) => ({ customer: `C${i}`, amount: cny(i * 101), days: i, note: '' }));
    let reads = 0;
    const { text, count } = joined(streamTable({ columns }, () => {
      reads++;
      return rows.values();
    }, { color: false }));
    expect(reads).toBe(2);
    // the header and rows 1-200, rows 201-400, rows 401-450
    expect(count).toBe(3);
    expect(text).toBe(renderTable({ columns, rows }, { color: false }));
    expect(text.split('\n')[2]).toBe('C0      0.00     0      ');
  });

  it('shows (none) for no rows, and a listing without columns as renderTable does', () => {
    expect(joined(streamTable({ columns }, () => [], { color: false })).text).toBe(renderTable({ columns, rows: [] }, { color: false }));
    expect(joined(streamTable({ columns: [], footer: ['x'] }, () => [], { color: false })).text).toBe('(none)\nx\n');
  });
});

describe('streamJson', () => {
  it('writes exactly what renderJson writes for the whole object', () => {
    fc.assert(fc.property(fc.array(rowArbitrary, { maxLength: 450 }), fc.option(fc.string(), { nil: null }), (rows, batch) => {
      const head = { batch, dry_run: false, assigned: [{ receipt: 'RC-1', customer: '客户' }] };
      expect(joined(streamJson(head, 'allocations', rows)).text).toBe(renderJson({ ...head, allocations: rows }));
    }), { numRuns: 60 });
  });

  it('writes an empty array and an empty head as renderJson does', () => {
    expect(joined(streamJson({ batch: null }, 'allocations', [])).text).toBe('{\n  "batch": null,\n  "allocations": []\n}\n');
    expect(joined(streamJson({}, 'rows', [{ amount: cny(5) }])).text).toBe('{\n  "rows": [\n    {\n      "amount": "0.05"\n    }\n  ]\n}\n');
  });

  it('refuses a key the head already has', () => {
    expect(() => [...streamJson({ rows: 1 }, 'rows', [])]).toThrow(/already a field/);
  });
});
