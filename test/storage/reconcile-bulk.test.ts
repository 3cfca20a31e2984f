/**
 * `reconcile auto` in bulk (src/domain/receivables/reconcile-plan.ts, src/storage/repositories/
 * reconciliation.ts) on both engines: a generated book with every receipt unapplied is matched as
 * one batch; the balances kept by migration 0006 stay equal to the documents (on SQLite the bulk
 * path sets the per-row trigger aside and applies the batch set-based, and for a batch as large
 * as the book drops and rebuilds the indexes it touches); the schema is as it was (trigger and
 * indexes back); the dry run is the same plan and writes nothing; allocation dates
 * follow applyCash's rule where an undo left a document free only from a later day; and an
 * over-allocation, or an allocation naming a document the book does not have, is caught by the
 * closing assertion (checkBatch), not written, through both of its paths (a daily batch, and a
 * batch as large as the book). Every transaction here runs as the CLI runs reconcile auto: on
 * SQLite without the per-row foreign-key check, which the closing assertion replaces.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { addCustomer } from '../../src/domain/customers/add-customer.js';
import { InvariantError } from '../../src/domain/errors.js';
import { initialiseBook } from '../../src/domain/initialise.js';
import { invoiceDirect } from '../../src/domain/invoicing/issue-invoice.js';
import { addProduct } from '../../src/domain/products/add-product.js';
import { reconcileAuto, reconcileUndo, type ReconcileResult } from '../../src/domain/receivables/reconcile.js';
import { recordReceipt } from '../../src/domain/receivables/record-receipt.js';
import { setSetting } from '../../src/domain/settings/set-setting.js';
import type { Store } from '../../src/domain/store.js';
import { generateBook } from '../../src/fixtures/generate-book.js';
import { loadBook } from '../../src/storage/bulk/load-book.js';
import { Database } from '../../src/storage/database.js';
import { balanceDrift } from '../../src/storage/migrations/0006_balances.js';
import { reconciliationRepository } from '../../src/storage/repositories/reconciliation.js';
import type { ReconciliationRepository } from '../../src/domain/store.js';
import type { Knex } from 'knex';
import { createStore } from '../../src/storage/store.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

const actorOn = (today: string): Actor => ({ user: 'tester', role: 'admin', today, now: `${today}T10:00:00.000Z` });

/** Thrown to roll a transaction back after reading what it did, as the CLI's dry run does. */
class Rollback extends Error {
  constructor(readonly value: unknown) {
    super('rollback');
  }
}

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;
  beforeEach(async () => {
    ({ scratch, db } = await migratedBook(engine));
  });
  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  /** `wrap`: the repository as a test changes it (a mutation the closing assertion must catch). */
  type Wrap = (repository: ReconciliationRepository, q: Knex) => ReconciliationRepository;
  const run = <T>(today: string, work: (store: Store, actor: Actor) => Promise<T>, command = 'test', rebuildMinRows?: number, wrap?: Wrap): Promise<T> =>
    db.transaction((q) => {
      const ctx = { user: 'tester', command, now: actorOn(today).now };
      const store = createStore(q, ctx);
      // A small book takes the path of a whole-book batch (indexes dropped and built again) when asked.
      const repository = rebuildMinRows === undefined ? store.reconciliation : reconciliationRepository(q, ctx, { rebuildMinRows });
      return work({ ...store, reconciliation: wrap === undefined ? repository : wrap(repository, q) }, actorOn(today));
    }, { foreignKeys: false });

  async function rows<T>(sql: string, bindings: unknown[] = []): Promise<T[]> {
    const result: unknown = await db.knex.raw(sql, bindings as never);
    return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
  }

  /** Indexes and triggers of the tables the bulk path touches, by name. */
  async function schema(): Promise<string[]> {
    if (engine === 'sqlite') {
      return (await rows<{ name: string; sql: string }>("select name, sql from sqlite_master where type in ('index', 'trigger') and sql is not null order by name"))
        .map((r) => `${r.name}: ${r.sql}`);
    }
    const indexes = await rows<{ d: string }>("select indexname || ': ' || indexdef as d from pg_indexes where schemaname = 'public' order by indexname");
    const triggers = await rows<{ d: string }>('select tgname as d from pg_trigger where not tgisinternal order by tgname');
    // A batch as large as the book drops the foreign keys of allocations and adds them again.
    const keys = await rows<{ d: string }>("select conname || ': ' || pg_get_constraintdef(oid) as d from pg_constraint where connamespace = 'public'::regnamespace order by conname");
    return [...indexes, ...triggers, ...keys].map((r) => r.d);
  }

  async function totals(): Promise<{ over: number; negative: number }> {
    const [over] = await rows<{ n: unknown }>(`select count(*) as n from receipts r
      where r.amount < (select coalesce(sum(a.amount), 0) from allocations a where a.source_kind = 'receipt' and a.source_id = r.id)`);
    const [negative] = await rows<{ n: unknown }>(`select count(*) as n from invoices i
      where i.total < (select coalesce(sum(a.amount), 0) from allocations a where a.invoice_id = i.id)`);
    return { over: Number(over!.n), negative: Number(negative!.n) };
  }

  it('matches a whole generated book as one batch: balances exact, schema restored, dry run the same plan, nothing past its amount', async () => {
    await loadBook(db, generateBook({ invoices: 1500, allocations: false, user: 'tester' }));
    await run('2026-11-28', async (store, actor) => {
      await initialiseBook(store, actor);
      await setSetting(store, actor, 'reconcile.tolerance', '1');
    });
    const schemaBefore = await schema();
    const plan = (r: ReconcileResult) => r.allocations.map((a) => a.toJSON());

    let dry: ReconcileResult | undefined;
    await run('2026-11-28', async (store, actor) => {
      throw new Rollback(await reconcileAuto(store, actor, { dryRun: true }));
    }).catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
      dry = e.value as ReconcileResult;
    });
    const [nothing] = await rows<{ n: unknown }>('select count(*) as n from allocations');
    expect(Number(nothing!.n)).toBe(0);
    expect(dry!.dryRun).toBe(true);

    const real = await run('2026-11-28', (store, actor) => reconcileAuto(store, actor, {}), 'reconcile auto', 1);
    expect(real.batch).toBe('RB-2026-000001');
    expect(plan(real)).toEqual(plan(dry!));
    expect(real.assigned).toEqual(dry!.assigned);
    // Every rule had work, and the memo of unidentified cash found its customer.
    expect(new Set(real.allocations.map((a) => a.rule))).toEqual(new Set(['reference', 'exact', 'subset', 'oldest']));
    expect(real.assigned.length).toBeGreaterThan(0);
    // Customers in code order, as the report lists them.
    const customers = real.allocations.map((a) => a.customer);
    expect(customers).toEqual([...customers].sort((a, b) => a.localeCompare(b)));

    const written = await rows<{ source_kind: string; n: unknown; amount: unknown }>(
      'select source_kind, count(*) as n, sum(amount) as amount from allocations where batch = ? group by source_kind order by source_kind',
      [real.batch],
    );
    const adjustments = real.allocations.filter((a) => a.adjustment > 0);
    expect(written.map((w) => [w.source_kind, Number(w.n), Number(w.amount)])).toEqual([
      ...(adjustments.length > 0 ? [['adjustment', adjustments.length, adjustments.reduce((s, a) => s + a.adjustment, 0)]] : []),
      ['receipt', real.allocations.length, real.allocations.reduce((s, a) => s + a.amount, 0)],
    ]);
    // No document had an undo: each allocation is dated the later of its two documents' dates.
    const late = await rows<{ n: unknown }>(`select count(*) as n from allocations a
      join invoices i on i.id = a.invoice_id join receipts r on r.id = a.source_id
      where a.batch = ? and a.date <> case when i.issue_date > r.receipt_date then i.issue_date else r.receipt_date end`, [real.batch]);
    expect(Number(late[0]!.n)).toBe(0);
    expect(await totals()).toEqual({ over: 0, negative: 0 });
    expect(await balanceDrift(db.knex)).toEqual([]);
    expect(await schema()).toEqual(schemaBefore);
    const audit = await rows<{ action: string; n: unknown }>("select action, count(*) as n from audit_log where command = 'reconcile auto' group by action order by action");
    expect(audit.map((a) => [a.action, Number(a.n)])).toEqual([['assign', real.assigned.length], ['auto', 1]]);

    // The balance trigger is back: an undo afterwards (row by row) keeps the balances exact too.
    await run('2026-11-29', (store, actor) => reconcileUndo(store, actor, real.batch!));
    expect(await balanceDrift(db.knex)).toEqual([]);
    // Run again over the undone book: the same matches, each dated from the undo on.
    // With the usual threshold this batch is too small to rebuild anything: indexes kept, entries added.
    const again = await run('2026-11-30', (store, actor) => reconcileAuto(store, actor, {}));
    expect(again.allocations.map((a) => [a.receipt, a.invoice, a.amount, a.adjustment])).toEqual(real.allocations.map((a) => [a.receipt, a.invoice, a.amount, a.adjustment]));
    expect(new Set(again.allocations.map((a) => a.date))).toEqual(new Set(['2026-11-29']));
    expect(await totals()).toEqual({ over: 0, negative: 0 });
    expect(await balanceDrift(db.knex)).toEqual([]);
    expect(await schema()).toEqual(schemaBefore);
  }, 120_000);

  describe('with a small book', () => {
    beforeEach(async () => {
      await run('2026-08-01', async (store, actor) => {
        await initialiseBook(store, actor);
        await addCustomer(store, actor, 'C1', { name: 'Customer 1', currency: 'CNY', terms: 'NET30' });
        await addProduct(store, actor, 'S1', { name: 'Service', price: '100', taxRate: '0', service: true });
      });
    });
    const invoice = (date: string, amount: string) =>
      run(date, async (store, actor) => (await invoiceDirect(store, actor, { customer: 'C1', lines: [`S1:1:${amount}`], date })).number);
    const receive = (date: string, amount: string, memo?: string) =>
      run(date, async (store, actor) => (await recordReceipt(store, actor, { customer: 'C1', amount, date, ...(memo ? { memo } : {}) })).receipt.number);

    it('dates an allocation from the day an undo freed both sides, as applyCash does', async () => {
      const inv = await invoice('2026-08-01', '1000');
      const first = await receive('2026-08-05', '600');
      const batch = (await run('2026-08-06', (store, actor) => reconcileAuto(store, actor, {}))).batch!;
      await run('2026-09-01', (store, actor) => reconcileUndo(store, actor, batch));
      const second = await receive('2026-08-03', '400', `pays ${inv}`);
      // The invoice was open only 400 from 08-05 to 09-01 and the first receipt had nothing free
      // then: its 600 fits from 09-01 on; the 400 of the second fits from its own date on.
      const result = await run('2026-09-02', (store, actor) => reconcileAuto(store, actor, {}));
      expect(result.allocations.map((a) => [a.receipt, a.invoice, a.amount, a.date, a.rule])).toEqual([
        [second, inv, 40_000, '2026-08-03', 'reference'],
        [first, inv, 60_000, '2026-09-01', 'exact'],
      ]);
      expect(await totals()).toEqual({ over: 0, negative: 0 });
      expect(await balanceDrift(db.knex)).toEqual([]);
    });

    it('undoes a batch as large as the book set-based, the balances as the trigger would leave them', async () => {
      const invoices = [await invoice('2026-08-01', '1000'), await invoice('2026-08-02', '300'), await invoice('2026-08-03', '250')];
      const first = await receive('2026-08-05', '1000');
      await receive('2026-08-06', '300');
      await receive('2026-08-07', '100', `part of ${invoices[2]}`);
      const batch = (await run('2026-08-08', (store, actor) => reconcileAuto(store, actor, {}))).batch!;
      const undoOne = await run('2026-08-09', (store, actor) => reconcileUndo(store, actor, String(1)));
      expect(undoOne.reversed).toEqual([1]);
      const schemaBefore = await schema();
      const live = await rows<{ id: unknown }>("select id from allocations where batch = ? and id <> 1 order by id", [batch]);
      // rebuildMinRows 1: the trigger set aside, the balances' indexes dropped and built again.
      const undone = await run('2026-08-20', (store, actor) => reconcileUndo(store, actor, batch), 'test', 1);
      expect(undone.reversed).toEqual(live.map((r) => Number(r.id)));
      const audit = await rows<{ detail: string }>("select detail from audit_log where action = 'undo' and entity_key = ?", [undone.batch]);
      expect(audit.map((a) => JSON.parse(a.detail) as unknown)).toEqual([{ target: batch, allocations: live.length }]);
      expect(await balanceDrift(db.knex)).toEqual([]);
      expect(await schema()).toEqual(schemaBefore);
      const open = await rows<{ applied: unknown; settled_from: string; last_change: string }>(
        'select applied, settled_from, last_change from invoice_balances order by invoice_id');
      // The first invoice's allocation was undone on its own on 08-09: the batch's undo did not touch it.
      expect(open.map((r) => [Number(r.applied), r.settled_from, r.last_change])).toEqual([
        [0, '9999-12-31', '2026-08-09'], [0, '9999-12-31', '2026-08-20'], [0, '9999-12-31', '2026-08-20']]);
      // Run again: the cash fits again from the day its undo freed it (the first receipt's on 08-09).
      const again = await run('2026-08-21', (store, actor) => reconcileAuto(store, actor, {}));
      expect(again.allocations.length).toBeGreaterThan(1);
      for (const a of again.allocations) expect([a.receipt, a.date]).toEqual([a.receipt, a.receipt === first ? '2026-08-09' : '2026-08-20']);
      expect(await totals()).toEqual({ over: 0, negative: 0 });
      expect(await balanceDrift(db.knex)).toEqual([]);
    });

    it('a memo with tabs, line breaks, backslashes and Chinese around the invoice number still names it', async () => {
      const first = await invoice('2026-08-01', '300');
      const named = await invoice('2026-08-02', '500');
      // The oldest invoice would take the cash if the memo were read wrongly (PostgreSQL reads it by COPY's text format).
      const memo = `货款\t${named.toLowerCase()}\\n 备注\n第二行 \\ 😀`;
      const receipt = await receive('2026-08-05', '500', memo);
      const result = await run('2026-08-06', (store, actor) => reconcileAuto(store, actor, {}));
      expect(result.allocations.map((a) => [a.receipt, a.invoice, a.amount, a.rule])).toEqual([[receipt, named, 50_000, 'reference']]);
      expect(first).not.toBe(named);
      const [stored] = await rows<{ memo: string }>('select memo from receipts where number = ?', [receipt]);
      expect(stored!.memo).toBe(memo);
    });

    /** Everything a failed batch could have changed, to compare before and after. */
    const book = async () => ({
      allocations: await rows('select * from allocations order by id'),
      invoices: await rows('select * from invoice_balances order by invoice_id'),
      sources: await rows('select * from source_balances order by source_kind, source_id'),
      batches: await rows('select * from reconcile_batches order by id'),
    });

    // rebuildMinRows 1: the batch counts as large as the book, and the assertion reads the
    // allocations' indexes whole instead of the batch's rows.
    for (const [path, rebuildMinRows] of [['a daily batch', undefined], ['a batch as large as the book', 1]] as const) {
      it(`an over-allocation is caught by the closing assertion and nothing is written (${path})`, async () => {
        const inv = await invoice('2026-08-01', '1000');
        await receive('2026-08-05', '1000');
        await run('2026-08-06', (store, actor) => reconcileAuto(store, actor, {}));
        await receive('2026-08-07', '1000', `again ${inv}`);
        // A wrong balance says the paid invoice is open: the plan believes it, the assertion does not.
        await db.knex('invoice_balances').update({ applied: 0, settled_from: '9999-12-31' });
        const before = await book();
        const error = await run('2026-08-08', (store, actor) => reconcileAuto(store, actor, {}), 'test', rebuildMinRows).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvariantError);
        expect(String((error as Error).message)).toMatch(new RegExp(`RB-2026-\\d+ took ${inv} past its amount$`));
        expect(await book()).toEqual(before);
      });

      /** A repository that writes one more allocation after the batch's own, as a bug might. */
      const alsoWriting = (row: (q: Knex) => Promise<Record<string, unknown>>): Wrap => (repository, q) => ({
        ...repository,
        async insertAllocations(batch, plan, at, by) {
          const written = await repository.insertAllocations(batch, plan, at, by);
          await q('allocations').insert({ ...(await row(q)), batch, source_kind: 'receipt', amount: 1, date: '2026-08-08', created_at: at, created_by: by });
          return written + 1;
        },
      });
      const key = async (q: Knex, table: string) => Number((await q(table).max({ id: 'id' }))[0]!.id);

      it(`an allocation naming an invoice the book does not have is refused and nothing is written (${path})`, async () => {
        await invoice('2026-08-01', '1000');
        await receive('2026-08-05', '1000');
        const before = await book();
        const missing = alsoWriting(async (q) => ({ invoice_id: 999_999, source_id: await key(q, 'receipts') }));
        const error = await run('2026-08-08', (store, actor) => reconcileAuto(store, actor, {}), 'test', rebuildMinRows, missing).catch((e: unknown) => e);
        if (engine === 'sqlite') {
          // No foreign-key check in this transaction: the set-based assertion finds it.
          expect(error).toBeInstanceOf(InvariantError);
          expect(String((error as Error).message)).toMatch(/RB-2026-\d+ names what the book does not have: .*invoice key 999999/);
        } else {
          // PostgreSQL keeps its foreign key: the insert itself fails.
          expect(error).toBeInstanceOf(Error);
          expect(String((error as Error).message)).toMatch(/foreign key/);
        }
        expect(await book()).toEqual(before);
      });

      it(`an allocation naming a receipt the book does not have is refused and nothing is written (${path})`, async () => {
        await invoice('2026-08-01', '1000');
        await receive('2026-08-05', '1000');
        const before = await book();
        // source_id has no foreign key on either engine (it names a receipt or a credit note).
        const missing = alsoWriting(async (q) => ({ invoice_id: await key(q, 'invoices'), source_id: 999_999 }));
        const error = await run('2026-08-08', (store, actor) => reconcileAuto(store, actor, {}), 'test', rebuildMinRows, missing).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvariantError);
        expect(String((error as Error).message)).toMatch(/RB-2026-\d+ names what the book does not have: .*receipt key 999999/);
        expect(await book()).toEqual(before);
      });
    }

    it('a transaction without the foreign-key check: SQLite takes a dangling key until it ends, PostgreSQL never', async () => {
      const inv = await invoice('2026-08-01', '1000');
      const dangling = async (q: Knex) => {
        const [invoiceRow] = await q('invoices').where({ number: inv }).select('id');
        await q('allocations').insert({ invoice_id: 999_999, source_kind: 'receipt', source_id: Number(invoiceRow!.id), amount: 1, date: '2026-08-02', created_at: 'now', created_by: 'tester' });
        throw new Rollback('written');
      };
      const outcome = (e: unknown) => (e instanceof Rollback ? 'written' : /foreign key/i.test(String((e as Error).message)) ? 'refused' : e);
      expect(outcome(await db.transaction(dangling, { foreignKeys: false }).catch((e: unknown) => e))).toBe(engine === 'sqlite' ? 'written' : 'refused');
      // The check is back for the next transaction, also after one that failed.
      await db.transaction(() => Promise.reject(new Error('boom')), { foreignKeys: false }).catch(() => undefined);
      expect(outcome(await db.transaction(dangling).catch((e: unknown) => e))).toBe('refused');
    });
  });
});
