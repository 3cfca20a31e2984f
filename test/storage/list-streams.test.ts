/**
 * The lists of a whole book, on both engines: `stream` gives what `list` gives, in batches of the
 * query as it is read; the sums behind a list or a settlement read only the documents asked for
 * (a scope), and come out as the sums of the whole book do; and migration 0014's partial index is
 * what the join of an allocation to its reversal searches.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Allocation, ReceiptBalance } from '../../src/domain/receivables/receipt.js';
import type { Store } from '../../src/domain/store.js';
import type { Database } from '../../src/storage/database.js';
import * as reversalIndex from '../../src/storage/migrations/0014_reversal_index.js';
import { isPostgres, rawRows } from '../../src/storage/repositories/raw.js';
import { createStore } from '../../src/storage/store.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

const INVOICES = 2400;
const CREDIT_NOTES = 10;
const RECEIPTS = 1300;
const AT = '2026-11-01T00:00:00Z';
const pad = (n: number) => String(n).padStart(6, '0');

/** A book of 2,400 invoices (more than two batches of a stream), credit notes, receipts, reversals and a write-off. */
async function seed(knex: Knex): Promise<void> {
  const customer = (id: number, code: string, name: string) => ({ id, code, name, currency: 'CNY', terms: 'net30', language: 'zh', created_at: AT, updated_at: AT });
  await knex('customers').insert([customer(1, 'C001', '上海华美贸易有限公司'), customer(2, 'C002', 'Beta Ltd')]);
  const invoices = [];
  for (let id = 1; id <= INVOICES + CREDIT_NOTES; id++) {
    const credit = id > INVOICES;
    const month = String(1 + (id % 12)).padStart(2, '0');
    invoices.push({
      id, number: `${credit ? 'CN' : 'INV'}-2026-${pad(id)}`, kind: credit ? 'credit_note' : 'invoice', customer_id: credit ? 1 + ((id - INVOICES) % 2) : 1 + (id % 2),
      credit_of: credit ? id - INVOICES : null, issue_date: `2026-${month}-${String(1 + (id % 28)).padStart(2, '0')}`, due_date: '2026-12-31',
      currency: 'CNY', net: 10000 + id, tax: 0, total: credit ? 500 : 10000 + id, tax_inclusive: false, created_at: AT, created_by: 'tester',
    });
  }
  await knex.batchInsert('invoices', invoices, 200);
  const receipts = [];
  for (let id = 1; id <= RECEIPTS; id++) {
    receipts.push({
      id, number: `RC-2026-${pad(id)}`, customer_id: id % 50 === 0 ? null : 1 + (id % 2), receipt_date: '2026-11-05', currency: 'CNY', amount: 6000,
      method: 'bank', bank_ref: `BK${pad(id)}`, memo: id % 50 === 0 ? '货款 unknown' : null, created_at: AT, created_by: 'tester',
    });
  }
  await knex.batchInsert('receipts', receipts, 200);
  await knex('reconcile_batches').insert([
    { id: 'RB-2026-000001', kind: 'auto', undoes: null, created_at: AT, created_by: 'tester' },
    { id: 'RB-2026-000002', kind: 'undo', undoes: 'RB-2026-000001', created_at: AT, created_by: 'tester' },
  ]);
  await knex('write_offs').insert({ id: 1, number: 'WO-2026-000001', invoice_id: 1201, write_off_date: '2026-11-20', amount: 700, reason: '坏账', created_at: AT, created_by: 'tester' });
  const allocation = (id: number, invoice: number, kind: string, source: number, amount: number, date: string, batch: string | null, reverses: number | null) => ({
    id, invoice_id: invoice, source_kind: kind, source_id: source, amount, date, batch, note: null, rule: null, reverses, created_at: AT, created_by: 'tester',
  });
  const allocations = [];
  let id = 0;
  // Receipt r pays 5,000 of invoice r (same customer); unidentified cash pays nothing.
  for (let r = 1; r <= 1200; r++) if (r % 50 !== 0) allocations.push(allocation(++id, r, 'receipt', r, 5000, '2026-11-10', 'RB-2026-000001', null));
  // The first five are undone on 11-12.
  for (let r = 1; r <= 5; r++) allocations.push(allocation(++id, r, 'receipt', r, -5000, '2026-11-12', 'RB-2026-000002', r));
  for (let c = 1; c <= CREDIT_NOTES; c++) allocations.push(allocation(++id, c, 'credit_note', INVOICES + c, 500, '2026-11-11', null, null));
  allocations.push(allocation(++id, 1201, 'write_off', 1, 700, '2026-11-20', null, null));
  await knex.batchInsert('allocations', allocations, 200);
}

