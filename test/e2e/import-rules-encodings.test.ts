import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { OWED_BIN, snapshot } from '../support/cli.js';
import { testEngines } from '../support/engines.js';
import { importBook } from './import-helpers.js';
import { cleanEnv, ROOT, readJson, seed } from './helpers.js';

/**
 * Rules files and encodings (docs/IMPORT.md): the two worked examples with exact figures, GBK,
 * --encoding auto, UTF-8 with a BOM, and layouts mapped by position, date format and marks.
 */
const DEMO_CUSTOMERS = path.join(ROOT, 'fixtures/demo/customers.csv');
const ICBC = path.join(ROOT, 'fixtures/import/icbc-statement-gbk.csv');
const ICBC_RULES = path.join(ROOT, 'fixtures/import/icbc.rules');
const ERP = path.join(ROOT, 'fixtures/import/erp-invoices.csv');
const ERP_RULES = path.join(ROOT, 'fixtures/import/erp-invoices.rules');

interface ReceiptRow { number: string; date: string; customer: string | null; method: string; amount: string; applied: string; unapplied: string; bank_ref: string; status: string }
interface InvoiceRow { number: string; customer: string; issue_date: string; due_date: string; currency: string; total: string; open: string; status: string }
interface AgingRow { customer: string | null; currency: string; unapplied: string; total: string; [bucket: string]: string | null }
interface Aging { rows: AgingRow[]; totals: { currency: string; unapplied: string; total: string }[] }

