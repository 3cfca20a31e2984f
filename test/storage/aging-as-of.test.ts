/**
 * The aging as of any date against the documents themselves, on both engines: open invoices in
 * their buckets and unapplied cash and credits per customer and currency, computed here from
 * invoices, receipts, reversals and allocations one by one. The aging reads the derived balances
 * a day of settlement at a time (a seek per day from D to the latest settlement, and the
 * never-settled mark); these dates cover a book's first day, every ten days through it, the days
 * around a reversal that reopened invoices, past its end and the never-settled mark itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, daysBetween } from '../../src/domain/dates.js';
import { agingReport } from '../../src/domain/receivables/aging.js';
import { bucketIndex } from '../../src/domain/receivables/buckets.js';
import type { AgingBasis, Store } from '../../src/domain/store.js';
import { generateBook } from '../../src/fixtures/generate-book.js';
import { loadBook } from '../../src/storage/bulk/load-book.js';
import { Database } from '../../src/storage/database.js';
import { createStore } from '../../src/storage/store.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';
import { seed } from '../e2e/helpers.js';

const REVERSED_ON = '2026-06-10';

function dates(): string[] {
  const all = ['2023-11-01', '2026-06-09', REVERSED_ON, '2026-06-11', '2026-11-27', '2027-03-01', '9999-12-31'];
  for (let d = '2023-11-28'; d <= '2026-12-31'; d = addDays(d, 10)) all.push(d);
  return [...new Set(all)].sort();
}

interface Documents {
  readonly invoices: { id: number; customer: string; currency: string; kind: string; issue: string; due: string; total: number }[];
  readonly receipts: { id: number; customer: string | null; currency: string; date: string; amount: number; reversed: string | null }[];
  readonly allocations: { invoice: number; kind: string; source: number; date: string; amount: number }[];
}

type Row = { customer: string | null; currency: string; buckets: number[]; unapplied: number };

/** What the aging should say, from the documents one by one. */
function expectedAging(docs: Documents, asOf: string, basis: AgingBasis, bounds: readonly number[]): Row[] {
  const width = basis === 'due' ? bounds.length + 2 : bounds.length + 1;
  const rows = new Map<string, Row>();
  const row = (customer: string | null, currency: string) => {
    const key = `${customer ?? ''}|${currency}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { customer, currency, buckets: Array.from({ length: width }, () => 0), unapplied: 0 }));
    return r;
  };
  const applied = (match: (a: Documents['allocations'][number]) => boolean) =>
    docs.allocations.filter((a) => a.date <= asOf && match(a)).reduce((s, a) => s + a.amount, 0);
  for (const i of docs.invoices) {
    if (i.issue > asOf) continue;
    if (i.kind === 'credit_note') {
      const left = i.total - applied((a) => a.kind === 'credit_note' && a.source === i.id);
      if (left !== 0) row(i.customer, i.currency).unapplied -= left;
      continue;
    }
    const open = i.total - applied((a) => a.invoice === i.id);
    if (open === 0) continue;
    const bucket = basis === 'due'
      ? bucketIndex(daysBetween(i.due, asOf), bounds)
      : Math.max(0, bucketIndex(daysBetween(i.issue, asOf), bounds) - 1);
    row(i.customer, i.currency).buckets[bucket]! += open;
  }
  for (const r of docs.receipts) {
    if (r.date > asOf) continue;
    const left = r.amount - applied((a) => a.kind === 'receipt' && a.source === r.id) - (r.reversed !== null && r.reversed <= asOf ? r.amount : 0);
    if (left !== 0) row(r.customer, r.currency).unapplied -= left;
  }
  return [...rows.values()].filter((r) => r.unapplied !== 0 || r.buckets.some((b) => b !== 0))
    .sort((a, b) => (a.customer ?? '\uffff').localeCompare(b.customer ?? '\uffff') || a.currency.localeCompare(b.currency));
}

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;
  let docs: Documents;

  beforeAll(async () => {
    ({ scratch, db } = await migratedBook(engine));
    await loadBook(db, generateBook({ invoices: 1500, seed: 23, user: 'tester' }));
    // A receipt that settled invoices in May, bounced in June: settled before the bounce, open after.
    const bounced = (await db.knex('allocations as a')
      .join('receipts as r', 'r.id', 'a.source_id')
      .join('invoice_balances as b', 'b.invoice_id', 'a.invoice_id')
      .where('a.source_kind', 'receipt')
      .whereBetween('b.settled_from', ['2026-05-01', '2026-05-31'])
      .orderBy('r.id')
      .first('r.number')) as { number: string };
    await db.close();
    await seed(scratch.dbArg, ['init'], ['--today', REVERSED_ON, 'receipt', 'reverse', bounced.number, '--reason', 'bounced', '--date', REVERSED_ON]);
    db = await Database.open(scratch.target, { create: false });
    const k = db.knex;
    const int = (v: unknown) => Number(v);
    docs = {
      invoices: ((await k('invoices as i').join('customers as c', 'c.id', 'i.customer_id')
        .select('i.id', 'c.code', 'i.currency', 'i.kind', 'i.issue_date', 'i.due_date', 'i.total')) as Record<string, unknown>[])
        .map((r) => ({ id: int(r.id), customer: String(r.code), currency: String(r.currency), kind: String(r.kind), issue: day(r.issue_date), due: day(r.due_date), total: int(r.total) })),
      receipts: ((await k('receipts as r').leftJoin('customers as c', 'c.id', 'r.customer_id').leftJoin('receipt_reversals as v', 'v.receipt_id', 'r.id')
        .select('r.id', 'c.code', 'r.currency', 'r.receipt_date', 'r.amount', 'v.reversal_date')) as Record<string, unknown>[])
        .map((r) => ({ id: int(r.id), customer: r.code === null ? null : String(r.code), currency: String(r.currency), date: day(r.receipt_date), amount: int(r.amount), reversed: r.reversal_date === null ? null : day(r.reversal_date) })),
      allocations: ((await k('allocations').select('invoice_id', 'source_kind', 'source_id', 'date', 'amount')) as Record<string, unknown>[])
        .map((r) => ({ invoice: int(r.invoice_id), kind: String(r.source_kind), source: int(r.source_id), date: day(r.date), amount: int(r.amount) })),
    };
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  /** PostgreSQL's DATE columns come back as 'YYYY-MM-DD' strings or Dates, depending on the type parsers. */
  function day(v: unknown): string {
    return v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
  }

  function read<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return db.transaction((q) => work(createStore(q, { user: 'tester', command: 'test', now: '2026-11-27T00:00:00.000Z' })));
  }

  async function actual(asOf: string, basis: AgingBasis, buckets?: string, customer?: string): Promise<Row[]> {
    const report = await read((store) => agingReport(store, { asOf, basis, ...(buckets !== undefined ? { buckets } : {}), ...(customer !== undefined ? { customer } : {}) }));
    return report.rows.map((r) => ({ customer: r.customer, currency: r.currency, buckets: r.buckets.map((b) => b.minor), unapplied: r.unapplied.minor }));
  }

  it('the fixture: a reversal after some dates, unidentified cash and credit notes', () => {
    expect(docs.allocations.some((a) => a.amount < 0)).toBe(true);
    expect(docs.receipts.some((r) => r.customer === null)).toBe(true);
    expect(docs.invoices.some((i) => i.kind === 'credit_note')).toBe(true);
  });

  it('as of every date: the buckets and unapplied amounts of the documents, to the minor unit', async () => {
    let nonEmpty = 0;
    for (const asOf of dates()) {
      const got = await actual(asOf, 'due');
      expect(got, `as of ${asOf}`).toEqual(expectedAging(docs, asOf, 'due', [30, 60, 90, 120]));
      if (got.length > 0) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(100);
  }, 180_000);

  it.each(['2025-06-01', '2026-06-09', '2026-06-11'])('as of %s by invoice date and other buckets', async (asOf) => {
    expect(await actual(asOf, 'invoice', '15,45,200')).toEqual(expectedAging(docs, asOf, 'invoice', [15, 45, 200]));
    expect(await actual(asOf, 'due', '7')).toEqual(expectedAging(docs, asOf, 'due', [7]));
  });

  // One customer's aging seeks through the customer's own balance indexes (migration 0011), not the book-wide ones.
  it.each(['2025-06-01', '2026-06-11', '2026-11-27'])('as of %s for each of several customers alone: that customer\'s rows of the documents', async (asOf) => {
    const expected = expectedAging(docs, asOf, 'due', [30, 60, 90, 120]);
    const customers = [...new Set(docs.invoices.map((i) => i.customer))].sort().slice(0, 12);
    let nonEmpty = 0;
    for (const customer of customers) {
      const got = await actual(asOf, 'due', undefined, customer);
      expect(got, `${customer} as of ${asOf}`).toEqual(expected.filter((r) => r.customer === customer));
      if (got.length > 0) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(3);
  }, 60_000);

  it.each(['2025-06-01', '2026-06-11', '2026-11-27'])('as of %s by invoice for each of several customers alone: that customer\'s open invoices of the whole book', async (asOf) => {
    const all = await read((store) => store.aging.invoices(asOf));
    expect(all.length).toBeGreaterThan(0);
    const customers = [...new Set(docs.invoices.map((i) => i.customer))].sort().slice(0, 12);
    let nonEmpty = 0;
    for (const customer of customers) {
      const got = await read((store) => store.aging.invoices(asOf, customer));
      expect(got, `${customer} as of ${asOf}`).toEqual(all.filter((r) => r.customer === customer));
      if (got.length > 0) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(3);
  }, 60_000);
});
