import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { snapshot } from '../support/cli.js';
import { testEngines } from '../support/engines.js';
import { importBook } from './import-helpers.js';
import { ROOT, readJson, seed } from './helpers.js';

/**
 * `owed import orders` (docs/IMPORT.md, "Orders"): one row per line, the rows of an order together,
 * order_ref kept as the order's number; drafts unless cancelled, or approved through the credit
 * check with --approve; idempotent by order_ref; bad rows named by line, column and value.
 */
const DEMO_CUSTOMERS = path.join(ROOT, 'fixtures/demo/customers.csv');
const DEMO_PRODUCTS = path.join(ROOT, 'fixtures/demo/products.csv');

const HEADER = 'order_ref,customer,date,sku,qty,price,state\n';
/** Three orders: two lines at list price and typed price; a service at list price; a cancelled one. */
const ORDERS = `${HEADER}`
  + 'SO-2026-000050,C001,2026-11-02,P-PRN-001,2,,\n'
  + 'SO-2026-000050,C001,2026-11-02,P-PAP-001,10,110.00,\n'
  + 'ERP-7731,C003,2026-11-05,S-INS-001,3,,draft\n'
  + 'ERP-7732,C002,2026-11-06,P-MON-001,1,1299.00,cancelled\n';

interface OrderLine { line: number; sku: string; quantity: number; unit_price: string; net: string; tax: string; reserved: number }
interface OrderShow { number: string; date: string; customer: string; status: string; currency: string; net: string; tax: string; total: string; lines: OrderLine[] }
interface OrderListRow { number: string; date: string; customer: string; name: string; status: string; currency: string; net: string; tax: string; total: string }
interface StockRow { sku: string; on_hand: number; reserved: number }

