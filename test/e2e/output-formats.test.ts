import fs from 'node:fs';
import path from 'node:path';
import stringWidth from 'string-width';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, readJson, seed, tempDir } from './helpers.js';

const ESC = '\u001b';

/** Every line of a table has the same display width (full-width characters count as two). */
function expectAligned(table: string): void {
  expect(table.endsWith('\n')).toBe(true);
  const lines = table.slice(0, -1).split('\n');
  expect(lines.length).toBeGreaterThan(2);
  const widths = lines.map((line) => stringWidth(line));
  expect(new Set(widths), `display widths of the lines:\n${lines.map((l, i) => `${widths[i]}: ${l}`).join('\n')}`).toEqual(new Set([widths[0]]));
}

const CUSTOMERS: string[][] = [
  ['customer', 'add', 'C001', '--name', '上海华美贸易有限公司', '--credit-limit', '50000', '--segment', 'A', '--email', 'ap@huamei.example.cn', '--phone', '021-58761234'],
  ['customer', 'add', 'C002', '--name', 'Acme Trading, Ltd', '--currency', 'USD', '--terms', 'NET45', '--segment', 'B'],
  ['customer', 'add', 'C003', '--name', 'The "Best" Co', '--hold', '--credit-limit', '1234567.8'],
  ['customer', 'add', 'C004', '--name', '北京中科信息技术有限公司', '--address', '北京市海淀区中关村大街27号, 1106室'],
];

