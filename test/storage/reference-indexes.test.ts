/**
 * Migration 0013, on both engines: the unique indexes of invoices.external_ref and
 * receipts.bank_ref hold only the documents that have a reference, refuse a reference twice as
 * before, let any number of documents have none, and are what a lookup by reference searches.
 * Rolled back, they are the full unique indexes (constraints on PostgreSQL) of 0002/0003 again.
 */
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/storage/database.js';
import * as partialReferenceIndexes from '../../src/storage/migrations/0013_partial_reference_indexes.js';
import { isPostgres, rawRows as rows } from '../../src/storage/repositories/raw.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

/** Each reference index: whether it is unique, and its condition (null when it covers every row). */
async function referenceIndexes(knex: Knex): Promise<{ name: string; unique: boolean; partial: string | null }[]> {
  const names = ['invoices_external_ref_unique', 'receipts_bank_ref_unique'];
  if (isPostgres(knex)) {
    const found = await rows<{ name: string; unique: boolean; partial: string | null }>(knex, `
      select i.relname as name, x.indisunique as unique, pg_get_expr(x.indpred, x.indrelid) as partial
        from pg_index x join pg_class i on i.oid = x.indexrelid
       where i.relname in (?, ?) order by 1`, names);
    return found.map((r) => ({ name: r.name, unique: r.unique, partial: r.partial === null ? null : r.partial.replace(/[()]/g, '').toLowerCase() }));
  }
  const found = await rows<{ name: string; sql: string }>(knex, `select name, sql from sqlite_master where type = 'index' and name in (?, ?) order by 1`, names);
  return found.map((r) => {
    const where = /\bwhere\s+(.+)$/i.exec(r.sql);
    return { name: r.name, unique: /^create unique index/i.test(r.sql), partial: where ? where[1]!.toLowerCase() : null };
  });
}

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;
  beforeEach(async () => {
    ({ scratch, db } = await migratedBook(engine));
    await db.knex('customers').insert({ id: 1, code: 'C001', name: '上海华美贸易有限公司', currency: 'CNY', terms: 'net30', language: 'zh', created_at: '2026-11-01T00:00:00Z', updated_at: '2026-11-01T00:00:00Z' });
  });
  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  const invoice = (id: number, externalRef: string | null) => ({
    id, number: `INV-2026-${String(id).padStart(6, '0')}`, kind: 'invoice', customer_id: 1, issue_date: '2026-11-02', due_date: '2026-12-02',
    currency: 'CNY', net: 10000, tax: 1300, total: 11300, tax_inclusive: false, external_ref: externalRef, created_at: '2026-11-02T00:00:00Z', created_by: 'tester',
  });
  const receipt = (id: number, bankRef: string | null) => ({
    id, number: `RC-2026-${String(id).padStart(6, '0')}`, customer_id: 1, receipt_date: '2026-11-03', currency: 'CNY', amount: 500,
    method: 'bank', bank_ref: bankRef, memo: null, created_at: '2026-11-03T00:00:00Z', created_by: 'tester',
  });

  it('the reference indexes are unique and hold only the documents that have a reference', async () => {
    expect(await referenceIndexes(db.knex)).toEqual([
      { name: 'invoices_external_ref_unique', unique: true, partial: 'external_ref is not null' },
      { name: 'receipts_bank_ref_unique', unique: true, partial: 'bank_ref is not null' },
    ]);
  });

  it('any number of documents without a reference; the same reference twice is refused', async () => {
    await db.knex('invoices').insert([invoice(1, null), invoice(2, null), invoice(3, 'ERP-7')]);
    await db.knex('receipts').insert([receipt(1, null), receipt(2, null), receipt(3, 'ICBC-1')]);
    await expect(db.knex('invoices').insert(invoice(4, 'ERP-7'))).rejects.toThrow(/unique|duplicate/i);
    await expect(db.knex('receipts').insert(receipt(4, 'ICBC-1'))).rejects.toThrow(/unique|duplicate/i);
    expect((await rows<{ n: unknown }>(db.knex, 'select count(*) as n from invoices')).map((r) => Number(r.n))).toEqual([3]);
  });

  it('a lookup by reference searches the partial index', async () => {
    // PostgreSQL would scan a table this small whole: told not to, it shows what it can search.
    const plan = isPostgres(db.knex)
      ? await db.knex.transaction(async (q) => {
        await q.raw('set local enable_seqscan = off');
        return (await rows<{ 'QUERY PLAN': string }>(q, 'explain select id from invoices where external_ref = any(?::text[])', [['ERP-7']])).map((r) => r['QUERY PLAN']).join('\n');
      })
      : (await rows<{ detail: string }>(db.knex, "explain query plan select id from invoices where external_ref in (select value from json_each(?))", ['["ERP-7"]'])).map((r) => r.detail).join('\n');
    expect(plan).toMatch(/invoices_external_ref_unique/);
  });

  it('rolled back, the indexes cover every row again, as 0002 and 0003 made them', async () => {
    await db.knex.transaction((q) => partialReferenceIndexes.down(q));
    expect(await referenceIndexes(db.knex)).toEqual([
      { name: 'invoices_external_ref_unique', unique: true, partial: null },
      { name: 'receipts_bank_ref_unique', unique: true, partial: null },
    ]);
    if (isPostgres(db.knex)) {
      expect(await rows(db.knex, "select conname from pg_constraint where contype = 'u' and conname in ('invoices_external_ref_unique', 'receipts_bank_ref_unique') order by 1"))
        .toEqual([{ conname: 'invoices_external_ref_unique' }, { conname: 'receipts_bank_ref_unique' }]);
    }
    await db.knex.transaction((q) => partialReferenceIndexes.up(q));
    expect((await referenceIndexes(db.knex)).map((i) => i.partial)).toEqual(['external_ref is not null', 'bank_ref is not null']);
  });
});