async function collect<T>(batches: AsyncIterable<T[]>): Promise<{ rows: T[]; batches: number }> {
  const rows: T[] = [];
  let count = 0;
  for await (const batch of batches) {
    rows.push(...batch);
    count++;
  }
  return { rows, batches: count };
}

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;
  beforeAll(async () => {
    ({ scratch, db } = await migratedBook(engine));
    await seed(db.knex);
  }, 120_000);
  afterAll(async () => {
    await db.close();
    await scratch.drop();
  });

  const reading = <T>(work: (store: Store) => Promise<T>) =>
    db.transaction((q) => work(createStore(q, { user: 'tester', command: 'test', now: AT })), { readOnly: true });

  describe('invoices', () => {
    it('stream gives what list gives, for every filter, in batches of the query', async () => {
      await reading(async (store) => {
        for (const [filter, size] of [[{}, 2410], [{ customer: 'C001' }, 1205], [{ from: '2026-03-01', to: '2026-04-30' }, 402], [{ kind: 'invoice' as const }, 2400],
          [{ openOnly: true }, 2400], [{ customer: 'C002', openOnly: true, from: '2026-02-01', to: '2026-02-28' }, 200]] as const) {
          const listed = await store.invoices.list(filter, '2026-11-30');
          const streamed = await collect(store.invoices.stream(filter, '2026-11-30'));
          expect(listed.length, JSON.stringify(filter)).toBe(size);
          expect(streamed.rows).toEqual(listed);
          if (size > 2000) expect(streamed.batches).toBe(3);
        }
      });
    });

    it('a scoped settlement is the whole book\'s: paid, credited, written off and undone, as of each date', async () => {
      await reading(async (store) => {
        for (const asOf of ['2026-11-10', '2026-11-11', '2026-11-30']) {
          const all = new Map((await store.invoices.list({}, asOf)).map((i) => [i.invoice.number, i]));
          const customer = await store.invoices.list({ customer: 'C002' }, asOf);
          expect(customer).toEqual([...all.values()].filter((i) => i.invoice.customer === 'C002'));
          const ranged = await store.invoices.list({ from: '2026-06-01', to: '2026-06-28' }, asOf);
          expect(ranged).toEqual([...all.values()].filter((i) => i.invoice.issueDate >= '2026-06-01' && i.invoice.issueDate <= '2026-06-28'));
          for (const number of ['INV-2026-000001', 'INV-2026-000006', 'INV-2026-001201', 'INV-2026-002400', 'CN-2026-002401']) {
            expect(await store.invoices.settlement(number, asOf), `${number} ${asOf}`).toEqual(all.get(number)!.settlement);
          }
        }
        const open = async (number: string, asOf: string) => (await store.invoices.settlement(number, asOf)).open.minor;
        // INV-1: 10,001, paid 5,000 on 11-10, credited 500 on 11-11, the payment undone on 11-12.
        expect([await open('INV-2026-000001', '2026-11-09'), await open('INV-2026-000001', '2026-11-10'), await open('INV-2026-000001', '2026-11-11'),
          await open('INV-2026-000001', '2026-11-12')]).toEqual([10001, 5001, 4501, 9501]);
        // INV-1201: 11,201, written off 700 (receipts pay invoices 1-1200 only).
        expect(await open('INV-2026-001201', '2026-11-30')).toBe(10501);
        // A credit note's open amount is what it has not yet credited.
        expect([await open('CN-2026-002401', '2026-11-10'), await open('CN-2026-002401', '2026-11-11')]).toEqual([500, 0]);
      });
    });
  });

  describe('receipts', () => {
    it('stream gives what list gives; a scoped balance is the whole book\'s', async () => {
      await reading(async (store) => {
        for (const [filter, size] of [[{}, 1300], [{ customer: 'C001' }, 624], [{ unidentifiedOnly: true }, 26], [{ unappliedOnly: true }, 1300]] as const) {
          const listed: ReceiptBalance[] = await store.receipts.list(filter, '2026-11-30');
          expect(listed.length, JSON.stringify(filter)).toBe(size);
          expect((await collect(store.receipts.stream(filter, '2026-11-30'))).rows).toEqual(listed);
        }
        const all = new Map((await store.receipts.list({}, '2026-11-30')).map((r) => [r.receipt.number, r]));
        expect(await store.receipts.list({ customer: 'C002' }, '2026-11-30')).toEqual([...all.values()].filter((r) => r.receipt.customer === 'C002'));
        for (const number of ['RC-2026-000001', 'RC-2026-000007', 'RC-2026-000050', 'RC-2026-001300']) {
          expect(await store.receipts.balance(number, '2026-11-30')).toEqual(all.get(number));
        }
        expect([(await store.receipts.balance('RC-2026-000001', '2026-11-11')).unapplied.minor, all.get('RC-2026-000001')!.unapplied.minor,
          all.get('RC-2026-000007')!.unapplied.minor]).toEqual([1000, 6000, 1000]);
      });
    });
  });

  describe('allocations', () => {
    it('stream gives what list gives, each allocation with the one that reversed it', async () => {
      await reading(async (store) => {
        for (const [filter, size] of [[{}, 1192], [{ batch: 'RB-2026-000002' }, 5], [{ invoice: 'INV-2026-000001' }, 3], [{ receipt: 'RC-2026-000003' }, 2], [{ customer: 'C002' }, 609]] as const) {
          const listed: Allocation[] = await store.allocations.list(filter);
          expect(listed.length, JSON.stringify(filter)).toBe(size);
          expect((await collect(store.allocations.stream(filter))).rows).toEqual(listed);
        }
        const first = await store.allocations.list({ invoice: 'INV-2026-000001' });
        expect(first.map((a) => [a.sourceKind, a.sourceNumber, a.amount.minor, a.reverses, a.reversedBy])).toEqual([
          ['receipt', 'RC-2026-000001', 5000, null, first[1]!.id],
          ['receipt', 'RC-2026-000001', -5000, first[0]!.id, null],
          ['credit_note', 'CN-2026-002401', 500, null, null],
        ]);
      });
    });
  });

  describe('migration 0014', () => {
    const plan = async (knex: Knex): Promise<string> => {
      const sql = 'select a.id, rev.id as reversed_by from allocations a left join allocations rev on rev.reverses = a.id where a.batch = ?';
      if (isPostgres(knex)) {
        // The seed is small enough for a sequential scan: whether the index can serve the join is the question.
        return knex.transaction(async (trx) => {
          await trx.raw('set local enable_seqscan = off');
          await trx.raw('set local enable_hashjoin = off');
          await trx.raw('set local enable_mergejoin = off');
          return (await rawRows<{ 'QUERY PLAN': string }>(trx, `explain ${sql}`, ['RB-2026-000002'])).map((r) => r['QUERY PLAN']).join('\n');
        });
      }
      return (await rawRows<{ detail: string }>(knex, `explain query plan ${sql}`, ['RB-2026-000002'])).map((r) => r.detail).join('\n');
    };

    it('holds only the allocations that reverse another, and the join to a reversal searches it', async () => {
      const entries = isPostgres(db.knex)
        ? await rawRows<{ partial: string }>(db.knex, "select pg_get_expr(x.indpred, x.indrelid) as partial from pg_index x join pg_class i on i.oid = x.indexrelid where i.relname = 'allocations_reverses'")
        : await rawRows<{ partial: string }>(db.knex, "select sql as partial from sqlite_master where name = 'allocations_reverses'");
      expect(entries).toHaveLength(1);
      expect(entries[0]!.partial.toLowerCase()).toMatch(/reverses is not null/);
      expect(await plan(db.knex)).toMatch(/allocations_reverses/);
    });

    it('rolls back and forward', async () => {
      await reversalIndex.down(db.knex);
      expect(await plan(db.knex)).not.toMatch(/allocations_reverses/);
      await reversalIndex.up(db.knex);
      expect(await plan(db.knex)).toMatch(/allocations_reverses/);
    });
  });
});
