import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owed, snapshot, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed, tempDir } from './helpers.js';

/**
 * Round trip: the demo book exported set by set (`owed export SET --format csv`) and imported
 * into a fresh book gives the same customers and products, and the same net balance per
 * customer. Exported invoices carry no lines and receipts arrive unapplied, so balances are
 * compared as the per-customer `total` of `owed aging --json`, which nets unapplied cash.
 */
const SETS = ['customers', 'products', 'invoices', 'receipts'] as const;
type ExportSet = (typeof SETS)[number];

/** The import column sets of CLI.md, in order; an export may append columns after them. */
const COLUMN_SETS: Record<ExportSet, string[]> = {
  customers: ['code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment', 'birthday', 'address'],
  products: ['sku', 'name', 'price', 'unit', 'tax_rate', 'stock'],
  invoices: ['number', 'customer', 'issue_date', 'total', 'due_date', 'currency', 'net', 'tax', 'order', 'external_ref'],
  receipts: ['date', 'amount', 'customer', 'currency', 'reference', 'memo', 'method', 'bank_ref'],
};

interface AgingRow { customer: string | null; currency: string; total: string }
interface OrderListRow { number: string; status: string }
type OrderShow = { number: string; status: string; lines: Record<string, unknown>[] } & Record<string, unknown>;
interface StockRow { sku: string; on_hand: number }

function balances(rows: readonly AgingRow[]): Map<string, string> {
  return new Map(rows.map((r) => [`${r.customer ?? '(unidentified)'} ${r.currency}`, r.total]));
}

