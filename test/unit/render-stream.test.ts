import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import {
  render,
  renderJson,
  renderTable,
  streamJson,
  streamListing,
  streamTable,
  type Cell,
  type Format,
  type Listing,
  type Money,
} from '../../src/cli/render/index.js';
import { width } from '../../src/cli/render/table.js';

const cny = (minor: number): Money => ({ minor, currency: 'CNY' });

const columns: Listing['columns'] = [
  { key: 'customer', header: '客户' },
  { key: 'amount', header: 'Amount', kind: 'money' },
  { key: 'days', header: 'Days', kind: 'integer' },
  { key: 'paid', header: 'Paid', kind: 'boolean' },
  { key: 'note', header: 'Note' },
];

const rowArbitrary = fc.record({
  customer: fc.constantFrom('C001', '上海贸易有限公司', 'Ünïcode', '', 'a,"quoted"'),
  amount: fc.option(fc.integer({ min: -1e12, max: 1e12 }).map(cny), { nil: null }),
  days: fc.option(fc.integer({ min: -400, max: 4000 }), { nil: undefined }),
  paid: fc.boolean(),
  note: fc.constantFrom('', 'two\nlines', 'tab\there', '\u001b[31mred', '备注'),
});

/** The rows cut into batches of the given sizes (the last takes the rest). */
function batched<T>(rows: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= rows.length) break;
    out.push(rows.slice(at, at + size));
    at += size;
  }
  if (at < rows.length) out.push(rows.slice(at));
  return out;
}

/** As a query's cursor gives them: asynchronously, one batch at a time, empty batches included. */
async function* asyncBatches<T>(batches: readonly T[][]): AsyncGenerator<T[]> {
  for (const batch of batches) {
    await Promise.resolve();
    yield batch;
  }
}

async function joined(chunks: AsyncIterable<string>): Promise<{ text: string; count: number }> {
  let text = '';
  let count = 0;
  for await (const chunk of chunks) {
    text += chunk;
    count++;
  }
  return { text, count };
}

const sizes = fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 6 });

describe('streamListing', () => {
  it('writes exactly what render writes, in every format, however the rows are batched', async () => {
    await fc.assert(fc.asyncProperty(fc.array(rowArbitrary, { maxLength: 300 }), sizes, fc.constantFrom<Format>('table', 'csv', 'json'), fc.boolean(),
      async (rows: Record<string, Cell>[], cut, format, color) => {
        const listing: Listing = { title: '应收 Plan', columns, rows, footer: [`${rows.length} rows`] };
        const batches = batched(rows, cut);
        const { text } = await joined(streamListing(listing, () => asyncBatches(batches), format, { color }));
        expect(text).toBe(render(listing, format, { color }));
      }), { numRuns: 120 });
  });
});

describe('streamTable', () => {
  it('reads batches of more rows than it keeps twice (widths, then lines), fewer once, and writes a chunk per batch', async () => {
    const rows = Array.from({ length: 450 }, (_, i) => ({ customer: `C${i}`, amount: cny(i * 101), days: i, paid: false, note: '' }));
    for (const [keep, expected] of [[449, 2], [450, 1], [undefined, 1]] as const) {
      let reads = 0;
      const { text, count } = await joined(streamTable({ columns }, () => {
        reads++;
        return asyncBatches(batched(rows, [200, 200]));
      }, { color: false }, keep));
      expect([keep, reads]).toEqual([keep, expected]);
      expect(count).toBe(3);
      expect(text).toBe(renderTable({ columns, rows }, { color: false }));
      expect(text.split('\n')[2]).toBe('C0      0.00     0  no        ');
    }
  });

  it('shows (none) for no rows, and a listing without columns as renderTable does', async () => {
    expect((await joined(streamTable({ columns }, () => [], { color: false }))).text).toBe(renderTable({ columns, rows: [] }, { color: false }));
    expect((await joined(streamTable({ columns }, () => [[]], { color: false }))).text).toBe(renderTable({ columns, rows: [] }, { color: false }));
    expect((await joined(streamTable({ columns: [], footer: ['x'] }, () => [], { color: false }))).text).toBe('(none)\nx\n');
  });
});

describe('streamJson', () => {
  it('writes exactly what renderJson writes for the whole object', async () => {
    await fc.assert(fc.asyncProperty(fc.array(rowArbitrary, { maxLength: 300 }), sizes, fc.option(fc.string(), { nil: null }), async (rows, cut, batch) => {
      const head = { batch, dry_run: false, assigned: [{ receipt: 'RC-1', customer: '客户' }] };
      expect((await joined(streamJson(head, 'allocations', batched(rows, cut)))).text).toBe(renderJson({ ...head, allocations: rows }));
    }), { numRuns: 60 });
  });

  it('writes an empty array and an empty head as renderJson does', async () => {
    expect((await joined(streamJson({ batch: null }, 'allocations', []))).text).toBe('{\n  "batch": null,\n  "allocations": []\n}\n');
    expect((await joined(streamJson({}, 'rows', [[{ amount: cny(5) }]]))).text).toBe('{\n  "rows": [\n    {\n      "amount": "0.05"\n    }\n  ]\n}\n');
  });

  it('refuses a key the head already has', async () => {
    await expect(joined(streamJson({ rows: 1 }, 'rows', []))).rejects.toThrow(/already a field/);
  });
});

describe('table cell width', () => {
  it('counts ASCII and CJK text as string-width does, and leaves the rest to it', () => {
    const ranges: [number, number][] = [[0x20, 0x7e], [0x3000, 0x303f], [0x3040, 0x30ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xac00, 0xd7a3],
      [0xf900, 0xfaff], [0xff00, 0xffef], [0xa0, 0x24f], [0x2e80, 0x2fff], [0xfe30, 0xfe4f]];
    const character = fc.constantFrom(...ranges).chain(([from, to]) => fc.integer({ min: from, max: to })).map((code) => String.fromCharCode(code));
    fc.assert(fc.property(fc.array(character, { maxLength: 12 }), (characters) => {
      const text = characters.join('');
      expect(width(text)).toBe(stringWidth(text));
    }), { numRuns: 3000 });
    expect(width('上海贸易有限公司 Ltd.')).toBe(21);
    expect(width('ｱｲｳ')).toBe(3);
    expect(width('\u001b[1m粗\u001b[22m')).toBe(2);
  });
});
