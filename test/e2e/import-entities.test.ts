import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { snapshot } from '../support/cli.js';
import { testEngines } from '../support/engines.js';
import { importBook } from './import-helpers.js';
import { ROOT, readJson, seed } from './helpers.js';

/**
 * `owed import customers|products|invoices|receipts`: what each creates, --dry-run, --partial
 * --rejects, --update, conflicts (exit 5), standard input and --json (docs/IMPORT.md).
 */
const DEMO_CUSTOMERS = path.join(ROOT, 'fixtures/demo/customers.csv');
const DEMO_PRODUCTS = path.join(ROOT, 'fixtures/demo/products.csv');
const FIXTURES = path.join(ROOT, 'test/fixtures/import');
const OPENING = path.join(FIXTURES, 'opening-invoices.csv');
const WEEK1 = path.join(FIXTURES, 'statement-week1.csv');

interface CustomerRow { code: string; name: string; currency: string; terms: string; credit_limit: string | null; segment: string | null }
interface ProductRow { sku: string; name: string; price: string; unit: string; tax_rate: string; stocked: boolean }
interface StockRow { sku: string; on_hand: number; reserved: number; available: number }
interface InvoiceRow { number: string; customer: string; issue_date: string; due_date: string; currency: string; total: string; open: string; status: string }
interface ReceiptRow { number: string; date: string; customer: string | null; method: string; currency: string; amount: string; bank_ref: string; status: string }

