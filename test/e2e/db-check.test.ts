/**
 * `owed db check`: the ledger's invariants over the whole book. A book written only through
 * owed passes every check (exit 0); rows changed behind owed's back are named, with the
 * documents, dates and amounts, and the command exits 1 with nothing changed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/storage/database.js';
import { owed } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { seed } from './helpers.js';

const SLOW = 120_000;

interface CheckRow {
  check: string;
  result: string;
  problems: number;
  examples: string;
}

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  beforeEach(async () => {
    scratch = await scratchDatabase(engine);
    await seed(
      scratch.dbArg,
      ['init'],
      ['customer', 'add', 'C1', '--name', '甲方', '--terms', 'NET30'],
      ['product', 'add', 'S1', '--name', 'Service', '--price', '100', '--tax-rate', '0', '--service'],
      ['invoice', 'issue', '--customer', 'C1', '--line', 'S1:1:1000', '--date', '2026-08-01'],
      ['invoice', 'issue', '--customer', 'C1', '--line', 'S1:1:400', '--date', '2026-08-20'],
      ['receive', '--customer', 'C1', '--amount', '600', '--date', '2026-09-05', '--apply', 'INV-2026-000001'],
      ['receive', '--customer', 'C1', '--amount', '400', '--date', '2026-09-06', '--apply', 'INV-2026-000002'],
      ['--today', '2026-09-12', 'receipt', 'reverse', 'RC-2026-000002', '--reason', 'bounced', '--date', '2026-09-12'],
      ['invoice', 'write-off', 'INV-2026-000001', '--amount', '50', '--reason', 'small balance', '--date', '2026-10-01'],
    );
  }, SLOW);
  afterEach(async () => {
    await scratch.drop();
  });

  async function withDb(work: (db: Database) => Promise<void>): Promise<void> {
    const db = await Database.open(scratch.target, { create: false });
    try {
      await work(db);
    } finally {
      await db.close();
    }
  }

  async function check(): Promise<{ code: number; rows: Map<string, CheckRow>; stderr: string }> {
    const r = await owed(['--db', scratch.dbArg, 'db', 'check', '--json']);
    const rows = new Map((JSON.parse(r.stdout) as CheckRow[]).map((row) => [row.check, row]));
    return { code: r.code, rows, stderr: r.stderr };
  }

  it('a book written through owed passes every check', async () => {
    const r = await check();
    expect(r.code, r.stderr).toBe(0);
    expect([...r.rows.values()].map((row) => [row.check, row.result, row.problems])).toEqual([
      ['invoices within their total', 'ok', 0],
      ['receipts and credit notes within their amount', 'ok', 0],
      ['reversed receipts released', 'ok', 0],
      ['write-offs applied whole', 'ok', 0],
      ['allocations dated after their documents', 'ok', 0],
      ['derived balances', 'ok', 0],
    ]);
    expect(r.stderr).toBe('all 6 checks passed\n');

    const table = await owed(['--db', scratch.dbArg, 'db', 'check']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^invoices within their total +ok +0 /m);
  }, SLOW);

  it('an over-applied invoice and receipt, a dated-too-early allocation and a drifted balance are each named; exit 1', async () => {
    await withDb(async (db) => {
      const [invoice] = await db.knex('invoices').where({ number: 'INV-2026-000001' }).select('id');
      const [receipt] = await db.knex('receipts').where({ number: 'RC-2026-000001' }).select('id');
      // 600 applied on 09-05 and a 50 write-off on 10-01; another 500 from the same 600 receipt
      // on 09-10 takes the invoice to 1,100 of 1,000 and the receipt to 1,100 of 600.
      await db.knex('allocations').insert({
        invoice_id: invoice.id, source_kind: 'receipt', source_id: receipt.id, amount: 50_000, date: '2026-09-10',
        created_at: '2026-09-10T00:00:00Z', created_by: 'someone',
      });
      // Applied to the second invoice a day before it was issued.
      const [second] = await db.knex('invoices').where({ number: 'INV-2026-000002' }).select('id');
      await db.knex('allocations').insert({
        invoice_id: second.id, source_kind: 'receipt', source_id: receipt.id, amount: 0, date: '2026-08-19',
        created_at: '2026-09-10T00:00:00Z', created_by: 'someone',
      });
      // A running balance edited by hand: one row in the table, one in what the documents say.
      await db.knex('invoice_balances').where({ invoice_id: second.id }).update({ applied: 1 });
    });

    const r = await check();
    expect(r.code).toBe(1);
    const got = (name: string) => {
      const row = r.rows.get(name)!;
      return [row.result, row.problems, row.examples];
    };
    expect(got('invoices within their total')).toEqual(['BROKEN', 2, 'INV-2026-000001 on 2026-09-10: 1,100.00 CNY applied of 1,000.00 CNY; '
      + 'INV-2026-000001 on 2026-10-01: 1,150.00 CNY applied of 1,000.00 CNY']);
    expect(got('receipts and credit notes within their amount')).toEqual(['BROKEN', 1, 'RC-2026-000001 on 2026-09-10: 1,100.00 CNY paid of 600.00 CNY']);
    expect(got('allocations dated after their documents')).toEqual(['BROKEN', 1,
      '0.00 CNY from RC-2026-000001 applied to INV-2026-000002 on 2026-08-19, before one of them exists']);
    expect(got('derived balances')).toEqual(['BROKEN', 2, 'invoice_balances: 2 rows differ']);
    expect(got('reversed receipts released')).toEqual(['ok', 0, '']);
    expect(got('write-offs applied whole')).toEqual(['ok', 0, '']);
    expect(r.stderr).toContain('owed: the book breaks 4 of 6 checks (invoices within their total, receipts and credit notes within their amount, '
      + 'allocations dated after their documents, derived balances)\nhint: a change made to the database outside owed');
  }, SLOW);
});
