import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshot } from '../support/cli.js';
import { testEngines } from '../support/engines.js';
import { importBook } from './import-helpers.js';
import { ROOT, readJson, seed } from './helpers.js';

/**
 * Importing twice creates nothing (docs/IMPORT.md, "Idempotency"): every row has a key, a row
 * whose key is in the book with the same content is "already present".
 */
const DEMO_CUSTOMERS = path.join(ROOT, 'fixtures/demo/customers.csv');
const DEMO_PRODUCTS = path.join(ROOT, 'fixtures/demo/products.csv');
const FIXTURES = path.join(ROOT, 'test/fixtures/import');
const OPENING = path.join(FIXTURES, 'opening-invoices.csv');
const WEEK1 = path.join(FIXTURES, 'statement-week1.csv');
const WEEK2 = path.join(FIXTURES, 'statement-week2.csv');

interface ReceiptRow { number: string; date: string; customer: string | null; amount: string; bank_ref: string }

describe.each(testEngines())('%s', (engine) => {
  const book = importBook(engine, 'owed-import-', [['init']]);
  const { cli, file } = book;

  it.each([
    ['customers', DEMO_CUSTOMERS, 20],
    ['products', DEMO_PRODUCTS, 30],
    ['invoices', OPENING, 3],
    ['receipts', WEEK1, 5],
  ] as const)('%s: the same file twice → "0 created, N already present", the book unchanged', async (entity, source, n) => {
    if (entity === 'invoices' || entity === 'receipts') await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const first = await cli(['import', entity, source]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${entity}: ${n} rows read, created ${n}, 0 already present\n`);
    const before = await snapshot(book.db.target);
    const second = await cli(['import', entity, source]);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`${entity}: ${n} rows read, created 0, ${n} already present\n`);
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('the ERP invoices with their rules, twice: the second run finds all three present', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const args = ['import', 'invoices', path.join(ROOT, 'fixtures/import/erp-invoices.csv'), '--rules', path.join(ROOT, 'fixtures/import/erp-invoices.rules')];
    expect((await cli(args)).stdout).toBe('invoices: 3 rows read, created 3, 0 already present\n');
    const before = await snapshot(book.db.target);
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('invoices: 3 rows read, created 0, 3 already present\n');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('an overlapping bank statement creates only the new lines', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS], ['import', 'receipts', WEEK1]);
    const r = await cli(['import', 'receipts', WEEK2]);
    expect(r.code).toBe(0);
    // Week 2 repeats the 18th (two equal cash payments) and the 19th, and adds the 20th and 21st.
    expect(r.stdout).toBe('receipts: 5 rows read, created 2, 3 already present\n');
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => [x.number, x.date, x.customer, x.amount])).toEqual([
      ['RC-2026-000001', '2026-11-16', 'C001', '1200.00'],
      ['RC-2026-000002', '2026-11-17', 'C002', '500.00'],
      ['RC-2026-000003', '2026-11-18', 'C003', '300.00'],
      ['RC-2026-000004', '2026-11-18', 'C003', '300.00'],
      ['RC-2026-000005', '2026-11-19', 'C020', '800.00'],
      ['RC-2026-000006', '2026-11-20', 'C005', '950.00'],
      ['RC-2026-000007', '2026-11-21', 'C003', '300.00'],
    ]);
    // The 21st's 300.00 is not the 18th's: another day, another fingerprint.
    expect(new Set(list.map((x) => x.bank_ref)).size).toBe(7);
    const before = await snapshot(book.db.target);
    expect((await cli(['import', 'receipts', WEEK1])).stdout).toBe('receipts: 5 rows read, created 0, 5 already present\n');
    expect((await cli(['import', 'receipts', WEEK2])).stdout).toBe('receipts: 5 rows read, created 0, 5 already present\n');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('two identical payments on one day both count, and stay two on re-import (also from standard input)', async () => {
    const statement = 'date,amount,reference\n2026-11-25,100.00,R1\n2026-11-25,100.00,R1\n';
    const first = await cli(['import', 'receipts', '-'], statement);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('receipts: 2 rows read, created 2, 0 already present\n');
    const before = await snapshot(book.db.target);
    const again = await cli(['import', 'receipts', file('same.csv', statement)]);
    expect(again.stdout).toBe('receipts: 2 rows read, created 0, 2 already present\n');
    expect(await snapshot(book.db.target)).toBe(before);
    // A third equal payment that day, in a statement of the whole day, is the only new one.
    const three = await cli(['import', 'receipts', '-'], `${statement}2026-11-25,100.00,R1\n`);
    expect(three.stdout).toBe('receipts: 3 rows read, created 1, 2 already present\n');
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => x.bank_ref.slice(-2))).toEqual([':1', ':2', ':3']);
    expect(list.map((x) => x.amount)).toEqual(['100.00', '100.00', '100.00']);
  });

  it('a bank line with the bank\'s id is the same line whatever else the statement says about it', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    await seed(book.db.dbArg, ['import', 'receipts', file('a.csv', 'date,amount,customer,memo,bank_ref\n2026-11-20,500.00,C001,first export,B-77\n')]);
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'receipts', file('b.csv', 'date,amount,customer,memo,bank_ref\n2026-11-20,500.00,C001,re-exported with another memo,B-77\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 1 rows read, created 0, 1 already present\n');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('a bank id already recorded with another amount is a conflict (exit 5, nothing written)', async () => {
    await seed(book.db.dbArg, ['import', 'receipts', file('a.csv', 'date,amount,bank_ref\n2026-11-20,500.00,B-77\n')]);
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'receipts', file('b.csv', 'date,amount,bank_ref\n2026-11-21,9.00,B-78\n2026-11-20,510.00,B-77\n')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('line 3: bank reference B-77 is already recorded as RC-2026-000001 with a different date or amount');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('the same key twice in one file is refused (exit 3), naming both lines', async () => {
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'customers', file('dup.csv', 'code,name\nD1,One\nD2,Two\nD1,One again\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 4, code: "D1" appears twice in the file (first on line 2)');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('the same bank line re-exported with its amount written differently (1,000.00 / 1000.00 / 1000) is not recorded again', async () => {
    const first = await cli(['import', 'receipts', file('a.csv', 'date,amount,reference\n2026-11-20,"1,000.00",R7\n')]);
    expect(first.stdout).toBe('receipts: 1 rows read, created 1, 0 already present\n');
    const before = await snapshot(book.db.target);
    // The statement opened and saved again in a spreadsheet: same day, same payment, same reference.
    const again = await cli(['import', 'receipts', file('b.csv', 'date,amount,reference\n2026-11-20,1000.00,R7\n')]);
    expect(again.stdout).toBe('receipts: 1 rows read, created 0, 1 already present\n');
    const bare = await cli(['import', 'receipts', file('c.csv', 'date,amount,reference\n2026-11-20,1000,R7\n')]);
    expect(bare.stdout).toBe('receipts: 1 rows read, created 0, 1 already present\n');
    expect(await snapshot(book.db.target)).toBe(before);
  });
});
