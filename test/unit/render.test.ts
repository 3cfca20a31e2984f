import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import {
  formatFromPath,
  isMoney,
  listingToJson,
  render,
  renderCsv,
  renderJson,
  renderTable,
  type Listing,
  type Money,
} from '../../src/cli/render/index.js';

const cny = (minor: number): Money => ({ minor, currency: 'CNY' });

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b/;

const small: Listing = {
  title: 'Customers',
  columns: [
    { key: 'code', header: 'Code' },
    { key: 'name', header: 'Name' },
    { key: 'open', header: 'Open', kind: 'money' },
    { key: 'overdue', header: 'Overdue', kind: 'boolean' },
    { key: 'days', header: 'Days', kind: 'integer' },
    { key: 'note', header: 'Note' },
  ],
  rows: [
    { code: 'C001', name: 'Acme Ltd', open: cny(123450), overdue: true, days: 12, note: null, internal_id: 7 },
    { code: 'C002', name: 'Beta', open: cny(500), overdue: false, days: undefined, note: 'paid, partly' },
  ],
  footer: ['2 customers'],
};

describe('renderTable', () => {
  it('renders a small listing exactly', () => {
    expect(renderTable(small, { color: false })).toBe(
      [
        'Customers',
        'Code  Name          Open  Overdue  Days  Note        ',
        '────  ────────  ────────  ───────  ────  ────────────',
        'C001  Acme Ltd  1,234.50  yes        12              ',
        'C002  Beta          5.00  no             paid, partly',
        '2 customers',
        '',
      ].join('\n'),
    );
  });

  it('emits no ANSI escape codes when color is false, bold header when true', () => {
    expect(renderTable(small, { color: false })).not.toMatch(ANSI);
    const colored = renderTable(small, { color: true });
    expect(colored).toContain('\u001b[1mCode\u001b[22m');
    // Colour does not change the layout.
    expect(colored.replace(/\u001b\[\d+m/g, '')).toBe(renderTable(small, { color: false }));
  });

  it('does not let control characters in data reach the terminal', () => {
    const evil: Listing = { columns: [{ key: 'name', header: 'Name' }], rows: [{ name: 'x\u001b[31mred\tz' }] };
    const out = renderTable(evil, { color: false });
    expect(out).not.toMatch(ANSI);
    expect(out).toContain('x\ufffd[31mred z');
  });

  it('lines up columns with full-width Chinese text', () => {
    const listing: Listing = {
      columns: [
        { key: 'code', header: 'Code' },
        { key: 'name', header: 'Name' },
        { key: 'currency', header: 'Cur' },
        { key: 'open', header: 'Open', kind: 'money' },
      ],
      rows: [
        { code: 'SH01', name: '上海华美贸易有限公司', currency: 'CNY', open: cny(12345678) },
        { code: 'AC02', name: 'Acme Ltd', currency: 'USD', open: { minor: 995, currency: 'USD' } },
        { code: 'BJ03', name: '北京（朝阳）科技', currency: 'CNY', open: cny(0) },
      ],
    };
    const lines = renderTable(listing, { color: false }).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const widths = lines.map((l) => stringWidth(l));
    expect(new Set(widths).size).toBe(1);

    // Column starts, read off the underline.
    const underline = lines[1]!;
    const starts = [...underline.matchAll(/─+/g)].map((m) => stringWidth(underline.slice(0, m.index)));
    const ends = [...underline.matchAll(/─+/g)].map((m) => stringWidth(underline.slice(0, m.index + m[0].length)));
    expect(starts).toHaveLength(4);

    const offsetOf = (line: string, text: string): number => {
      const i = line.indexOf(text);
      expect(i, `${text} in ${line}`).toBeGreaterThanOrEqual(0);
      return stringWidth(line.slice(0, i));
    };
    const data = lines.slice(2);
    const cells = [
      ['SH01', '上海华美贸易有限公司', 'CNY', '123,456.78'],
      ['AC02', 'Acme Ltd', 'USD', '9.95'],
      ['BJ03', '北京（朝阳）科技', 'CNY', '0.00'],
    ];
    data.forEach((line, r) => {
      const row = cells[r]!;
      // Text columns start at the column start…
      for (const c of [0, 1, 2]) expect(offsetOf(line, row[c]!)).toBe(starts[c]);
      // …the money column ends at the column end.
      expect(offsetOf(line, row[3]!) + stringWidth(row[3]!)).toBe(ends[3]);
    });
    expect(offsetOf(lines[0]!, 'Cur')).toBe(starts[2]);
  });

  it('gives a value with line breaks as many lines, the rest of its row blank below it', () => {
    const listing: Listing = {
      columns: [{ key: 'code', header: 'Code' }, { key: 'address', header: 'Address' }, { key: 'open', header: 'Open', kind: 'money' }],
      rows: [
        { code: 'C1', address: '上海市\n浦东新区 88 号', open: cny(1000) },
        { code: 'C2', address: 'Main St', open: cny(5) },
      ],
    };
    expect(renderTable(listing, { color: false })).toBe([
      'Code  Address          Open',
      '────  ──────────────  ─────',
      'C1    上海市          10.00',
      '      浦东新区 88 号       ',
      'C2    Main St          0.05',
      '',
    ].join('\n'));
  });

  it('renders an empty listing as its header and (none)', () => {
    const empty: Listing = { columns: small.columns, rows: [] };
    expect(renderTable(empty, { color: false })).toBe(
      ['Code  Name  Open  Overdue  Days  Note', '────  ────  ────  ───────  ────  ────', '(none)', ''].join('\n'),
    );
  });
});

describe('renderCsv', () => {
  it('renders a small listing exactly, keyed by column keys', () => {
    expect(renderCsv(small)).toBe(
      'code,name,open,overdue,days,note\n' + 'C001,Acme Ltd,1234.50,true,12,\n' + 'C002,Beta,5.00,false,,"paid, partly"\n',
    );
  });

  it('quotes per RFC 4180 and keeps Chinese and formulas verbatim', () => {
    const listing: Listing = {
      columns: [{ key: 'v', header: 'Value' }],
      rows: [{ v: 'a,b' }, { v: 'say "hi"' }, { v: 'line1\nline2' }, { v: 'cr\rhere' }, { v: '上海华美贸易有限公司' }, { v: '=1+2' }, { v: ' padded ' }],
    };
    expect(renderCsv(listing)).toBe(
      'v\n"a,b"\n"say ""hi"""\n"line1\nline2"\n"cr\rhere"\n上海华美贸易有限公司\n=1+2\n padded \n',
    );
  });

  it('renders an empty listing as the header row', () => {
    expect(renderCsv({ columns: small.columns, rows: [] })).toBe('code,name,open,overdue,days,note\n');
  });
});

describe('renderJson / listingToJson', () => {
  it('renders a small listing exactly: amounts as strings, only listed keys', () => {
    expect(render(small, 'json', { color: false })).toBe(
      `[
  {
    "code": "C001",
    "name": "Acme Ltd",
    "open": "1234.50",
    "overdue": true,
    "days": 12,
    "note": null
  },
  {
    "code": "C002",
    "name": "Beta",
    "open": "5.00",
    "overdue": false,
    "days": null,
    "note": "paid, partly"
  }
]
`,
    );
    const rows = listingToJson(small);
    expect(Object.keys(rows[0]!)).toEqual(['code', 'name', 'open', 'overdue', 'days', 'note']);
  });

  it('turns Money anywhere in a value into its decimal string', () => {
    const doc = { customer: 'C001', currency: 'CNY', total: cny(169500), lines: [{ amount: cny(-100) }] };
    const parsed = JSON.parse(renderJson(doc)) as Record<string, unknown>;
    expect(parsed).toEqual({ customer: 'C001', currency: 'CNY', total: '1695.00', lines: [{ amount: '-1.00' }] });
    expect(renderJson({ a: 1 })).toBe('{\n  "a": 1\n}\n');
  });

  it('renders an empty listing as []', () => {
    expect(render({ columns: small.columns, rows: [] }, 'json', { color: false })).toBe('[]\n');
  });
});

describe('render / formatFromPath / isMoney', () => {
  it('dispatches on format', () => {
    expect(render(small, 'table', { color: false })).toBe(renderTable(small, { color: false }));
    expect(render(small, 'csv', { color: true })).toBe(renderCsv(small));
  });

  it('infers the format from a file name', () => {
    expect(formatFromPath('out.csv')).toBe('csv');
    expect(formatFromPath('/tmp/REPORT.JSON')).toBe('json');
    expect(formatFromPath('aging.txt')).toBe('table');
    expect(formatFromPath('aging')).toBe('table');
    expect(formatFromPath('-')).toBeUndefined();
  });

  it('recognises Money', () => {
    expect(isMoney(cny(1))).toBe(true);
    expect(isMoney({ minor: 1.5, currency: 'CNY' })).toBe(false);
    expect(isMoney('1.00')).toBe(false);
    expect(isMoney(null)).toBe(false);
  });
});
