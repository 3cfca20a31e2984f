import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owed, snapshot, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { ROOT, seed, tempDir } from './helpers.js';

/**
 * Bad input is refused with exit 3 (2 for bad options), every problem named with its line,
 * column, value and reason, and nothing written: the book is compared before and after. The
 * book is shared by the tests of an engine, which is safe exactly because none of them may
 * change it.
 */
const DEMO_CUSTOMERS = path.join(ROOT, 'fixtures/demo/customers.csv');
const DEMO_PRODUCTS = path.join(ROOT, 'fixtures/demo/products.csv');
const ICBC = path.join(ROOT, 'fixtures/import/icbc-statement-gbk.csv');

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  let tmp: { dir: string; remove: () => void };
  let book: string;
  const file = (name: string, content: string | Buffer): string => {
    const p = path.join(tmp.dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  /** Runs an import that must fail, and checks the book is exactly as it was. */
  const refused = async (args: readonly string[], input?: string): Promise<CliResult> => {
    const r = await owed(['--db', db.dbArg, ...args], input !== undefined ? { input } : {});
    expect(await snapshot(db.target)).toBe(book);
    expect(r.stdout).toBe('');
    return r;
  };

  beforeAll(async () => {
    db = await scratchDatabase(engine);
    tmp = tempDir('owed-import-bad-');
    await seed(db.dbArg, ['init'], ['import', 'customers', DEMO_CUSTOMERS], ['import', 'products', DEMO_PRODUCTS]);
    book = await snapshot(db.target);
  });
  afterAll(async () => {
    tmp.remove();
    await db.drop();
  });

  it('a GBK file read as UTF-8 (the default) is refused, not garbled, with a hint', async () => {
    const r = await refused(['import', 'receipts', ICBC]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${ICBC}: is not valid UTF-8`);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).toContain('--encoding gbk');
  });

  it('a GBK file read as UTF-8 names the line of the first byte that is not UTF-8', async () => {
    const source = file('gbk-line3.csv', Buffer.concat([
      Buffer.from('date,amount,customer\n2026-11-20,100.00,C001\n'),
      iconv.encode('2026-11-21,200.00,上海华美贸易有限公司\n', 'gbk'),
    ]));
    const r = await refused(['import', 'receipts', source]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not valid UTF-8/);
    expect(r.stderr).toMatch(/line 3\b/);
  });

  it('…also when the first GBK text comes after the first 64 KiB (line 1502, not the start of the chunk)', async () => {
    let text = 'date,amount,memo\n';
    for (let i = 0; i < 1500; i++) text += `2026-11-20,1.00,padding line ${String(i).padStart(5, '0')} xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n`;
    const source = file('gbk-late.csv', Buffer.concat([Buffer.from(text), iconv.encode('2026-11-21,2.00,货款\n', 'gbk')]));
    const r = await refused(['import', 'receipts', source]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not valid UTF-8/);
    expect(r.stderr).toMatch(/line 1502\b/);
  });

  it('a missing required column is named, with the columns the file has', async () => {
    const r = await refused(['import', 'customers', file('no-name.csv', 'code,email\nX1,x@example.cn\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('required column "name" is missing');
    expect(r.stderr).toContain('the file has code, email');
    const receipts = await refused(['import', 'receipts', file('no-amount.csv', 'Date,Betrag\n2026-11-20,5\n')]);
    expect(receipts.code).toBe(3);
    expect(receipts.stderr).toContain('required column "amount" is missing');
    const invoices = await refused(['import', 'invoices', file('no-cols.csv', 'number,customer\nI-1,C001\n')]);
    expect(invoices.code).toBe(3);
    expect(invoices.stderr).toContain('required column "issue_date" is missing');
    expect(invoices.stderr).toContain('required column "total" is missing');
  });

  it('a row with more fields than the header is refused, naming its line', async () => {
    const r = await refused(['import', 'customers', file('too-many.csv', 'code,name\nX1,One\nX2,Two,extra\nX3,Three\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 3, ');
    expect(r.stderr).toContain('has 3 fields where the header has 2');
  });

  it('a row with fewer fields than the header is refused, naming its line', async () => {
    const r = await refused(['import', 'customers', file('too-few.csv', 'code,name,email\nX1,One,a@example.cn\nX2,Two,b@example.cn\nX3,Three\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 4, ');
    expect(r.stderr).toContain('has 2 fields where the header has 3');
  });

  it('a date like 2026/13/01 is refused with its line, column, value and reason', async () => {
    const r = await refused(['import', 'receipts', file('date.csv', 'date,amount\n2026-11-20,5.00\n2026/13/01,5.00\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 3, date: "2026/13/01" is not a date; expected YYYY-MM-DD');
  });

  it('an amount like 1.234,50 without rules is refused, never guessed', async () => {
    const r = await refused(['import', 'receipts', file('amount.csv', 'date,amount\n2026-11-20,"1.234,50"\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 2, amount: "1.234,50" uses \',\' as the decimal separator');
  });

  it('unknown customers in invoices are refused and every one is listed', async () => {
    const r = await refused(['import', 'invoices', file('unknown.csv', [
      'number,customer,issue_date,total',
      'I-1,C001,2026-10-01,100.00',
      'I-2,C404,2026-10-01,200.00',
      'I-3,上海华美贸易有限公司,2026-10-01,300.00',
      'I-4,C405,2026-10-02,400.00',
      '',
    ].join('\n'))]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('3 problems in the input');
    expect(r.stderr).toContain('line 3, customer: "C404" unknown customer');
    expect(r.stderr).toContain('line 4, customer: "上海华美贸易有限公司" unknown customer');
    expect(r.stderr).toContain('line 5, customer: "C405" unknown customer');
  });

  it('an empty (0-byte) file', async () => {
    const empty = file('empty.csv', '');
    const r = await refused(['import', 'customers', empty]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${empty}: is empty`);
  });

  it('a file with only a header', async () => {
    const r = await refused(['import', 'customers', file('header-only.csv', 'code,name\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('the file has a header but no rows');
  });

  it('a binary file (an .xlsx saved under a .csv name)', async () => {
    const xlsx = file('workbook.csv', Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), Buffer.alloc(64), Buffer.from('[Content_Types].xml')]));
    const r = await refused(['import', 'customers', xlsx]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${xlsx}: is a binary file, not CSV (it contains NUL bytes)`);
  });

  it('more than 50 bad rows: the first 50 are shown, with a count of the rest', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `2026-11-20,bad${i + 1}`);
    const r = await refused(['import', 'receipts', file('sixty.csv', `date,amount\n${rows.join('\n')}\n`)]);
    expect(r.code).toBe(3);
    const shown = r.stderr.split('\n').filter((l) => /^ {2}line \d+, amount: "bad\d+" is not an amount/.test(l));
    expect(shown).toHaveLength(50);
    expect(shown[0]).toContain('line 2, amount: "bad1"');
    expect(shown[49]).toContain('line 51, amount: "bad50"');
    expect(r.stderr).toContain('60 problems in the input');
    expect(r.stderr).toContain('… and 10 more problems');
  });

  it('more than 50 bad rows of different kinds: the 50 shown are the first 50 lines, in line order', async () => {
    // Rows 2..61 alternate between a bad date (found reading the row) and a bad amount (found
    // when the batch is checked against the book).
    const rows = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? '2026-02-30,1.00' : `2026-11-20,bad${i}`));
    const r = await refused(['import', 'receipts', file('mixed60.csv', `date,amount\n${rows.join('\n')}\n`)]);
    expect(r.code).toBe(3);
    const lines = r.stderr.split('\n').map((l) => /^ {2}line (\d+), /.exec(l)?.[1]).filter((x): x is string => x !== undefined).map(Number);
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
  });

  it('a bad rules file is refused with its line named', async () => {
    const rules = file('bad.rules', '# my bank\nencoding gbk\nskip two\ncolumn date\nif 摘要 退款 skip\n');
    const r = await refused(['import', 'receipts', ICBC, '--rules', rules]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('3 problems in the input');
    expect(r.stderr).toContain(`line 3, ${rules}: "skip two" skip takes a number of lines`);
    expect(r.stderr).toContain(`line 4, ${rules}: "column date" column takes a target field and a source column`);
    expect(r.stderr).toContain(`line 5, ${rules}: "if 摘要 退款 skip" if FIELD ~ REGEX skip`);
  });

  it('rules that name a column the file does not have are refused, naming it and the file\'s columns', async () => {
    const rules = file('wrong-col.rules', 'encoding gbk\nskip 2\ncolumn date 记账日期\ncredit 贷方发生额\n');
    const r = await refused(['import', 'receipts', ICBC, '--rules', rules]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('column date: "记账日期" no such column in the file; it has: 交易日期,');
  });

  it('a missing rules file or CSV file', async () => {
    const noRules = await refused(['import', 'receipts', ICBC, '--rules', path.join(tmp.dir, 'nope.rules')]);
    expect(noRules.code).toBe(2);
    expect(noRules.stderr).toContain('cannot read the rules file');
    const noFile = await refused(['import', 'customers', path.join(tmp.dir, 'nope.csv')]);
    expect(noFile.code).toBe(3);
    expect(noFile.stderr).toContain('nope.csv: does not exist');
  });

  it('a problem in a multi-line (quoted) record names the line the record starts on', async () => {
    const r = await refused(['import', 'receipts', file('multiline.csv', 'date,amount,memo\n2026-11-20,bad,"first\nsecond\nthird"\n2026-11-21,5.00,x\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 2, amount: "bad" is not an amount');
  });

  it('--partial without --rejects is a usage error (exit 2)', async () => {
    const r = await refused(['import', 'customers', DEMO_CUSTOMERS, '--partial']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--partial needs --rejects FILE');
  });

  it('other bad options are usage errors (exit 2): --rejects alone, --reconcile off receipts, an unknown encoding or entity', async () => {
    const rejects = await refused(['import', 'customers', DEMO_CUSTOMERS, '--rejects', path.join(tmp.dir, 'r.csv')]);
    expect(rejects.code).toBe(2);
    expect(rejects.stderr).toContain('--rejects goes with --partial');
    const reconcile = await refused(['import', 'customers', DEMO_CUSTOMERS, '--reconcile']);
    expect(reconcile.code).toBe(2);
    expect(reconcile.stderr).toContain('--reconcile is for receipts');
    const encoding = await refused(['import', 'customers', DEMO_CUSTOMERS, '--encoding', 'latin1']);
    expect(encoding.code).toBe(2);
    const entity = await refused(['import', 'suppliers', DEMO_CUSTOMERS]);
    expect(entity.code).toBe(2);
  });
});