describe.each(testEngines())('%s', (engine) => {
  let demo: ScratchDatabase;
  let fresh: ScratchDatabase;
  let tmp: { dir: string; remove: () => void };
  const exported = {} as Record<ExportSet, { result: CliResult; file: string; rows: string[][] }>;
  const imported = {} as Record<ExportSet, CliResult>;
  let orders: { exported: CliResult; file: string; rows: string[][]; imported: CliResult };

  beforeAll(async () => {
    tmp = tempDir('owed-roundtrip-');
    demo = await scratchDatabase(engine);
    fresh = await scratchDatabase(engine);
    await seed(demo.dbArg, ['demo', '--today', '2026-11-27']);
    await seed(fresh.dbArg, ['init']);
    for (const set of SETS) {
      const result = await owed(['--db', demo.dbArg, 'export', set, '--format', 'csv']);
      const file = path.join(tmp.dir, `${set}.csv`);
      fs.writeFileSync(file, result.stdout);
      exported[set] = { result, file, rows: result.code === 0 ? (parse(result.stdout) as string[][]) : [] };
    }
    for (const set of SETS) imported[set] = await owed(['--db', fresh.dbArg, 'import', set, exported[set].file]);
    // Orders after the customers and products they name.
    const exportedOrders = await owed(['--db', demo.dbArg, 'export', 'orders', '--format', 'csv']);
    const ordersFile = path.join(tmp.dir, 'orders.csv');
    fs.writeFileSync(ordersFile, exportedOrders.stdout);
    orders = {
      exported: exportedOrders,
      file: ordersFile,
      rows: exportedOrders.code === 0 ? (parse(exportedOrders.stdout) as string[][]) : [],
      imported: await owed(['--db', fresh.dbArg, 'import', 'orders', ordersFile]),
    };
  }, 300_000);
  afterAll(async () => {
    tmp.remove();
    await demo?.drop();
    await fresh?.drop();
  });

  it.each(SETS)('export %s --format csv writes the import column set', (set) => {
    const { result, rows } = exported[set];
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(rows[0]!.slice(0, COLUMN_SETS[set].length)).toEqual(COLUMN_SETS[set]);
    expect(rows.length).toBeGreaterThan(1);
  });

  it.each(SETS)('import %s of the export into a fresh book creates every row', (set) => {
    const n = exported[set].rows.length - 1;
    expect(imported[set].stderr).toBe('');
    expect(imported[set].code).toBe(0);
    expect(imported[set].stdout).toBe(`${set}: ${n} rows read, created ${n}, 0 already present\n`);
  });

  it('customer list and product list are the same; so are the exports of customers and products', async () => {
    expect(await readJson(fresh.dbArg, 'customer', 'list')).toEqual(await readJson(demo.dbArg, 'customer', 'list'));
    expect(await readJson(fresh.dbArg, 'product', 'list')).toEqual(await readJson(demo.dbArg, 'product', 'list'));
    for (const set of ['customers', 'products'] as const) {
      const again = await owed(['--db', fresh.dbArg, 'export', set, '--format', 'csv']);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(exported[set].result.stdout);
    }
  }, 120_000);

  it('stock on hand is the same (exported stock is imported as opening stock)', async () => {
    const onHand = (rows: StockRow[]) => rows.map((r) => [r.sku, r.on_hand]);
    expect(onHand(await readJson<StockRow[]>(fresh.dbArg, 'stock', 'list'))).toEqual(onHand(await readJson<StockRow[]>(demo.dbArg, 'stock', 'list')));
  }, 60_000);

  it('every customer\'s net balance (aging total) is the same, and so are the totals per currency', async () => {
    const before = await readJson<{ rows: AgingRow[]; totals: { currency: string; total: string }[] }>(demo.dbArg, 'aging');
    const after = await readJson<{ rows: AgingRow[]; totals: { currency: string; total: string }[] }>(fresh.dbArg, 'aging');
    const a = balances(before.rows);
    const b = balances(after.rows);
    const differences = [...new Set([...a.keys(), ...b.keys()])].sort()
      .map((k) => ({ customer: k, demo: a.get(k) ?? '0.00', reimported: b.get(k) ?? '0.00' }))
      .filter((d) => Number(d.demo) !== Number(d.reimported));
    expect(differences).toEqual([]);
    expect(after.totals.map((t) => [t.currency, t.total])).toEqual(before.totals.map((t) => [t.currency, t.total]));
  }, 60_000);

  it('importing the exports into the fresh book again finds every row already present and changes nothing', async () => {
    const book = await snapshot(fresh.target);
    for (const set of SETS) {
      const n = exported[set].rows.length - 1;
      const r = await owed(['--db', fresh.dbArg, 'import', set, exported[set].file]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${set}: ${n} rows read, created 0, ${n} already present\n`);
    }
    expect(await snapshot(fresh.target)).toBe(book);
  }, 120_000);

  it('importing the exports into the book they came from finds every row already present', async () => {
    const book = await snapshot(demo.target);
    const results: [string, number, string][] = [];
    for (const set of SETS) {
      const r = await owed(['--db', demo.dbArg, 'import', set, exported[set].file]);
      results.push([set, r.code, r.code === 0 ? r.stdout : r.stderr.split('\n')[0]!]);
    }
    expect(results).toEqual(SETS.map((set) => {
      const n = exported[set].rows.length - 1;
      return [set, 0, `${set}: ${n} rows read, created 0, ${n} already present\n`];
    }));
    expect(await snapshot(demo.target)).toBe(book);
  }, 120_000);

  it('orders: export → import into the fresh book gives the same orders, approved ones as drafts awaiting approval', async () => {
    expect(orders.exported.code).toBe(0);
    expect(orders.rows[0]).toEqual(['order_ref', 'customer', 'date', 'sku', 'qty', 'price', 'state']);
    const demoOrders = await readJson<OrderListRow[]>(demo.dbArg, 'order', 'list');
    const approved = demoOrders.filter((o) => o.status !== 'draft' && o.status !== 'cancelled').length;
    expect(demoOrders.length).toBeGreaterThan(5);
    expect(approved).toBeGreaterThan(0);
    expect(orders.imported.code).toBe(0);
    expect(orders.imported.stdout).toBe(`orders: ${orders.rows.length - 1} rows read (${demoOrders.length} orders), created ${demoOrders.length}, 0 already present\n`);
    expect(orders.imported.stderr).toContain(`${approved} orders marked approved in the file were imported as drafts`);
    // Same number, customer, date, currency, totals and lines; the state is the import's: drafts, cancelled kept.
    const content = (o: OrderShow) => ({
      number: o.number, date: o.date, customer: o.customer, name: o.name, currency: o.currency, net: o.net, tax: o.tax, total: o.total, tax_inclusive: o.tax_inclusive,
      lines: o.lines.map((l) => ({ line: l.line, sku: l.sku, description: l.description, quantity: l.quantity, unit_price: l.unit_price, tax_rate: l.tax_rate, net: l.net, tax: l.tax })),
    });
    for (const o of demoOrders) {
      const before = await readJson<OrderShow>(demo.dbArg, 'order', 'show', o.number);
      const after = await readJson<OrderShow>(fresh.dbArg, 'order', 'show', o.number);
      expect(content(after)).toEqual(content(before));
      expect(after.status).toBe(o.status === 'cancelled' ? 'cancelled' : 'draft');
    }
    // Exported again from the fresh book: the same file, but for the state column.
    const again = await owed(['--db', fresh.dbArg, 'export', 'orders', '--format', 'csv']);
    expect(again.stdout).toBe(orders.exported.stdout.replaceAll(',approved\n', ',draft\n'));
    const twice = await owed(['--db', fresh.dbArg, 'import', 'orders', orders.file]);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toBe(`orders: ${orders.rows.length - 1} rows read (${demoOrders.length} orders), created 0, ${demoOrders.length} already present\n`);
  }, 120_000);

  it('after the round trip the fresh book goes on issuing invoices: imported numbers are not drawn again', async () => {
    const numbers = new Set(exported.invoices.rows.slice(1).map((r) => r[0]));
    const r = await owed(['--db', fresh.dbArg, 'invoice', 'issue', '--customer', 'C001', '--line', 'P-PAP-001:1']);
    expect(r.stderr.split('\n')[0]).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(numbers.has(r.stdout.trim())).toBe(false);
  }, 60_000);
});
