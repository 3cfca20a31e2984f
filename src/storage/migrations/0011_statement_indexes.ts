import type { Knex } from 'knex';

/**
 * A customer's statement reads every invoice and receipt of the customer. Through the indexes on
 * (customer_id, date) each row was a lookup in its table, at a random page: the largest customer
 * at 1M invoices (3,372 invoices, 3,256 receipts) cost about 6,600 page reads, 178 ms in a fresh
 * process on SQLite. The same indexes carrying what the statement shows make it one range of
 * each index: 31 ms. They replace the narrower ones (same leading columns, so every query that
 * used those uses these), so an import maintains no more indexes than before.
 *
 * The statement ends with the customer's aging. Its open documents were found through the
 * book-wide (settled_from, date, customer_id, …) indexes: every open document of the book read to
 * keep one customer's (at 1M, 90k index entries, 71 ms cold, for 294 open invoices). The
 * customer indexes now start (customer_id, settled_from) and carry the columns the aging reads;
 * SQLite, which has no statistics here, is told to use them (openOn). They replace
 * (customer_id, settled_from, due_date, total, last_change, invoice_id) — the forecast's
 * learning reads the same prefix — and (customer_id, settled_from).
 *
 * SQLite keeps every column in the key (the rowid is in every index anyway); PostgreSQL carries
 * them as INCLUDE columns, which an index-only scan reads.
 */
const INVOICE_COLUMNS = ['kind', 'currency', 'total', 'number', 'external_ref'];
const RECEIPT_COLUMNS = ['currency', 'amount', 'number', 'bank_ref'];
export const CUSTOMER_INDEXES = { invoice_balances: 'invoice_balances_by_customer', source_balances: 'source_balances_by_customer' } as const;

function covering(knex: Knex, name: string, table: string, key: readonly string[], carried: readonly string[]): string {
  return knex.client.config.client === 'pg'
    ? `create index ${name} on ${table} (${key.join(', ')}) include (${carried.join(', ')})`
    : `create index ${name} on ${table} (${[...key, ...carried].join(', ')})`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(covering(knex, 'invoices_customer_statement', 'invoices', ['customer_id', 'issue_date'], INVOICE_COLUMNS));
  await knex.raw('drop index if exists invoices_customer_id_issue_date_index');
  await knex.raw(covering(knex, 'receipts_customer_statement', 'receipts', ['customer_id', 'receipt_date'], RECEIPT_COLUMNS));
  await knex.raw('drop index if exists receipts_customer_id_receipt_date_index');
  await knex.raw(covering(knex, CUSTOMER_INDEXES.invoice_balances, 'invoice_balances',
    ['customer_id', 'settled_from', 'due_date', 'total', 'last_change', 'invoice_id'], ['issue_date', 'currency', 'applied']));
  await knex.raw('drop index if exists invoice_balances_customer_closed');
  await knex.raw(covering(knex, CUSTOMER_INDEXES.source_balances, 'source_balances',
    ['customer_id', 'settled_from'], ['doc_date', 'currency', 'last_change', 'amount', 'applied', 'reversal_date', 'source_kind', 'source_id']));
  await knex.raw('drop index if exists source_balances_customer');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index source_balances_customer on source_balances (customer_id, settled_from)');
  await knex.raw(`drop index if exists ${CUSTOMER_INDEXES.source_balances}`);
  await knex.raw('create index invoice_balances_customer_closed on invoice_balances (customer_id, settled_from, due_date, total, last_change, invoice_id)');
  await knex.raw(`drop index if exists ${CUSTOMER_INDEXES.invoice_balances}`);
  await knex.raw('create index receipts_customer_id_receipt_date_index on receipts (customer_id, receipt_date)');
  await knex.raw('drop index if exists receipts_customer_statement');
  await knex.raw('create index invoices_customer_id_issue_date_index on invoices (customer_id, issue_date)');
  await knex.raw('drop index if exists invoices_customer_statement');
}
