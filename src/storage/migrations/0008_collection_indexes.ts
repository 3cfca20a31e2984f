import type { Knex } from 'knex';

/**
 * Indexes for the collections (forecast, alerts, reminders), found on the 1M-invoice book
 * (docs/PERFORMANCE.md, "Collections").
 *
 * invoice_balances (customer_id, settled_from, due_date, total, last_change, invoice_id): what
 * the forecast learns from — the invoices closed in the last two years, per customer — read from
 * the index alone, customer after customer, so SQLite groups them without a sort and without a
 * lookup per invoice (1M book, SQLite, CPU: 1.9 s with (customer_id, settled_from) and a lookup
 * per row, 0.6–0.8 s with this one; PostgreSQL: 2.1–2.4 s sorting the range on disk, 1.4 s
 * with an index-only scan per customer). last_change finds the invoices changed after a past
 * date (a report as of that date must sum their allocations) without reading each open
 * invoice's row. invoice_id is SQLite's rowid, in every index anyway; PostgreSQL needs it
 * listed for an index-only scan.
 *
 * invoices (issue_date, currency, kind, total): the alerts' credit sales over the last 90 and 365
 * days, per currency, read as a range of the index in date order (SQLite, CPU: 0.4–0.55 s reading
 * and sorting every invoice, 0.15 s with it).
 *
 * invoices (order_id), partial (only invoices made from an order): the days from order to invoice
 * are read from the orders. Without it the query read every invoice through the kind index (0.9 s
 * CPU on a book that has no orders at all).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index invoice_balances_customer_closed on invoice_balances (customer_id, settled_from, due_date, total, last_change, invoice_id)');
  await knex.raw('create index invoices_issue_currency on invoices (issue_date, currency, kind, total)');
  await knex.raw('create index invoices_order on invoices (order_id) where order_id is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists invoices_order');
  await knex.raw('drop index if exists invoices_issue_currency');
  await knex.raw('drop index if exists invoice_balances_customer_closed');
}