const CUSTOMERS_CSV = [
  'code,name,currency,terms,credit_limit,segment,email,phone,on_hold',
  'C001,上海华美贸易有限公司,CNY,NET30,50000.00,A,ap@huamei.example.cn,021-58761234,false',
  'C002,"Acme Trading, Ltd",USD,NET45,,B,,,false',
  'C003,"The ""Best"" Co",CNY,NET30,1234567.80,,,,true',
  'C004,北京中科信息技术有限公司,CNY,NET30,,,,,false',
  '',
].join('\n');

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  let tmp: ReturnType<typeof tempDir>;
  const cli = (args: readonly string[], env?: Record<string, string | undefined>) =>
    owed(['--db', db.dbArg, ...args], env ? { env } : {});

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    tmp = tempDir();
    await seed(db.dbArg, ['init'], ...CUSTOMERS);
  });
  afterEach(async () => {
    tmp.remove();
    await db.drop();
  });

  it('a table on a pipe: aligned by display width with Chinese names, money grouped and right-aligned, no escape codes', async () => {
    const r = await cli(['customer', 'list']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain(ESC);
    expectAligned(r.stdout);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Code\s+Name\s+Cur\s+Terms\s+Credit limit\s+Seg\s+Email\s+Phone\s+Hold\s*$/);
    expect(lines[1]).toMatch(/^[─ ]+$/);
    expect(lines[2]).toMatch(/^C001\s+上海华美贸易有限公司\s+CNY\s+NET30\s+50,000\.00\s+A\s+ap@huamei\.example\.cn\s+021-58761234\s+no\s*$/);
    expect(lines[4]).toMatch(/^C003\s+The "Best" Co\s+CNY\s+NET30\s+1,234,567\.80\s+yes\s*$/);
    // Right-aligned money: the amounts end in the same display column.
    const creditEnd = (line: string, amount: string) => stringWidth(line.slice(0, line.indexOf(amount) + amount.length));
    expect(creditEnd(lines[2]!, '50,000.00')).toBe(creditEnd(lines[4]!, '1,234,567.80'));

    // Tables of stock and of one customer line up with Chinese text too.
    await seed(
      db.dbArg,
      ['product', 'add', 'P-UPS', '--name', 'UPS不间断电源 1kVA', '--price', '899', '--unit', '台'],
      ['product', 'add', 'P-USB', '--name', 'U盘 64GB', '--price', '39.9'],
      ['stock', 'receive', 'P-UPS', '9'],
      ['stock', 'receive', 'P-USB', '500'],
    );
    const stock = await owedInProcess(['--db', db.dbArg, 'stock', 'list']);
    expect(stock.code).toBe(0);
    expectAligned(stock.stdout);
    expect(stock.stdout).toMatch(/P-UPS\s+UPS不间断电源 1kVA\s+台\s+9\s+0\s+9/);

    const show = await owedInProcess(['--db', db.dbArg, 'customer', 'show', 'C004']);
    expect(show.code).toBe(0);
    expectAligned(show.stdout);
  });

  it('CSV: a header of the JSON keys, plain decimals, a comma or quote quoted (RFC 4180), OWED_FORMAT selects it; --json is one JSON document', async () => {
    const r = await cli(['customer', 'list', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(CUSTOMERS_CSV);

    const env = await owedInProcess(['--db', db.dbArg, 'customer', 'list'], { OWED_FORMAT: 'csv' });
    expect(env.stdout).toBe(CUSTOMERS_CSV);
    // --format on the command line wins over OWED_FORMAT.
    const flag = await owedInProcess(['--db', db.dbArg, 'customer', 'list', '--format', 'json'], { OWED_FORMAT: 'csv' });
    expect(JSON.parse(flag.stdout)).toHaveLength(4);

    const show = await owedInProcess(['--db', db.dbArg, 'customer', 'show', 'C004', '--format', 'csv']);
    const [header, row, rest] = show.stdout.split('\n');
    expect(header).toBe('code,name,email,phone,tax_id,currency,terms,credit_limit,segment,birthday,address,language,on_hold,created_at,updated_at');
    expect(row).toMatch(/^C004,北京中科信息技术有限公司,,,,CNY,NET30,,,,"北京市海淀区中关村大街27号, 1106室",zh-CN,false,\d{4}-[^,]+Z,\d{4}-[^,]+Z$/);
    expect(rest).toBe('');

    // --json and --format json print exactly one JSON document, the same.
    const j = await cli(['customer', 'list', '--json']);
    expect(j.code).toBe(0);
    expect(j.stderr).toBe('');
    const parsed = JSON.parse(j.stdout) as Record<string, unknown>[];
    expect(j.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    expect(parsed.map((c) => [c.code, c.credit_limit])).toEqual([
      ['C001', '50000.00'],
      ['C002', null],
      ['C003', '1234567.80'],
      ['C004', null],
    ]);
    const long = await owedInProcess(['--db', db.dbArg, 'customer', 'list', '--format', 'json']);
    expect(long.stdout).toBe(j.stdout);
  });

  it('-o FILE writes the result there, in the format of its extension; stdout stays empty; -q drops the note', async () => {
    const csv = path.join(tmp.dir, 'customers.csv');
    const r = await cli(['customer', 'list', '-o', csv]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wrote ${csv}\n`);
    expect(fs.readFileSync(csv, 'utf8')).toBe(CUSTOMERS_CSV);

    const json = path.join(tmp.dir, 'customers.JSON');
    const j = await owedInProcess(['--db', db.dbArg, 'customer', 'list', '-o', json, '-q']);
    expect([j.code, j.stdout, j.stderr]).toEqual([0, '', '']);
    expect((JSON.parse(fs.readFileSync(json, 'utf8')) as unknown[]).length).toBe(4);

    const txt = path.join(tmp.dir, 'customers.txt');
    await owedInProcess(['--db', db.dbArg, 'customer', 'list', '-o', txt]);
    const table = fs.readFileSync(txt, 'utf8');
    expect(table).toMatch(/^Code\s+Name/);
    expectAligned(table);

    // --format wins over the extension.
    const forced = path.join(tmp.dir, 'really-json.csv');
    await owedInProcess(['--db', db.dbArg, 'customer', 'list', '-o', forced, '--format', 'json']);
    expect((JSON.parse(fs.readFileSync(forced, 'utf8')) as unknown[]).length).toBe(4);
  });

  it('an empty listing ("(none)" in a table, the header in CSV, [] in JSON); every listing prints one JSON document with snake_case keys', async () => {
    const json = await cli(['product', 'list', '--json']);
    expect([json.code, json.stdout, json.stderr]).toEqual([0, '[]\n', '']);
    const csv = await owedInProcess(['--db', db.dbArg, 'product', 'list', '--format', 'csv']);
    expect(csv.stdout).toBe('sku,name,price,currency,unit,tax_rate,stocked\n');
    const table = await owedInProcess(['--db', db.dbArg, 'product', 'list']);
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe('(none)');

    await seed(db.dbArg, ['product', 'add', 'P1', '--name', 'Printer', '--price', '1500'], ['stock', 'receive', 'P1', '3']);
    for (const args of [['product', 'list'], ['stock', 'list'], ['settings', 'list'], ['user', 'list'], ['audit'], ['db', 'status']]) {
      const r = await owedInProcess(['--db', db.dbArg, ...args, '--json']);
      expect(r.code, args.join(' ')).toBe(0);
      const parsed = JSON.parse(r.stdout) as Record<string, unknown>[];
      expect(Array.isArray(parsed), args.join(' ')).toBe(true);
      expect(parsed.length, args.join(' ')).toBeGreaterThan(0);
      const keys = Object.keys(parsed[0]!);
      for (const key of keys) expect(key, args.join(' ')).toMatch(/^[a-z][a-z0-9_]*$/);
      // The same listing as CSV has the JSON keys as its header and one record per object.
      const csv = await owedInProcess(['--db', db.dbArg, ...args, '--format', 'csv']);
      const csvLines = csv.stdout.trimEnd().split('\n');
      expect(csvLines[0], args.join(' ')).toBe(keys.join(','));
      expect(csvLines, args.join(' ')).toHaveLength(parsed.length + 1);
    }
  });

  it('a command that fails to write its -o file exits non-zero and leaves the book unchanged', async () => {
    const before = await snapshot(db.target);
    const unwritable = path.join(tmp.dir, 'no-such-dir', 'out.json');
    const r = await cli(['customer', 'add', 'C005', '--name', 'Late Co', '-o', unwritable]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot write the output file ${unwritable}`);
    const codes = (await readJson<{ code: string }[]>(db.dbArg, 'customer', 'list')).map((c) => c.code);
    expect(codes, 'C005 must not have been added').toEqual(['C001', 'C002', 'C003', 'C004']);
    expect(await snapshot(db.target)).toBe(before);
  });
});
