/**
 * The collections' set-based reads (CollectionQueries: payment history for the forecast, sales
 * for the alerts, settled invoices and sent levels for the reminders) against what the older
 * per-document code computed from the documents themselves, on a generated book with reversals
 * after the dates asked about, a zero invoice and reminders already sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf } from '../../src/domain/collections/forecast/behaviour.js';
import type { OpenAmount, PaymentHistory, SettledInvoice } from '../../src/domain/collections/records.js';
import { addDays } from '../../src/domain/dates.js';
import type { Store } from '../../src/domain/store.js';
import { generateBook } from '../../src/fixtures/generate-book.js';
import { loadBook } from '../../src/storage/bulk/load-book.js';
import { Database } from '../../src/storage/database.js';
import { createStore } from '../../src/storage/store.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';
import { seed } from '../e2e/helpers.js';

const BOUNDS = [0, 30, 60, 90, 120, Number.MAX_SAFE_INTEGER];
/** Before, inside and after the reversals below, and the book's last day. */
const DATES = ['2025-09-30', '2026-05-21', '2026-05-25', '2026-06-05', '2026-06-12', '2026-11-27'];
const REVERSED_ON = '2026-06-10';

function sortedDelays(h: PaymentHistory): [string, number[]][] {
  return [...h.delays].map(([c, list]): [string, number[]] => [c, [...list].sort((a, b) => a - b)]).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** What planReminders did before CollectionQueries.settledSince: invoices listed one way and another, then a settlement each. */
async function settledTheOldWay(store: Store, since: string, asOf: string, customer?: string): Promise<SettledInvoice[]> {
  const filter = { kind: 'invoice' as const, ...(customer !== undefined ? { customer } : {}) };
  const openNow = new Set((await store.aging.invoices(asOf, customer)).map((r) => r.invoice));
  const candidates = new Map<string, { dueDate: string; customer: string; name: string; currency: string }>();
  for (const r of await store.invoices.list({ ...filter, openOnly: true }, since)) candidates.set(r.invoice.number, { dueDate: r.invoice.dueDate, customer: r.invoice.customer, name: r.invoice.customerName, currency: r.invoice.currency });
  for (const r of await store.invoices.list({ ...filter, from: addDays(since, 1), to: asOf }, asOf)) candidates.set(r.invoice.number, { dueDate: r.invoice.dueDate, customer: r.invoice.customer, name: r.invoice.customerName, currency: r.invoice.currency });
  const result: SettledInvoice[] = [];
  for (const [number, c] of candidates) {
    if (openNow.has(number)) continue;
    const s = await store.invoices.settlement(number, asOf);
    if (s.open.minor !== 0) continue;
    result.push({ invoice: number, ...c, paid: s.paid.minor, credited: s.credited.minor, writtenOff: s.writtenOff.minor });
  }
  return result;
}

const byInvoice = (a: { invoice: string }, b: { invoice: string }) => (a.invoice < b.invoice ? -1 : 1);

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;
  let reopened: string[] = [];

  beforeAll(async () => {
    ({ scratch, db } = await migratedBook(engine));
    await loadBook(db, generateBook({ invoices: 2000, seed: 11, user: 'tester' }));
    // A receipt that closed invoices in May, bounced in June: those invoices were closed as of the
    // May dates and changed after them, so the queries must sum their allocations as of the date.
    const [bounced] = (await db.knex('allocations as a')
      .join('receipts as r', 'r.id', 'a.source_id')
      .join('invoice_balances as b', 'b.invoice_id', 'a.invoice_id')
      .where('a.source_kind', 'receipt')
      .whereBetween('b.settled_from', ['2026-05-15', '2026-05-20'])
      .whereNotExists(db.knex('allocations as later').whereRaw('later.source_id = r.id').andWhere('later.source_kind', 'receipt').andWhere('later.date', '>', '2026-05-20'))
      .orderBy('r.id')
      .select('r.number')
      .limit(1)) as { number: string }[];
    reopened = ((await db.knex('allocations as a').join('receipts as r', 'r.id', 'a.source_id').join('invoices as i', 'i.id', 'a.invoice_id')
      .where({ 'r.number': bounced!.number, 'a.source_kind': 'receipt' }).select('i.number')) as { number: string }[]).map((r) => r.number);
    const first = (await db.knex('invoices as i').join('customers as c', 'c.id', 'i.customer_id').where('i.number', reopened[0]!).first('c.code', 'i.total')) as { code: string; total: unknown };
    // A zero invoice with nothing allocated is settled from its issue but never "closed".
    const { id: customerId } = (await db.knex('customers').where('code', first.code).first('id')) as { id: number };
    await db.knex('invoices').insert({
      id: 900001, number: 'INV-2026-900001', kind: 'invoice', customer_id: customerId, issue_date: '2026-04-01', due_date: '2026-05-01',
      currency: 'CNY', net: 0, tax: 0, total: 0, tax_inclusive: false, created_at: '2026-04-01T00:00:00.000Z', created_by: 'tester',
    });
    // Reminders already sent, for an open invoice, a settled one and the bounced one.
    const remindedInvoices = (await db.knex('invoice_balances').where('settled_from', '>', '2026-11-20').orderBy('invoice_id').limit(3).select('invoice_id', 'customer_id')) as { invoice_id: number; customer_id: number }[];
    const paidLongAgo = (await db.knex('invoice_balances').where('settled_from', '<', '2025-01-01').orderBy('invoice_id').first('invoice_id', 'customer_id')) as { invoice_id: number; customer_id: number };
    await db.knex('reminders').insert([...remindedInvoices, paidLongAgo].flatMap((r, n) => ['first', ...(n === 0 ? ['final'] : [])].map((level) => ({
      invoice_id: r.invoice_id, level, level_days: level === 'first' ? 1 : 30, customer_id: r.customer_id, sent_on: '2026-11-01', sent_at: '2026-11-01T06:00:00.000Z',
      channel: 'outbox', message_id: null, recipient: 'ap@example.test',
    }))));
    await db.close();
    await seed(scratch.dbArg, ['init'], ['--today', REVERSED_ON, 'receipt', 'reverse', bounced!.number, '--reason', 'bounced', '--date', REVERSED_ON]);
    db = await Database.open(scratch.target, { create: false });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  function read<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return db.transaction((q) => work(createStore(q, { user: 'tester', command: 'test', now: '2026-11-27T00:00:00.000Z' })));
  }

  it('the fixture: invoices settled before the bounce, open after it', async () => {
    expect(reopened.length).toBeGreaterThan(0);
    for (const number of reopened) {
      expect((await read((store) => store.invoices.settlement(number, '2026-06-05'))).open.minor).toBe(0);
      expect((await read((store) => store.invoices.settlement(number, '2026-06-12'))).open.minor).toBeGreaterThan(0);
    }
  });

  it.each(DATES)('payment history as of %s: the delays per customer and the bands, as from the closed invoices one by one', async (asOf) => {
    const [from, recent] = [addDays(asOf, -730), addDays(asOf, -365)];
    const aggregated = await read((store) => store.collections.paymentHistory(from, recent, asOf, BOUNDS));
    const oneByOne = historyOf(await read((store) => store.history.closedInvoices(from, asOf)), asOf);
    expect(aggregated.bands).toEqual(oneByOne.bands);
    expect(sortedDelays(aggregated)).toEqual(sortedDelays(oneByOne));
    expect(aggregated.bands.reduce((n, b) => n + b.count, 0)).toBeGreaterThan(0);
  });

  it.each(DATES)('open amounts as of %s: the aging\'s open invoices, without their numbers', async (asOf) => {
    const key = (r: { customer: string; currency: string; dueDate: string; open: number }) => `${r.customer}|${r.currency}|${r.dueDate}|${r.open}`;
    const lean = (await read(async (store) => {
      const all: OpenAmount[] = [];
      for await (const batch of store.collections.openAmounts(asOf)) all.push(...batch);
      return all;
    })).map(key).sort();
    const aging = (await read((store) => store.aging.invoices(asOf))).map(key).sort();
    expect(lean).toEqual(aging);
    expect(lean.length).toBeGreaterThan(0);
  });

  it.each(DATES)('settled since the receipts window began, as of %s: the same invoices and amounts as listing and settling each', async (asOf) => {
    const since = addDays(asOf, -7);
    const now = (await read((store) => store.collections.settledSince(since, asOf))).sort(byInvoice);
    const before = (await read((store) => settledTheOldWay(store, since, asOf))).sort(byInvoice);
    expect(now).toEqual(before);
    expect(now.length).toBeGreaterThan(0);
    const customer = now[0]!.customer;
    expect((await read((store) => store.collections.settledSince(since, asOf, customer))).sort(byInvoice))
      .toEqual(before.filter((s) => s.customer === customer));
  });

  it('sent levels: every invoice a plan can read (open, or settled in the window), and no older ones', async () => {
    const asOf = '2026-11-27';
    const since = addDays(asOf, -7);
    const all = await read((store) => store.reminders.sentLevels());
    const windowed = await read((store) => store.collections.sentLevels(since));
    const open = new Set((await read((store) => store.aging.invoices(asOf))).map((r) => r.invoice));
    const settled = new Set((await read((store) => store.collections.settledSince(since, asOf))).map((r) => r.invoice));
    for (const [number, levels] of all) {
      if (open.has(number) || settled.has(number)) expect(windowed.get(number)).toEqual(levels);
    }
    expect(windowed.size).toBeGreaterThan(0);
    expect(windowed.size).toBeLessThan(all.size);
    const customerOf = new Map<string, string>();
    for (const number of windowed.keys()) customerOf.set(number, (await read((store) => store.invoices.find(number)))!.customer);
    const customer = customerOf.get([...windowed.keys()][0]!)!;
    const mine = await read((store) => store.collections.sentLevels(since, customer));
    expect(mine).toEqual(new Map([...windowed].filter(([number]) => customerOf.get(number) === customer)));
  });

  it('customers reminded at a level', async () => {
    const finals = await read((store) => store.collections.customersRemindedAt(['final', 'collections']));
    const firsts = await read((store) => store.collections.customersRemindedAt(['first']));
    expect(finals.size).toBe(1);
    expect([...finals].every((c) => firsts.has(c))).toBe(true);
    expect(await read((store) => store.collections.customersRemindedAt([]))).toEqual(new Set());
  });

  it.each(DATES)('sales and write-offs as of %s, as the per-window sums', async (asOf) => {
    const activity = await read((store) => store.collections.salesActivity(asOf));
    expect(activity.sales90).toEqual(await read((store) => store.history.sales(addDays(asOf, -89), asOf)));
    expect(activity.sales365).toEqual(await read((store) => store.history.sales(addDays(asOf, -364), asOf)));
    expect(activity.writeOffs365).toEqual(await read((store) => store.history.writeOffs(addDays(asOf, -364), asOf)));
  });

  it('days from order to invoice: none in a book without orders', async () => {
    expect(await read((store) => store.collections.orderLags('2025-11-27', '2026-11-27'))).toEqual([]);
    expect(await read((store) => store.history.orderToInvoiceDays('2025-11-27', '2026-11-27'))).toEqual([]);
  });
});
