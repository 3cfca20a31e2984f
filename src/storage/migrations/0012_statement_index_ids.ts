import type { Knex } from 'knex';

/**
 * PostgreSQL: the statement's covering indexes of 0011 carry the document's id too. The statement
 * reads it (the same-day order of its lines), and an index that lacks a column the query reads is
 * no covering index: PostgreSQL went to the table for every row (1M invoices, the largest
 * customer's 3,406 invoices and 3,209 receipts: 5,800 heap pages, the entries query 161 ms of a
 * 400 ms command; as index-only scans 18 ms, the command 290 ms). SQLite keeps the rowid in
 * every index: nothing changes there.
 *
 * Each index is built under a new name, the old one dropped and the new one given its name, so
 * no moment of the migration's transaction is without one.
 */
const STATEMENT_INDEXES = [
  { name: 'invoices_customer_statement', table: 'invoices', key: 'customer_id, issue_date', carried: 'kind, currency, total, number, external_ref' },
  { name: 'receipts_customer_statement', table: 'receipts', key: 'customer_id, receipt_date', carried: 'currency, amount, number, bank_ref' },
] as const;

async function rebuild(knex: Knex, withId: boolean): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const index of STATEMENT_INDEXES) {
    await knex.raw(`create index ${index.name}_new on ${index.table} (${index.key}) include (${index.carried}${withId ? ', id' : ''})`);
    await knex.raw(`drop index ${index.name}`);
    await knex.raw(`alter index ${index.name}_new rename to ${index.name}`);
  }
}

export async function up(knex: Knex): Promise<void> {
  await rebuild(knex, true);
}

export async function down(knex: Knex): Promise<void> {
  await rebuild(knex, false);
}