describe.each(testEngines())('%s', (engine) => {
  const book = importBook(engine, 'owed-import-', [['init']]);
  const { cli, file } = book;

  it('customers: the 20 demo customers, every column kept (quoted comma, empty credit limit = none, USD)', async () => {
    const r = await cli(['import', 'customers', DEMO_CUSTOMERS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('customers: 20 rows read, created 20, 0 already present\n');
    const list = await readJson<CustomerRow[]>(book.db.dbArg, 'customer', 'list');
    expect(list.map((c) => c.code)).toEqual(Array.from({ length: 20 }, (_, i) => `C${String(i + 1).padStart(3, '0')}`));
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'C004')).toMatchObject({
      name: '深圳市腾达电子科技有限公司', email: 'ar@tengda.example.cn', phone: '0755-86329900', tax_id: '914403053581092620',
      currency: 'CNY', terms: 'NET60', credit_limit: '300000.00', segment: 'A', birthday: '08-08',
      address: '深圳市南山区高新南七道18号, 深圳湾科技生态园3栋1201室',
    });
    expect(list.find((c) => c.code === 'C012')).toMatchObject({ name: 'Pacific Rim Imports', currency: 'USD', terms: 'NET45', credit_limit: '20000.00' });
    expect(list.find((c) => c.code === 'C008')!.credit_limit).toBe('0.00');
    expect(list.find((c) => c.code === 'C020')!.credit_limit).toBeNull();
    // The fixture's hand-checked sums (fixtures/README.md).
    const minor = (cur: string) => list.filter((c) => c.currency === cur && c.credit_limit !== null).reduce((s, c) => s + Math.round(Number(c.credit_limit) * 100), 0);
    expect(minor('CNY')).toBe(247500000);
    expect(minor('USD')).toBe(2000000);
  });

  it('products: 30 items; a number in stock is received as opening stock, an empty stock marks a service', async () => {
    const r = await cli(['import', 'products', DEMO_PRODUCTS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('products: 30 rows read, created 30, 0 already present\n');
    const products = await readJson<ProductRow[]>(book.db.dbArg, 'product', 'list');
    expect(products).toHaveLength(30);
    expect(products.filter((p) => !p.stocked).map((p) => p.sku).sort()).toEqual(['S-FRT-001', 'S-INS-001', 'S-SUP-001', 'S-TRN-001']);
    expect(products.find((p) => p.sku === 'P-PAP-002')).toMatchObject({ name: 'A3复印纸 80g（5包/箱）', price: '236.50', unit: '箱', tax_rate: '13' });
    expect(products.find((p) => p.sku === 'S-FRT-001')).toMatchObject({ price: '3500.00', tax_rate: '0', stocked: false });
    const stock = await readJson<StockRow[]>(book.db.dbArg, 'stock', 'list');
    expect(stock).toHaveLength(26);
    expect(stock.find((s) => s.sku === 'P-PRN-001')).toMatchObject({ on_hand: 25, reserved: 0, available: 25 });
    expect(stock.find((s) => s.sku === 'P-SSD-001')).toMatchObject({ on_hand: 0 });
    const price = new Map(products.map((p) => [p.sku, Math.round(Number(p.price) * 100)]));
    expect(stock.reduce((s, row) => s + price.get(row.sku)! * row.on_hand, 0)).toBe(64476950);
  });

  it('invoices: opening balances keep their numbers; due dates from the customer\'s terms; net + tax default to total + 0', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const r = await cli(['import', 'invoices', OPENING]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('invoices: 3 rows read, created 3, 0 already present\n');
    const list = await readJson<InvoiceRow[]>(book.db.dbArg, 'invoice', 'list');
    expect(list.map((i) => [i.number, i.customer, i.issue_date, i.due_date, i.currency, i.total, i.open, i.status])).toEqual([
      ['OB-0001', 'C001', '2026-09-15', '2026-10-15', 'CNY', '11300.00', '11300.00', 'overdue'],
      ['OB-0002', 'C002', '2026-10-01', '2026-12-01', 'CNY', '5000.00', '5000.00', 'open'],
      ['OB-0003', 'C012', '2026-10-20', '2026-12-04', 'USD', '2000.00', '2000.00', 'open'],
    ]);
    expect(await readJson(book.db.dbArg, 'invoice', 'show', 'OB-0001')).toMatchObject({ net: '10000.00', tax: '1300.00', total: '11300.00', lines: [] });
    expect(await readJson(book.db.dbArg, 'invoice', 'show', 'OB-0002')).toMatchObject({ net: '5000.00', tax: '0.00', total: '5000.00' });
  });

  it('invoices numbered in owed\'s own form move its series on: the next invoice issued here follows the highest imported', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS], ['import', 'products', DEMO_PRODUCTS]);
    const csv = file('owed-numbers.csv', [
      'number,customer,issue_date,total',
      'INV-2026-000012,C001,2026-09-15,100.00',
      'INV-2026-000005,C002,2026-10-01,200.00',
      'INV-2025-000040,C001,2025-12-01,300.00',
      'OB-0009,C001,2026-10-01,400.00',
    ].join('\n'));
    const r = await cli(['import', 'invoices', csv]);
    expect(r.stdout).toBe('invoices: 4 rows read, created 4, 0 already present\n');
    const issue = (date: string) => cli(['invoice', 'issue', '--customer', 'C001', '--line', 'S-FRT-001:1', '--date', date]);
    expect((await issue('2026-11-01')).stdout).toBe('INV-2026-000013\n');
    expect((await issue('2025-12-15')).stdout).toBe('INV-2025-000041\n');
    // A dry run moves nothing.
    const dry = file('owed-numbers-dry.csv', 'number,customer,issue_date,total\nINV-2026-000900,C001,2026-11-01,100.00');
    expect((await cli(['import', 'invoices', dry, '--dry-run'])).code).toBe(0);
    expect((await issue('2026-11-02')).stdout).toBe('INV-2026-000014\n');
  });

  it('invoices: net + tax must equal total (exit 3, nothing written)', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'invoices', file('bad-sum.csv', 'number,customer,issue_date,total,net,tax\nX-1,C001,2026-10-01,100.00,90.00,9.00\n')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 2, total: "100.00" is not net 90.00 + tax 9.00');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('receipts: customers by code or exact name; method, reference and memo kept; no bank id → a fingerprint', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const r = await cli(['import', 'receipts', WEEK1]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 5 rows read, created 5, 0 already present\n');
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => [x.number, x.date, x.customer, x.method, x.amount, x.status])).toEqual([
      ['RC-2026-000001', '2026-11-16', 'C001', 'bank', '1200.00', 'unapplied'],
      ['RC-2026-000002', '2026-11-17', 'C002', 'bank', '500.00', 'unapplied'],
      ['RC-2026-000003', '2026-11-18', 'C003', 'cash', '300.00', 'unapplied'],
      ['RC-2026-000004', '2026-11-18', 'C003', 'cash', '300.00', 'unapplied'],
      ['RC-2026-000005', '2026-11-19', 'C020', 'bank', '800.00', 'unapplied'],
    ]);
    for (const x of list) expect(x.bank_ref).toMatch(/^fp:[0-9a-f]{24}:[12]$/);
    expect(list[2]!.bank_ref.replace(/:1$/, '')).toBe(list[3]!.bank_ref.replace(/:2$/, ''));
    expect(await readJson(book.db.dbArg, 'receipt', 'show', 'RC-2026-000001')).toMatchObject({ memo: 'INV-2026-000101 · 货款' });
  });

  it('receipts: an unknown payer is not an error but unidentified cash, the payer named in the memo', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const r = await cli(['import', 'receipts', file('payers.csv', 'date,amount,customer,bank_ref\n2026-11-25,100.00,Nobody Ltd,B-1\n2026-11-25,200.00,C999,B-2\n2026-11-26,300.00,Acme Trading Ltd,B-3\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 3 rows read, created 3, 0 already present\n');
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => [x.bank_ref, x.customer, x.status])).toEqual([
      ['B-1', null, 'unidentified'],
      ['B-2', null, 'unidentified'],
      ['B-3', 'C011', 'unapplied'],
    ]);
    expect(await readJson(book.db.dbArg, 'receipt', 'show', 'RC-2026-000001')).toMatchObject({ customer: null, memo: 'payer: Nobody Ltd' });
    expect(await readJson(book.db.dbArg, 'receipt', 'show', 'RC-2026-000002')).toMatchObject({ customer: null, memo: 'payer: C999' });
  });

  it('import receipts - reads standard input', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const r = await cli(['import', 'receipts', '-'], 'date,amount,customer,bank_ref\n2026-11-25,1695.00,C001,STDIN-1\n2026-11-26,88.00,C002,STDIN-2\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 2 rows read, created 2, 0 already present\n');
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => [x.bank_ref, x.customer, x.amount])).toEqual([['STDIN-1', 'C001', '1695.00'], ['STDIN-2', 'C002', '88.00']]);
  });

  it('import receipts - : a problem on standard input names "standard input" or its line', async () => {
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'receipts', '-'], 'date,amount\n2026-11-25,1695.00\n2026-11-26,lots\n');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 3, amount: "lots" is not an amount');
    expect(await snapshot(book.db.target)).toBe(before);
    const empty = await cli(['import', 'receipts', '-'], '');
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain('standard input: is empty');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('--json prints one object with the counts', async () => {
    const r = await cli(['import', 'customers', DEMO_CUSTOMERS, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ entity: 'customers', dry_run: false, read: 20, created: 20, updated: 0, present: 0, skipped: 0, rejected: 0 });
  });

  it('--dry-run checks everything and says what would be created, and writes nothing', async () => {
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'customers', DEMO_CUSTOMERS, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('customers: 20 rows read, would create 20, 0 already present (dry run: nothing was written)\n');
    expect(await snapshot(book.db.target)).toBe(before);
    const products = await cli(['import', 'products', DEMO_PRODUCTS, '--dry-run', '--json']);
    expect(products.code).toBe(0);
    expect(JSON.parse(products.stdout)).toMatchObject({ entity: 'products', dry_run: true, read: 30, created: 30, present: 0 });
    expect(await snapshot(book.db.target)).toBe(before);
    expect(await readJson(book.db.dbArg, 'customer', 'list')).toEqual([]);
  });

  it('--dry-run checks against the book: present rows, would-be updates, unknown customers', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const before = await snapshot(book.db.target);
    const changed = file('changed.csv', fs.readFileSync(DEMO_CUSTOMERS, 'utf8').replace('C003,广州天河商贸有限公司', 'C003,广州天河商贸集团有限公司'));
    const update = await cli(['import', 'customers', changed, '--update', '--dry-run']);
    expect(update.code).toBe(0);
    expect(update.stdout).toBe('customers: 20 rows read, would create 0, would update 1, 19 already present (dry run: nothing was written)\n');
    const conflict = await cli(['import', 'customers', changed, '--dry-run']);
    expect(conflict.code).toBe(5);
    expect(conflict.stderr).toContain('line 4: customer C003 already exists with different details');
    const unknown = await cli(['import', 'invoices', file('unknown.csv', 'number,customer,issue_date,total\nI-1,C404,2026-10-01,10.00\n'), '--dry-run']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('line 2, customer: "C404" unknown customer');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('a changed customer under an existing code is a conflict (exit 5, nothing written); --update updates it', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS]);
    const text = fs.readFileSync(DEMO_CUSTOMERS, 'utf8')
      .replace('C003,广州天河商贸有限公司', 'C003,广州天河商贸集团有限公司')
      .replace('NET15,30000.00,B,11-02', 'NET15,35000.00,B,11-02');
    const changed = file('changed.csv', `${text}C021,新客户有限公司,,,,,,,,,\n`);
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'customers', changed]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('2 rows would change what the book already holds');
    expect(r.stderr).toContain('line 4: customer C003 already exists with different details');
    expect(r.stderr).toContain('line 6: customer C005 already exists with different details');
    expect(r.stderr).toContain('--update');
    expect(await snapshot(book.db.target)).toBe(before);

    const u = await cli(['import', 'customers', changed, '--update']);
    expect(u.code).toBe(0);
    expect(u.stdout).toBe('customers: 21 rows read, created 1, updated 2, 18 already present\n');
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'C003')).toMatchObject({ name: '广州天河商贸集团有限公司', credit_limit: '80000.00' });
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'C005')).toMatchObject({ credit_limit: '35000.00' });
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'C021')).toMatchObject({ name: '新客户有限公司', terms: 'NET30' });
    const again = await cli(['import', 'customers', changed, '--update']);
    expect(again.stdout).toBe('customers: 21 rows read, created 0, 21 already present\n');
  });

  it('a changed product or invoice under an existing key is a conflict (exit 5), --update or not', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS], ['import', 'products', DEMO_PRODUCTS], ['import', 'invoices', OPENING]);
    const before = await snapshot(book.db.target);
    const product = await cli(['import', 'products', file('p.csv', 'sku,name,price,unit,tax_rate,stock\nP-PRN-001,黑白激光打印机（A4）,1999.00,台,13,25\n'), '--update']);
    expect(product.code).toBe(5);
    expect(product.stderr).toContain('line 2: product P-PRN-001 already exists with different details');
    const invoice = await cli(['import', 'invoices', file('i.csv', 'number,customer,issue_date,total\nOB-0002,C002,2026-10-01,5100.00\n')]);
    expect(invoice.code).toBe(5);
    expect(invoice.stderr).toContain('line 2: invoice OB-0002 already exists with different content');
    // The same external_ref under another number is the same document.
    const byRef = await cli(['import', 'invoices', file('r.csv', 'number,customer,issue_date,total,net,tax,external_ref\nOB-9001,C001,2026-09-15,11300.00,10000.00,1300.00,ERP-1\n')]);
    expect(byRef.code).toBe(5);
    expect(byRef.stderr).toContain('invoice OB-0001 already exists');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('--partial --rejects imports the good rows and writes the bad ones with an error column', async () => {
    const source = file('mixed.csv', [
      'code,name,email,credit_limit',
      'Z1,Good One,z1@example.cn,1000',
      'bad code!,Bad Code,,',
      'Z2,Bad Mail,not-an-email,',
      'Z3,"Good, Three",,',
      'Z4,Bad Limit,,lots',
      '',
    ].join('\n'));
    const rejects = path.join(book.dir, 'rejects.csv');
    const r = await cli(['import', 'customers', source, '--partial', '--rejects', rejects]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('customers: 5 rows read, created 2, 0 already present, 3 rejected\n');
    expect(r.stderr).toContain(`3 rows set aside in ${rejects}`);
    expect((await readJson<CustomerRow[]>(book.db.dbArg, 'customer', 'list')).map((c) => [c.code, c.name])).toEqual([['Z1', 'Good One'], ['Z3', 'Good, Three']]);
    const rows = parse(fs.readFileSync(rejects, 'utf8')) as string[][];
    expect(rows[0]).toEqual(['code', 'name', 'email', 'credit_limit', 'error']);
    expect(rows.slice(1).map((x) => x.slice(0, 4))).toEqual([
      ['bad code!', 'Bad Code', '', ''],
      ['Z2', 'Bad Mail', 'not-an-email', ''],
      ['Z4', 'Bad Limit', '', 'lots'],
    ]);
    expect(rows[1]![4]).toMatch(/^line 3: code: "bad code!" /);
    expect(rows[2]![4]).toMatch(/^line 4: email: "not-an-email" is not an email address/);
    expect(rows[3]![4]).toMatch(/^line 6: credit_limit: "lots" /);
  });

  it('--partial --rejects also sets aside rows only the book can judge (unknown customers) and conflicts', async () => {
    await seed(book.db.dbArg, ['import', 'customers', DEMO_CUSTOMERS], ['import', 'invoices', OPENING]);
    const source = file('inv.csv', [
      'number,customer,issue_date,total',
      'N-1,C001,2026-11-01,100.00',
      'N-2,C404,2026-11-01,200.00',
      'OB-0002,C002,2026-10-01,9999.00',
      'N-3,C002,2026-11-02,300.00',
      '',
    ].join('\n'));
    const rejects = path.join(book.dir, 'rejects.csv');
    const r = await cli(['import', 'invoices', source, '--partial', '--rejects', rejects]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('invoices: 4 rows read, created 2, 0 already present, 2 rejected\n');
    const rows = parse(fs.readFileSync(rejects, 'utf8')) as string[][];
    expect(rows[0]).toEqual(['number', 'customer', 'issue_date', 'total', 'error']);
    expect(rows.slice(1).map((x) => x[0])).toEqual(['N-2', 'OB-0002']);
    expect(rows[1]![4]).toMatch(/^line 3: customer: "C404" unknown customer/);
    expect(rows[2]![4]).toMatch(/invoice OB-0002 already exists with different content/);
    expect((await readJson<InvoiceRow[]>(book.db.dbArg, 'invoice', 'list')).map((i) => i.number)).toEqual(['N-1', 'N-3', 'OB-0001', 'OB-0002', 'OB-0003']);
  });

  it('--partial with nothing bad writes no rejects file', async () => {
    const rejects = path.join(book.dir, 'rejects.csv');
    const r = await cli(['import', 'customers', DEMO_CUSTOMERS, '--partial', '--rejects', rejects]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('customers: 20 rows read, created 20, 0 already present\n');
    expect(fs.existsSync(rejects)).toBe(false);
  });
});