describe.each(testEngines())('%s', (engine) => {
  const book = importBook(engine, 'owed-import-orders-', [['init'], ['import', 'customers', DEMO_CUSTOMERS], ['import', 'products', DEMO_PRODUCTS]]);
  const { cli, file } = book;

  it('creates drafts (and a cancelled order) with their numbers, priced like order create; nothing reserved', async () => {
    const r = await cli(['import', 'orders', file('orders.csv', ORDERS)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('orders: 4 rows read (3 orders), created 3, 0 already present\n');
    const so = await readJson<OrderShow>(book.db.dbArg, 'order', 'show', 'SO-2026-000050');
    // 2 × 1899.00 = 3798.00 + 13 % 493.74; 10 × 110.00 = 1100.00 + 143.00.
    expect(so).toMatchObject({ customer: 'C001', date: '2026-11-02', status: 'draft', currency: 'CNY', net: '4898.00', tax: '636.74', total: '5534.74' });
    expect(so.lines.map((l) => [l.line, l.sku, l.quantity, l.unit_price, l.net, l.tax, l.reserved])).toEqual([
      [1, 'P-PRN-001', 2, '1899.00', '3798.00', '493.74', 0],
      [2, 'P-PAP-001', 10, '110.00', '1100.00', '143.00', 0],
    ]);
    expect(await readJson<OrderShow>(book.db.dbArg, 'order', 'show', 'ERP-7731')).toMatchObject({ status: 'draft', customer: 'C003', total: '636.00' });
    expect(await readJson<OrderShow>(book.db.dbArg, 'order', 'show', 'ERP-7732')).toMatchObject({ status: 'cancelled', total: '1467.87' });
    const stock = await readJson<StockRow[]>(book.db.dbArg, 'stock', 'list');
    expect(stock.every((s) => s.reserved === 0)).toBe(true);
    // The draft goes on through owed's lifecycle; the SO series continues after the imported number.
    const approve = await cli(['order', 'approve', 'SO-2026-000050']);
    expect(approve.code).toBe(0);
    const next = await cli(['order', 'create', '--customer', 'C001', '--line', 'P-PAP-001:1']);
    expect(next.code).toBe(0);
    expect(next.stdout.trim()).toBe('SO-2026-000051');
  });

  it('the same file again: every order already present, the book unchanged; a changed line is a conflict (exit 5)', async () => {
    await seed(book.db.dbArg, ['import', 'orders', file('orders.csv', ORDERS)]);
    const before = await snapshot(book.db.target);
    const again = await cli(['import', 'orders', file('orders.csv', ORDERS)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('orders: 4 rows read (3 orders), created 0, 3 already present\n');
    const changed = await cli(['import', 'orders', file('changed.csv', ORDERS.replace('P-PAP-001,10,', 'P-PAP-001,12,'))]);
    expect(changed.code).toBe(5);
    expect(changed.stderr).toContain('line 2: order SO-2026-000050 already exists with a different customer, date or lines');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('unknown customer, unknown SKU, bad qty and bad price: exit 3, each named by line, column and value; nothing written', async () => {
    const before = await snapshot(book.db.target);
    const bad = `${HEADER}`
      + 'A-1,C999,2026-11-02,P-PRN-001,1,,\n'
      + 'A-2,C001,2026-11-02,P-NOPE-9,1,,\n'
      + 'A-3,C001,2026-11-02,P-PRN-001,2.5,,\n'
      + 'A-3,C001,2026-11-02,P-PAP-001,0,,\n'
      + 'A-4,C001,2026-11-02,P-PRN-001,1,"1.899,00",\n'
      + 'A-5,C001,2026-11-02,P-PRN-001,1,-5.00,\n'
      + 'A-6,C001,2026-11-31,P-PRN-001,1,,shipped\n';
    const r = await cli(['import', 'orders', file('bad.csv', bad)]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    for (const expected of [
      'line 2, customer: "C999" unknown customer',
      'line 3, sku: "P-NOPE-9" unknown product',
      'line 4, qty: "2.5" must be a whole number greater than zero',
      'line 5, qty: "0" must be greater than zero',
      'line 6, price: "1.899,00"',
      'line 7, price: "-5.00" must not be negative',
      'line 8, date: "2026-11-31" day 31 does not exist in 2026-11',
      'line 8, state: "shipped" must be draft, approved, cancelled or empty (draft)',
    ]) expect(r.stderr).toContain(expected);
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('the rows of an order must be together and agree on customer and date (exit 3, naming both lines)', async () => {
    const before = await snapshot(book.db.target);
    const apart = `${HEADER}B-1,C001,2026-11-02,P-PRN-001,1,,\nB-2,C001,2026-11-02,P-PAP-001,1,,\nB-1,C001,2026-11-02,P-PAP-001,1,,\n`;
    const r1 = await cli(['import', 'orders', file('apart.csv', apart)]);
    expect(r1.code).toBe(3);
    expect(r1.stderr).toContain('line 4, order_ref: "B-1" the rows of B-1 must come one after another; it already appeared on line 2');
    const differ = `${HEADER}C-1,C001,2026-11-02,P-PRN-001,1,,\nC-1,C002,2026-11-03,P-PAP-001,1,,\n`;
    const r2 = await cli(['import', 'orders', file('differ.csv', differ)]);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toContain('line 3, customer: "C002" differs from line 2, the first line of order C-1 ("C001")');
    expect(r2.stderr).toContain('line 3, date: "2026-11-03" differs from line 2');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('--dry-run says what would be created and writes nothing; --partial sets every row of a bad order aside', async () => {
    const before = await snapshot(book.db.target);
    const dry = await cli(['import', 'orders', file('orders.csv', ORDERS), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('orders: 4 rows read (3 orders), would create 3, 0 already present (dry run: nothing was written)\n');
    expect(await snapshot(book.db.target)).toBe(before);

    const mixed = ORDERS.replace('P-PAP-001,10,110.00,', 'P-NOPE-9,10,110.00,');
    const rejects = path.join(book.dir, 'rejects.csv');
    const r = await cli(['import', 'orders', file('mixed.csv', mixed), '--partial', '--rejects', rejects]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('orders: 4 rows read (3 orders), created 2, 0 already present, 2 rejected\n');
    const rows = parse(fs.readFileSync(rejects, 'utf8')) as string[][];
    expect(rows[0]).toEqual(['order_ref', 'customer', 'date', 'sku', 'qty', 'price', 'state', 'error']);
    expect(rows.slice(1).map((row) => [row[0], row[3], row[7]])).toEqual([
      ['SO-2026-000050', 'P-PRN-001', 'line 2: sku: "P-NOPE-9" unknown product; import products first (owed import products)'],
      ['SO-2026-000050', 'P-NOPE-9', 'line 3: sku: "P-NOPE-9" unknown product; import products first (owed import products)'],
    ]);
    const list = await readJson<OrderListRow[]>(book.db.dbArg, 'order', 'list');
    expect(list.map((o) => o.number)).toEqual(['ERP-7731', 'ERP-7732']);
  });

  it('rows marked approved: drafts with a note by default; with --approve through the credit check and stock reservation', async () => {
    const approved = `${HEADER}D-1,C001,2026-11-02,P-PRN-001,2,,approved\nD-2,C003,2026-11-03,P-PAP-001,5,,approved\n`;
    const plain = await cli(['import', 'orders', file('approved.csv', approved)]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('2 orders marked approved in the file were imported as drafts');
    expect((await readJson<OrderListRow[]>(book.db.dbArg, 'order', 'list')).map((o) => o.status)).toEqual(['draft', 'draft']);

    const withApproval = await cli(['import', 'orders', file('approved2.csv', approved.replaceAll('D-', 'E-')), '--approve']);
    expect(withApproval.stderr).toBe('');
    expect(withApproval.code).toBe(0);
    const e1 = await readJson<OrderShow>(book.db.dbArg, 'order', 'show', 'E-1');
    expect(e1.status).toBe('approved');
    expect(e1.lines[0]!.reserved).toBe(2);
    const stock = await readJson<StockRow[]>(book.db.dbArg, 'stock', 'list');
    expect(stock.find((s) => s.sku === 'P-PRN-001')!.reserved).toBe(2);
    expect(stock.find((s) => s.sku === 'P-PAP-001')!.reserved).toBe(5);
  });

  it('--approve never passes the credit check silently: a refusal is exit 5 and nothing is written; with --partial only that order is set aside', async () => {
    // C008's credit limit is 0.00 (cash only): any approved order exceeds it.
    const approved = `${HEADER}F-1,C001,2026-11-02,P-PRN-001,2,,approved\nF-2,C008,2026-11-03,P-PRN-001,1,,approved\nF-2,C008,2026-11-03,P-PAP-001,3,,approved\n`;
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'orders', file('approved.csv', approved), '--approve']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/line 3: order F-2 is approved in the file, but credit check refuses F-2: exposure exceeds the credit limit/);
    expect(await snapshot(book.db.target)).toBe(before);

    const rejects = path.join(book.dir, 'rejects.csv');
    const partial = await cli(['import', 'orders', file('approved.csv', approved), '--approve', '--partial', '--rejects', rejects]);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toBe('orders: 3 rows read (2 orders), created 1, 0 already present, 2 rejected\n');
    expect((parse(fs.readFileSync(rejects, 'utf8')) as string[][]).slice(1).map((row) => row[0])).toEqual(['F-2', 'F-2']);
    expect((await readJson<OrderListRow[]>(book.db.dbArg, 'order', 'list')).map((o) => [o.number, o.status])).toEqual([['F-1', 'approved']]);
    // The refused order reserved nothing: its savepoint was rolled back.
    const stock = await readJson<StockRow[]>(book.db.dbArg, 'stock', 'list');
    expect(stock.find((s) => s.sku === 'P-PRN-001')!.reserved).toBe(2);
    expect(stock.find((s) => s.sku === 'P-PAP-001')!.reserved).toBe(0);
  });

  it('a customer billed in USD needs a price on every line whose product is listed in CNY', async () => {
    const r = await cli(['import', 'orders', file('usd.csv', `${HEADER}G-1,C012,2026-11-02,P-PRN-001,1,,\nG-2,C012,2026-11-02,P-PRN-001,1,280.00,\n`)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 2, price: "" is needed: P-PRN-001 has a list price in CNY and customer C012 is billed in USD');
    expect(r.stderr).not.toContain('line 3');
  });
});