describe.each(testEngines())('%s', (engine) => {
  const book = importBook(engine, 'owed-import-rules-', [['init'], ['import', 'customers', DEMO_CUSTOMERS]]);
  const { cli, file } = book;

  it('the ICBC statement (GBK) with icbc.rules and --reconcile: 3 created, 2 skipped, the named invoice paid, the stranger unidentified', async () => {
    await seed(book.db.dbArg, ['import', 'invoices', file('open.csv', [
      'number,customer,issue_date,total',
      'INV-2026-000001,C001,2026-11-01,14765.08',
      'INV-2026-000002,C017,2026-10-20,3000.00',
      '',
    ].join('\n'))]);
    const r = await cli(['import', 'receipts', ICBC, '--rules', ICBC_RULES, '--reconcile']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 5 rows read, created 3, 0 already present, 2 skipped by the rules\n');
    expect(r.stderr).toContain('reconciled in RB-2026-000001: 2 allocations');

    const receipts = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(receipts.map((x) => [x.number, x.date, x.customer, x.method, x.amount, x.applied, x.unapplied, x.bank_ref, x.status])).toEqual([
      ['RC-2026-000001', '2026-11-20', 'C001', 'bank', '14765.08', '14765.08', '0.00', 'ICBC20261120000123', 'applied'],
      ['RC-2026-000002', '2026-11-21', 'C017', 'bank', '1908.00', '1908.00', '0.00', 'ICBC20261121000007', 'applied'],
      ['RC-2026-000003', '2026-11-23', null, 'bank', '5000.00', '0.00', '5000.00', 'ICBC20261123000052', 'unidentified'],
    ]);
    expect(await readJson(book.db.dbArg, 'receipt', 'show', 'RC-2026-000003')).toMatchObject({ memo: '转账 · payer: 不认识的公司' });
    const allocations = await readJson<{ source: string; invoice: string; amount: string; rule: string }[]>(book.db.dbArg, 'reconcile', 'list');
    expect(allocations.map((a) => [a.source, a.invoice, a.amount, a.rule])).toEqual([
      ['RC-2026-000001', 'INV-2026-000001', '14765.08', 'reference'],
      ['RC-2026-000002', 'INV-2026-000002', '1908.00', 'oldest'],
    ]);
    const invoices = await readJson<InvoiceRow[]>(book.db.dbArg, 'invoice', 'list');
    expect(invoices.map((i) => [i.number, i.open, i.status])).toEqual([
      ['INV-2026-000001', '0.00', 'paid'],
      ['INV-2026-000002', '1092.00', 'overdue'],
    ]);
    const aging = await readJson<Aging>(book.db.dbArg, 'aging');
    expect(aging.rows.map((x) => [x.customer, x.unapplied, x.total])).toEqual([
      ['C017', '0.00', '1092.00'],
      [null, '-5000.00', '-5000.00'],
    ]);
    expect(aging.totals).toEqual([expect.objectContaining({ currency: 'CNY', unapplied: '-5000.00', total: '-3908.00' })]);

    // Again: nothing new, nothing reconciled twice, the book unchanged.
    const before = await snapshot(book.db.target);
    const again = await cli(['import', 'receipts', ICBC, '--rules', ICBC_RULES, '--reconcile']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('receipts: 5 rows read, created 0, 3 already present, 2 skipped by the rules\n');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('the ICBC statement --dry-run says what would be created and writes nothing; --encoding utf8 wins over the rules and refuses it', async () => {
    const before = await snapshot(book.db.target);
    const dry = await cli(['import', 'receipts', ICBC, '--rules', ICBC_RULES, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ entity: 'receipts', dry_run: true, read: 5, created: 3, updated: 0, present: 0, skipped: 2, rejected: 0 });
    const utf8 = await cli(['import', 'receipts', ICBC, '--rules', ICBC_RULES, '--encoding', 'utf8']);
    expect(utf8.code).toBe(3);
    expect(utf8.stderr).toContain('is not valid UTF-8');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('a rules file saved as GBK itself works like the UTF-8 one', async () => {
    const gbkRules = file('icbc-gbk.rules', iconv.encode(fs.readFileSync(ICBC_RULES, 'utf8'), 'gbk'));
    const r = await cli(['import', 'receipts', ICBC, '--rules', gbkRules]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 5 rows read, created 3, 0 already present, 2 skipped by the rules\n');
    expect((await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list')).map((x) => x.customer)).toEqual(['C001', 'C017', null]);
  });

  it('the ERP invoices with erp-invoices.rules: semicolons, 10.000,00 amounts, DD.MM.YYYY dates, external refs', async () => {
    const dry = await cli(['import', 'invoices', ERP, '--rules', ERP_RULES, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('invoices: 3 rows read, would create 3, 0 already present (dry run: nothing was written)\n');
    const r = await cli(['import', 'invoices', ERP, '--rules', ERP_RULES]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('invoices: 3 rows read, created 3, 0 already present\n');
    const invoices = await readJson<InvoiceRow[]>(book.db.dbArg, 'invoice', 'list');
    expect(invoices.map((i) => [i.number, i.customer, i.issue_date, i.due_date, i.currency, i.total, i.open])).toEqual([
      ['FP-2025-0891', 'C001', '2025-12-15', '2026-01-14', 'CNY', '11300.00', '11300.00'],
      ['FP-2025-0902', 'C004', '2025-12-20', '2026-02-18', 'CNY', '6102.00', '6102.00'],
      ['FP-2026-0007', 'C002', '2026-01-05', '2026-02-19', 'CNY', '26103.57', '26103.57'],
    ]);
    expect(await readJson(book.db.dbArg, 'invoice', 'show', 'FP-2026-0007')).toMatchObject({ net: '23100.50', tax: '3003.07', total: '26103.57' });
    expect(await readJson(book.db.dbArg, 'invoice', 'show', 'FP-2025-0902')).toMatchObject({ net: '5400.00', tax: '702.00' });
    const aging = await readJson<Aging>(book.db.dbArg, 'aging');
    expect(aging.totals).toEqual([expect.objectContaining({ currency: 'CNY', total: '43505.57' })]);
  });

  it('--encoding auto reads a GBK file as GB18030', async () => {
    const gbk = file('customers-gbk.csv', iconv.encode('code,name,address\nG1,华东贸易有限公司,"上海市, 浦东新区"\nG2,西湖茶叶,杭州\n', 'gbk'));
    const strict = await cli(['import', 'customers', gbk]);
    expect(strict.code).toBe(3);
    const r = await cli(['import', 'customers', gbk, '--encoding', 'auto']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('customers: 2 rows read, created 2, 0 already present\n');
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'G1')).toMatchObject({ name: '华东贸易有限公司', address: '上海市, 浦东新区' });
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'G2')).toMatchObject({ name: '西湖茶叶' });
    // And --encoding gbk says the same; the file is already present.
    const again = await cli(['import', 'customers', gbk, '--encoding', 'gbk']);
    expect(again.stdout).toBe('customers: 2 rows read, created 0, 2 already present\n');
  });

  it('--encoding auto reads a whole file before deciding: GBK whose first non-ASCII byte comes after 64 KiB is GBK', async () => {
    const ascii = Array.from({ length: 2500 }, (_, i) => `A${String(i).padStart(5, '0')},Alpha Trading Company ${i}\n`).join('');
    expect(ascii.length).toBeGreaterThan(70 * 1024);
    const bytes = iconv.encode(`code,name\n${ascii}G1,华东贸易有限公司\n`, 'gbk');
    const late = file('late-gbk.csv', bytes);
    const r = await cli(['import', 'customers', late, '--encoding', 'auto']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('customers: 2501 rows read, created 2501, 0 already present\n');
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'G1')).toMatchObject({ name: '华东贸易有限公司' });

    // Standard input cannot be read twice: auto decides from its first 64 KiB and says so when a later byte disagrees.
    const before = await snapshot(book.db.target);
    const piped = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [OWED_BIN, '--db', book.db.dbArg, 'import', 'customers', '-', '--encoding', 'auto'], { env: cleanEnv() });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(iconv.encode(`code,name\n${ascii.replaceAll('A', 'B')}G2,西湖茶叶\n`, 'gbk'));
    });
    expect(piped.code).toBe(3);
    expect(piped.stdout).toBe('');
    expect(piped.stderr).toContain('line 2502, standard input: is not valid UTF-8 here, though its first 64 KiB are');
    expect(piped.stderr).toContain('--encoding gbk');
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('--encoding auto reads a UTF-8 file as UTF-8 (a GB18030 reading would garble it)', async () => {
    const r = await cli(['import', 'customers', file('u.csv', 'code,name\nU1,优优科技有限公司\n'), '--encoding', 'auto']);
    expect(r.code).toBe(0);
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'U1')).toMatchObject({ name: '优优科技有限公司' });
  });

  it('UTF-8 with a BOM: the first header is recognised, with or without --encoding auto', async () => {
    const bom = file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('code,name\nB1,带BOM的客户\n')]));
    const r = await cli(['import', 'customers', bom]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('customers: 1 rows read, created 1, 0 already present\n');
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'B1')).toMatchObject({ code: 'B1', name: '带BOM的客户' });
    const auto = await cli(['import', 'customers', bom, '--encoding', 'auto']);
    expect(auto.stdout).toBe('customers: 1 rows read, created 0, 1 already present\n');
    const stdin = await cli(['import', 'receipts', '-'], '\uFEFFdate,amount,customer\n2026-11-20,5.00,B1\n');
    expect(stdin.code).toBe(0);
    expect((await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list')).map((x) => x.customer)).toEqual(['B1']);
  });

  it('header no, TAB, positions, YYYYMMDD, if … set customer, default method', async () => {
    const rules = file('pos.rules', [
      'header no', 'separator TAB', 'column date 1', 'column amount 2', 'column memo 3', 'column bank_ref 4',
      'date-format YYYYMMDD', 'if memo ~ 华美 set customer C001', 'if memo ~ ^手续费 skip', 'default method bank',
    ].join('\n'));
    const source = file('pos.tsv', '20261120\t500.00\t华美 付款\tT-1\n20261121\t600.00\t其他来款\tT-2\n20261121\t5.00\t手续费\tT-3\n');
    const r = await cli(['import', 'receipts', source, '--rules', rules]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 3 rows read, created 2, 0 already present, 1 skipped by the rules\n');
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => [x.date, x.amount, x.customer, x.method, x.bank_ref])).toEqual([
      ['2026-11-20', '500.00', 'C001', 'bank', 'T-1'],
      ['2026-11-21', '600.00', null, 'bank', 'T-2'],
    ]);
  });

  it('YYYY年M月D日 dates and a space as thousands separator', async () => {
    const rules = file('cn.rules', "column date 日期\ncolumn amount 金额\ncolumn customer 客户\ndate-format YYYY年M月D日\nthousands-separator '\n");
    const r = await cli(['import', 'receipts', file('cn.csv', "日期,金额,客户\n2026年11月5日,1'234.50,C002\n"), '--rules', rules]);
    expect(r.code).toBe(0);
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => [x.date, x.amount, x.customer])).toEqual([['2026-11-05', '1234.50', 'C002']]);
  });

  it('a rules file saying "encoding utf-8" reads UTF-8 as UTF-8, not as GB18030 mojibake', async () => {
    const rules = file('utf-8.rules', 'encoding utf-8\n');
    const r = await cli(['import', 'customers', file('u8.csv', 'code,name\nU8,优优科技有限公司\n'), '--rules', rules]);
    expect(r.code).toBe(0);
    expect(await readJson(book.db.dbArg, 'customer', 'show', 'U8')).toMatchObject({ name: '优优科技有限公司' });
  });

  it('a bank statement with separate credit/debit columns in 1.234,50 notation imports 1234.50, not 123450.00', async () => {
    const rules = file('de.rules', [
      'separator ;', 'column date Buchungstag', 'column memo Verwendungszweck', 'column bank_ref Referenz',
      'credit Haben', 'debit Soll', 'date-format DD.MM.YYYY', 'decimal-mark ,', 'thousands-separator .',
    ].join('\n'));
    const source = file('de.csv', [
      'Buchungstag;Verwendungszweck;Soll;Haben;Referenz',
      '20.11.2026;Zahlung INV-1;;1.234,50;D-1',
      '21.11.2026;Miete;2.000,00;;D-2',
      '22.11.2026;Zahlung;;75,00;D-3',
      '',
    ].join('\n'));
    const r = await cli(['import', 'receipts', source, '--rules', rules]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('receipts: 3 rows read, created 2, 0 already present, 1 skipped by the rules\n');
    const list = await readJson<ReceiptRow[]>(book.db.dbArg, 'receipt', 'list');
    expect(list.map((x) => [x.date, x.amount, x.bank_ref])).toEqual([['2026-11-20', '1234.50', 'D-1'], ['2026-11-22', '75.00', 'D-3']]);
  });

  it('with decimal-mark , and thousands-separator . an amount written 12.50 is refused, not read as 1250', async () => {
    const rules = file('de2.rules', 'separator ;\ndecimal-mark ,\nthousands-separator .\n');
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'receipts', file('de2.csv', 'date;amount;bank_ref\n2026-11-20;1.234,50;E-1\n2026-11-21;12.50;E-2\n'), '--rules', rules]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/line 3, amount: "12\.50"/);
    expect(await snapshot(book.db.target)).toBe(before);
  });

  it('a problem after a date-format or decimal-mark rewrite shows the file\'s text, not the rewritten value', async () => {
    await seed(book.db.dbArg, ['import', 'invoices', file('open.csv', 'number,customer,issue_date,total\nINV-X-1,C001,2026-11-01,100.00\n')]);
    const rules = file('erp.rules', 'separator ;\ndate-format DD.MM.YYYY\ndecimal-mark ,\nthousands-separator .\n');
    const before = await snapshot(book.db.target);
    const r = await cli(['import', 'invoices', file('erp.csv', [
      'number;customer;issue_date;due_date;total',
      'E-1;C001;31.11.2026;;1.000,00',
      'E-2;C001;20.11.2026;19.11.2026;1.000,00',
      'E-3;C001;20.11.2026;;1.000,005',
      'INV-X-1;C001;01.11.2026;;100,00',
      '',
    ].join('\n')), '--rules', rules]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('line 2, issue_date: "31.11.2026" day 31 does not exist in 2026-11');
    expect(r.stderr).toContain('line 3, due_date: "19.11.2026" is before the issue date 2026-11-20');
    expect(r.stderr).toContain('line 4, total: "1.000,005" has 3 decimal places');
    expect(r.stderr).not.toMatch(/2026-11-31|2026-11-19"|1000\.005/);
    expect(await snapshot(book.db.target)).toBe(before);

    const rejects = path.join(book.dir, 'rejects.csv');
    const partial = await cli(['import', 'invoices', file('erp2.csv', 'number;customer;issue_date;total\nE-9;C001;31.11.2026;5,00\n'), '--rules', rules, '--partial', '--rejects', rejects]);
    expect(partial.code).toBe(0);
    expect((parse(fs.readFileSync(rejects, 'utf8')) as string[][])[1]).toEqual(['E-9', 'C001', '31.11.2026', '5,00', 'line 2: issue_date: "31.11.2026" day 31 does not exist in 2026-11']);
  });
});
