/**
 * The trigger-kept balances of migration 0006 (invoice_balances, source_balances,
 * document_day_totals): after every kind of write they equal what the documents say, the bulk
 * loader builds the same, and a wrong balance does not go unnoticed — the aging's self-check
 * fails (exit 1) instead of printing it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateBook } from '../../src/fixtures/generate-book.js';
import { loadBook } from '../../src/storage/bulk/load-book.js';
import { Database } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { balanceDrift } from '../../src/storage/migrations/0006_balances.js';
import { owed } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { seed } from '../e2e/helpers.js';

// Each test builds a book through a dozen commands: on a loaded machine that takes a while.
const SLOW = 180_000;

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  beforeEach(async () => {
    scratch = await scratchDatabase(engine);
  });
  afterEach(async () => {
    await scratch.drop();
  });

  async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = await Database.open(scratch.target, { create: true });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  /** Every write that moves a balance: issue, credit, receive (identified and not), apply, tolerance, undo, assign, reverse, write-off. */
  async function busyBook(): Promise<void> {
    await seed(
      scratch.dbArg,
      ['init'],
      ['customer', 'add', 'C1', '--name', '甲方', '--terms', 'NET30'],
      ['customer', 'add', 'C2', '--name', 'Beta', '--terms', 'NET30', '--currency', 'USD'],
      ['product', 'add', 'S1', '--name', 'Service', '--price', '100', '--tax-rate', '0', '--service'],
      ['settings', 'set', 'reconcile.tolerance', '1'],
      ['invoice', 'issue', '--customer', 'C1', '--line', 'S1:1:1000', '--date', '2026-08-01'],
      ['invoice', 'issue', '--customer', 'C1', '--line', 'S1:1:500', '--date', '2026-08-15'],
      ['invoice', 'issue', '--customer', 'C1', '--line', 'S1:1:300', '--date', '2026-09-01'],
      ['invoice', 'issue', '--customer', 'C2', '--line', 'S1:1:250', '--date', '2026-09-02'],
      ['invoice', 'credit', 'INV-2026-000002', '--amount', '100', '--reason', 'discount', '--date', '2026-09-03'],
      ['receive', '--customer', 'C1', '--amount', '999.50', '--date', '2026-09-05', '--memo', 'INV-2026-000001'],
      ['receive', '--amount', '300', '--date', '2026-09-06', '--memo', 'for INV-2026-000003'],
      ['receive', '--customer', 'C2', '--amount', '250', '--date', '2026-09-07', '--ref', 'CHQ-1'],
      ['--today', '2026-09-10', 'reconcile', 'auto'],
      ['--today', '2026-09-12', 'receipt', 'reverse', 'RC-2026-000003', '--reason', 'bounced', '--date', '2026-09-12'],
      ['--today', '2026-09-15', 'reconcile', 'undo', 'RB-2026-000001'],
      ['receive', '--amount', '50', '--date', '2026-09-16', '--memo', 'unknown payer'],
      ['receipt', 'assign', 'RC-2026-000004', 'C1'],
      ['--today', '2026-09-20', 'reconcile', 'auto'],
      ['invoice', 'write-off', 'INV-2026-000002', '--amount', '20', '--reason', 'small balance', '--date', '2026-10-01'],
    );
  }

  it('equal what the documents say after every kind of write', async () => {
    await busyBook();
    await withDb(async (db) => {
      expect(await balanceDrift(db.knex)).toEqual([]);
      const [counts] = (await db.knex('source_balances').count({ n: '*' })) as { n: unknown }[];
      expect(Number(counts!.n)).toBe(5); // four receipts and one credit note
    });
  }, SLOW);

  it('a wrong balance is seen: by the drift check, and by the aging, which exits 1 instead of printing it', async () => {
    await busyBook();
    const before = await owed(['--db', scratch.dbArg, 'aging', '--as-of', '2026-11-27', '--json']);
    expect(before.code, before.stderr).toBe(0);
    await withDb(async (db) => {
      // The dangerous kind of wrong: C2's open USD invoice marked as settled long ago.
      await db.knex('invoice_balances').where('invoice_id', 4).update({ settled_from: '2026-09-02' });
      expect(await balanceDrift(db.knex)).toEqual([{ table: 'invoice_balances', rows: 2 }]);
    });
    const after = await owed(['--db', scratch.dbArg, 'aging', '--as-of', '2026-11-27']);
    expect(after.code).toBe(1);
    expect(after.stdout).toBe('');
    expect(after.stderr).toMatch(/aging as of 2026-11-27 in USD: buckets \+ unapplied = \d+, documents = \d+/);
  }, SLOW);

  it('the drift check counts a missing row, an extra row and a changed day, and ignores a day that nets to zero', async () => {
    await busyBook();
    await withDb(async (db) => {
      await db.knex('source_balances').where({ source_kind: 'credit_note' }).delete();
      expect(await balanceDrift(db.knex)).toEqual([{ table: 'source_balances', rows: 1 }]);
    });
    await withDb(async (db) => {
      const [day] = (await db.knex('document_day_totals').select('currency', 'day', 'amount').orderBy('day').limit(1)) as { currency: string; day: unknown; amount: unknown }[];
      await db.knex('document_day_totals').insert({ currency: 'EUR', day: '2026-01-05', amount: 0 });
      expect(await balanceDrift(db.knex)).toEqual([{ table: 'source_balances', rows: 1 }]);
      await db.knex('document_day_totals').insert({ currency: 'EUR', day: '2026-01-06', amount: 1 });
      await db.knex('document_day_totals').where({ currency: day!.currency, day: day!.day }).update({ amount: Number(day!.amount) + 1 });
      expect(await balanceDrift(db.knex)).toEqual([{ table: 'source_balances', rows: 1 }, { table: 'document_day_totals', rows: 3 }]);
    });
  }, SLOW);

  it('the bulk loader builds the same balances as the triggers would', async () => {
    await withDb(async (db) => {
      await migrateToLatest(db.knex);
      await loadBook(db, generateBook({ invoices: 600, user: 'tester' }), { batchSize: 97 });
      expect(await balanceDrift(db.knex)).toEqual([]);
      // The triggers are back: a new document gets its balance row.
      const [before] = (await db.knex('invoice_balances').count({ n: '*' })) as { n: unknown }[];
      expect(Number(before!.n)).toBe(600);
    });
    await seed(scratch.dbArg, ['init']);
    const issued = await owed(['--db', scratch.dbArg, '--today', '2026-11-28', 'invoice', 'issue', '--customer', 'G0000001', '--line', 'SVC-CONSULT:1']);
    expect(issued.code, issued.stderr).toBe(0);
    await withDb(async (db) => {
      const [after] = (await db.knex('invoice_balances').count({ n: '*' })) as { n: unknown }[];
      expect(Number(after!.n)).toBe(601);
      expect(await balanceDrift(db.knex)).toEqual([]);
    });
  }, SLOW);
});
