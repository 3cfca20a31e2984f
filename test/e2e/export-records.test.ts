import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed, tempDir } from './helpers.js';

/** `owed export SET` in the import column sets of CLI.md, and the journal's usage rules. */

const COLUMNS = {
  customers: ['code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment', 'birthday', 'address'],
  products: ['sku', 'name', 'price', 'unit', 'tax_rate', 'stock'],
  orders: ['order_ref', 'customer', 'date', 'sku', 'qty', 'price', 'state'],
  invoices: ['number', 'customer', 'issue_date', 'total', 'due_date', 'currency', 'net', 'tax', 'order', 'external_ref', 'kind'],
  receipts: ['date', 'amount', 'customer', 'currency', 'reference', 'memo', 'method', 'bank_ref', 'reversed_on'],
  allocations: ['id', 'date', 'invoice', 'source_kind', 'source', 'amount', 'currency', 'batch', 'rule'],
} as const;
type SetName = keyof typeof COLUMNS;
type Row = Record<string, string | number | null>;

const DECIMAL = /^-?\d+\.\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const minor = (s: string) => Math.round(Number(s) * 100);

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  let tmp: { dir: string; remove: () => void };
  const csv: Partial<Record<SetName, Record<string, string>[]>> = {};
  const json: Partial<Record<SetName, Row[]>> = {};

  beforeAll(async () => {
    tmp = tempDir('owed-export-');
    db = await scratchDatabase(engine);
    const demo = await owed(['--db', db.dbArg, 'demo', '--today', '2026-11-27', '-q']);
    expect(demo.code, demo.stderr).toBe(0);
    for (const set of Object.keys(COLUMNS) as SetName[]) {
      const r = await owed(['--db', db.dbArg, 'export', set]);
      expect(r.code, `${set}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n')[0], set).toBe(COLUMNS[set].join(','));
      csv[set] = parse(r.stdout, { columns: true }) as Record<string, string>[];
      json[set] = await readJson<Row[]>(db.dbArg, 'export', set);
    }
  }, 240_000);

  afterAll(async () => {
    await db?.drop();
    tmp?.remove();
  });

  it('every set is CSV by default with exactly the import columns, and JSON carries the same records', () => {
    for (const set of Object.keys(COLUMNS) as SetName[]) {
      const rows = json[set]!;
      expect(rows.length, set).toBe(csv[set]!.length);
      expect(rows.length, set).toBeGreaterThan(0);
      for (const [i, row] of rows.entries()) {
        expect(Object.keys(row), set).toEqual([...COLUMNS[set]]);
        // CSV writes null as an empty field and numbers as digits.
        const asCsv = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)]));
        expect(csv[set]![i], `${set} row ${i}`).toEqual(asCsv);
      }
    }
  });

  it('customers and products match the listings; amounts are decimals in the currency’s digits', async () => {
    const customers = await readJson<{ code: string; name: string; currency: string; terms: string; credit_limit: string | null; email: string | null }[]>(db.dbArg, 'customer', 'list');
    expect(json.customers!.map((c) => c.code)).toEqual(customers.map((c) => c.code));
    for (const c of customers) {
      expect(json.customers!.find((x) => x.code === c.code)).toMatchObject({ name: c.name, currency: c.currency, terms: c.terms, credit_limit: c.credit_limit, email: c.email });
    }
    const products = await readJson<{ sku: string; price: string; tax_rate: string; stocked: boolean }[]>(db.dbArg, 'product', 'list');
    expect(json.products!.map((p) => p.sku)).toEqual(products.map((p) => p.sku));
    const stock = await readJson<{ sku: string; on_hand: number }[]>(db.dbArg, 'stock', 'list');
    for (const p of products) {
      const row = json.products!.find((x) => x.sku === p.sku)!;
      expect(row).toMatchObject({ price: p.price, tax_rate: p.tax_rate });
      expect(row.price).toMatch(DECIMAL);
      if (p.stocked) expect(row.stock).toBe(stock.find((s) => s.sku === p.sku)?.on_hand);
      else expect(row.stock).toBeNull();
    }
  });

  it('orders: one row per line, grouped by order number in date order', async () => {
    const orders = await readJson<{ number: string; date: string; customer: string }[]>(db.dbArg, 'order', 'list');
    const rows = json.orders!;
    expect(new Set(rows.map((r) => r.order_ref))).toEqual(new Set(orders.map((o) => o.number)));
    for (const o of orders) {
      const lines = rows.filter((r) => r.order_ref === o.number);
      expect(lines.every((l) => l.customer === o.customer && l.date === o.date), o.number).toBe(true);
    }
    for (const r of rows) {
      expect(typeof r.qty).toBe('number');
      expect(r.price).toMatch(DECIMAL);
    }
    const dates = rows.map((r) => String(r.date));
    expect([...dates].sort()).toEqual(dates);
  });

  it('invoices and credit notes: totals = net + tax, kinds, and the same documents as invoice list', async () => {
    const listed = await readJson<{ number: string; kind: string; customer: string; issue_date: string; due_date: string; total: string; currency: string }[]>(db.dbArg, 'invoice', 'list');
    const rows = json.invoices!;
    expect(new Set(rows.map((r) => r.number))).toEqual(new Set(listed.map((i) => i.number)));
    for (const i of listed) {
      expect(rows.find((r) => r.number === i.number), i.number).toMatchObject({ customer: i.customer, issue_date: i.issue_date, due_date: i.due_date, total: i.total, currency: i.currency, kind: i.kind.replace(' ', '_') });
    }
    for (const r of rows) {
      expect(minor(String(r.net)) + minor(String(r.tax))).toBe(minor(String(r.total)));
      expect(['invoice', 'credit_note']).toContain(r.kind);
    }
    expect(rows.some((r) => r.kind === 'credit_note')).toBe(true);
    expect(rows.some((r) => typeof r.order === 'string' && r.order.startsWith('SO-'))).toBe(true);
  });

  it('receipts: reference is the RC number, bank_ref the idempotency key, reversals dated', async () => {
    const listed = await readJson<{ number: string; date: string; customer: string | null; amount: string; method: string; bank_ref: string | null }[]>(db.dbArg, 'receipt', 'list');
    const rows = json.receipts!;
    expect(rows.map((r) => r.reference).sort()).toEqual(listed.map((r) => r.number).sort());
    for (const l of listed) {
      expect(rows.find((r) => r.reference === l.number)).toMatchObject({ date: l.date, customer: l.customer, amount: l.amount, method: l.method, bank_ref: l.bank_ref });
    }
    const reversed = rows.filter((r) => r.reversed_on !== null);
    expect(reversed.length).toBeGreaterThan(0);
    for (const r of reversed) expect(String(r.reversed_on) >= String(r.date)).toBe(true);
  });

  it('allocations: each names its invoice and its source document by number', async () => {
    const rows = json.allocations!;
    const listed = await readJson<{ id: number; invoice: string; source: string; amount: string }[]>(db.dbArg, 'reconcile', 'list');
    for (const l of listed) expect(rows.find((r) => r.id === l.id), String(l.id)).toMatchObject({ invoice: l.invoice, source: l.source, amount: l.amount });
    const prefix: Record<string, string> = { receipt: 'RC-', credit_note: 'CN-', write_off: 'WO-', adjustment: 'RC-' };
    for (const r of rows) {
      expect(typeof r.id).toBe('number');
      expect(String(r.source)).toMatch(new RegExp(`^${prefix[String(r.source_kind)]}`));
      expect(r.amount).toMatch(/^-?\d+\.\d{2}$/);
      expect(String(r.invoice)).toMatch(/^INV-/);
    }
    expect(rows.some((r) => r.source_kind === 'credit_note')).toBe(true);
  });

  it('--from/--to filter the dated sets by document date; -o FILE.json writes JSON; undated sets refuse them', async () => {
    for (const [set, column] of [['orders', 'date'], ['invoices', 'issue_date'], ['receipts', 'date'], ['allocations', 'date']] as const) {
      const some = await readJson<Row[]>(db.dbArg, 'export', set, '--from', '2026-03-01', '--to', '2026-08-31');
      const expected = json[set]!.filter((r) => String(r[column]) >= '2026-03-01' && String(r[column]) <= '2026-08-31');
      expect(some, set).toEqual(expected);
      expect(some.length, set).toBeGreaterThan(0);
      for (const r of some) expect(String(r[column])).toMatch(DATE);
    }
    const out = path.join(tmp.dir, 'invoices.json');
    const w = await owed(['--db', db.dbArg, 'export', 'invoices', '--from', '2026-11-01', '-o', out]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(json.invoices!.filter((r) => String(r.issue_date) >= '2026-11-01'));

    const undated = await owed(['--db', db.dbArg, 'export', 'customers', '--from', '2026-01-01']);
    expect(undated.code).toBe(2);
    const backwards = await owed(['--db', db.dbArg, 'export', 'invoices', '--from', '2026-09-01', '--to', '2026-08-01']);
    expect(backwards.code).toBe(3);
    expect(backwards.stderr).toContain('--from');
  });

  it('journal format rules: --format picks the journal format, -o’s extension otherwise; report formats are refused with exit 2', async () => {
    const before = await snapshot(db.target);
    for (const [args, says] of [
      [['export', 'journal', '--json'], '--json does not apply to a journal'],
      [['export', 'journal', '--format', 'table'], 'a journal is not written as table'],
      [['export', 'journal', '--format', 'yaml'], 'yaml'],
      [['customer', 'list', '--format', 'hledger'], 'unknown format "hledger"'],
    ] as const) {
      const r = await owed(['--db', db.dbArg, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toContain(says);
    }
    const plain = await owed(['--db', db.dbArg, 'export', 'journal', '--to', '2025-09-30']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^; owed journal export for hledger: documents dated from the start to 2025-09-30\n/);
    const ledgerFile = path.join(tmp.dir, 'book.ledger');
    const viaExtension = await owed(['--db', db.dbArg, 'export', 'journal', '--to', '2025-09-30', '-o', ledgerFile]);
    expect(viaExtension.code, viaExtension.stderr).toBe(0);
    expect(fs.readFileSync(ledgerFile, 'utf8')).toMatch(/^; owed journal export for ledger/);
    const forced = await owed(['--db', db.dbArg, '--format', 'beancount', 'export', 'journal', '--to', '2025-09-30', '-o', path.join(tmp.dir, 'x.csv')]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.readFileSync(path.join(tmp.dir, 'x.csv'), 'utf8')).toMatch(/^; owed journal export for beancount/);
    // Exports only read.
    expect(await snapshot(db.target)).toBe(before);
  });

  it('journal account names are settings: validated, used by every format, and a root beancount cannot load is refused', async () => {
    const bad = await owed(['--db', db.dbArg, 'settings', 'set', 'journal.account.bank', 'Bank']);
    expect(bad.code).toBe(3);
    await seed(db.dbArg, ['settings', 'set', 'journal.account.bank', 'Assets:Bank:ICBC  Shanghai'], ['settings', 'set', 'journal.account.sales', '收入:销售']);
    const csvJournal = await owed(['--db', db.dbArg, 'export', 'journal', '--format', 'csv', '--to', '2025-12-31']);
    expect(csvJournal.code, csvJournal.stderr).toBe(0);
    const accounts = new Set((parse(csvJournal.stdout, { columns: true }) as { account: string }[]).map((p) => p.account));
    expect(accounts).toContain('Assets:Bank:ICBC Shanghai');
    expect(accounts).toContain('收入:销售');
    const refused = await owed(['--db', db.dbArg, 'export', 'journal', '--format', 'beancount', '--to', '2025-12-31']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('journal.account.sales');
    expect(refused.stdout).toBe('');
    // With -o, a refused export leaves no file behind, partial or whole.
    const target = path.join(tmp.dir, 'refused.beancount');
    const refusedFile = await owed(['--db', db.dbArg, 'export', 'journal', '--to', '2025-12-31', '-o', target]);
    expect(refusedFile.code).toBe(5);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.startsWith('refused'))).toEqual([]);
    await seed(db.dbArg, ['settings', 'set', 'journal.account.sales', 'Income:Sales:Domestic']);
    const ok = await owed(['--db', db.dbArg, 'export', 'journal', '--format', 'beancount', '--to', '2025-12-31']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(' open Assets:Bank:ICBC-Shanghai\n');
    expect(ok.stdout).toContain(' open Income:Sales:Domestic\n');
  });
});

describe.each(testEngines())('%s: an empty book', (engine) => {
  it('exports headers only and an empty journal that hledger accepts', async () => {
    const db = await scratchDatabase(engine);
    try {
      await seed(db.dbArg, ['init']);
      const r = await owed(['--db', db.dbArg, 'export', 'allocations']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${COLUMNS.allocations.join(',')}\n`);
      expect(await readJson(db.dbArg, 'export', 'customers')).toEqual([]);
      const j = await owed(['--db', db.dbArg, 'export', 'journal', '--from', '2026-01-01']);
      expect(j.code, j.stderr).toBe(0);
      expect(j.stdout).not.toMatch(/^\d{4}-/m);
      if (spawnSync('hledger', ['--version']).status === 0) {
        const h = spawnSync('hledger', ['-f', '-', 'check'], { input: j.stdout, encoding: 'utf8' });
        expect(h.status, h.stderr).toBe(0);
      }
    } finally {
      await db.drop();
    }
  });
});
