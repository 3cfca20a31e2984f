import type { Knex } from 'knex';

/**
 * Indexes found by the 1M-invoice benchmark on a quiet machine (docs/PERFORMANCE.md).
 *
 * invoice_balances (settled_from, issue_date, customer_id, currency, due_date, last_change,
 * total, applied, invoice_id) replaces (settled_from, issue_date): the aging reads the ~9 % of
 * invoices not settled by its date from the index alone, instead of looking each one up in the
 * table. A command starts with a cold page cache, so every lookup is a page read: bucket totals
 * at 1M on SQLite, first run in a process, 582 → 322 ms as of the book's last day and 1,093 →
 * 468 ms a year back. invoice_id is SQLite's rowid (in every index anyway); PostgreSQL needs it
 * listed for an index-only scan.
 *
 * source_balances (settled_from, doc_date, customer_id, currency, last_change, amount, applied,
 * reversal_date, source_kind, source_id) replaces (settled_from, doc_date) for the same reason:
 * the aging's unapplied cash and credits, 27k receipts and credit notes not settled at 1M, cold,
 * 490–575 → 52–61 ms.
 *
 * invoice_balances (customer_id, settled_from) is a prefix of 0008's
 * (customer_id, settled_from, due_date, total, last_change, invoice_id): dropped, one index less
 * for every balance change to maintain.
 *
 * write_offs (invoice_id): a customer's statement found its write-offs by reading every
 * write-off and its invoice (89 ms for 13 rows at 1M, cold); now through the customer's invoices.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index invoice_balances_open on invoice_balances '
    + '(settled_from, issue_date, customer_id, currency, due_date, last_change, total, applied, invoice_id)');
  await knex.raw('drop index if exists invoice_balances_settled');
  await knex.raw('create index source_balances_open on source_balances '
    + '(settled_from, doc_date, customer_id, currency, last_change, amount, applied, reversal_date, source_kind, source_id)');
  await knex.raw('drop index if exists source_balances_settled');
  await knex.raw('drop index if exists invoice_balances_customer');
  await knex.raw('create index write_offs_invoice on write_offs (invoice_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists write_offs_invoice');
  await knex.raw('create index invoice_balances_customer on invoice_balances (customer_id, settled_from)');
  await knex.raw('create index source_balances_settled on source_balances (settled_from, doc_date)');
  await knex.raw('drop index if exists source_balances_open');
  await knex.raw('create index invoice_balances_settled on invoice_balances (settled_from, issue_date)');
  await knex.raw('drop index if exists invoice_balances_open');
}
