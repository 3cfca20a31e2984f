import type { Knex } from 'knex';
import type { AgingBasis, AgingQueries } from '../../domain/store.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';

/**
 * Aging as of any date, computed by the database: open = total − allocations dated ≤ D, for
 * documents dated ≤ D. Every query here is one statement whatever the size of the book.
 *
 * The open side reads the trigger-kept balances (migration 0006_balances): only documents not
 * settled by D, found through the index on settled_from — about a tenth of the book on its last
 * day (settled_from ≥ D, not > D: the never-settled mark 9999-12-31 is itself a date one may ask
 * about). A document with no change after D has its balance as of D in its balance row; the others
 * sum their allocations dated ≤ D over the covering allocation indexes. The self-check
 * (documentTotals) reads the documents' own amounts — summed per day by trigger for the whole book,
 * from the documents for one customer — never the balances, so a wrong balance cannot pass unnoticed.
 */
export function agingQueries(q: Knex): AgingQueries {
  const pg = isPostgres(q);
  const date = (placeholder = '?') => (pg ? `cast(${placeholder} as date)` : placeholder);
  // Keeps the subquery from being merged into the outer one, where `open` would be computed twice
  // (in the filter open <> 0 and in the sum).
  const fence = pg ? 'offset 0' : 'limit -1';
  const daysFrom = (column: string) => (pg ? `(${date()} - ${column})` : `cast(julianday(?) - julianday(${column}) as integer)`);

  function customerFilter(alias: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
    if (customer === undefined) return '';
    bindings.push(customer);
    return ` and ${alias}.customer_id = (select id from customers where code = ?)`;
  }

  /** Invoices issued ≤ D and not settled by D, with their open amount as of D (possibly zero). */
  function openInvoices(asOf: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
    bindings.push(asOf, asOf, asOf, asOf);
    const filter = customerFilter('b', customer, bindings);
    return `select b.invoice_id as id, b.customer_id, b.currency, b.issue_date, b.due_date,
             case when b.last_change <= ${date()} then b.total - b.applied
                  else b.total - coalesce((select sum(a.amount) from allocations a where a.invoice_id = b.invoice_id and a.date <= ${date()}), 0)
             end as open
      from invoice_balances b
      where b.settled_from >= ${date()} and b.issue_date <= ${date()}${filter} ${fence}`;
  }

  /** Receipts and credit notes dated ≤ D and not settled by D, with what is left of them as of D. */
  function openSources(asOf: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
    bindings.push(asOf, asOf, asOf, asOf, asOf);
    const filter = customerFilter('s', customer, bindings);
    return `select s.customer_id, s.currency,
             case when s.last_change <= ${date()} then s.amount - s.applied - case when s.reversal_date is null then 0 else s.amount end
                  else s.amount
                       - coalesce((select sum(a.amount) from allocations a
                                   where a.source_kind = s.source_kind and a.source_id = s.source_id and a.date <= ${date()}), 0)
                       - case when s.reversal_date <= ${date()} then s.amount else 0 end
             end as amount
      from source_balances s
      where s.settled_from >= ${date()} and s.doc_date <= ${date()}${filter} ${fence}`;
  }

  return {
    async bucketTotals(asOf, basis: AgingBasis, bounds, customer) {
      const bindings: Knex.RawBinding[] = [asOf];
      const inner = openInvoices(asOf, customer, bindings);
      const column = basis === 'due' ? 'o.due_date' : 'o.issue_date';
      // Basis due: bucket 0 is "current" (not yet due). Basis invoice: bucket 0 is the first age band.
      const cases = basis === 'due'
        ? ['when o.d <= 0 then 0', ...bounds.map((b, i) => `when o.d <= ${Number(b)} then ${i + 1}`)]
        : bounds.map((b, i) => `when o.d <= ${Number(b)} then ${i}`);
      const overflow = basis === 'due' ? bounds.length + 1 : bounds.length;
      // Summed per customer id first, then joined to the few customers: no lookup per invoice.
      const sql = `select c.code as customer, c.name as name, x.currency, x.bucket, x.amount
        from (select o.customer_id, o.currency, case ${cases.join(' ')} else ${overflow} end as bucket, sum(o.open) as amount
              from (select o.*, ${daysFrom(column)} as d from (${inner}) o where o.open <> 0) o
              group by o.customer_id, o.currency, case ${cases.join(' ')} else ${overflow} end) x
        join customers c on c.id = x.customer_id
        order by c.code, x.currency, x.bucket`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, bindings);
      return rows.map((r) => ({
        customer: String(r.customer),
        name: String(r.name),
        currency: String(r.currency),
        bucket: readInteger(r.bucket),
        amount: readInteger(r.amount),
      }));
    },

    async unapplied(asOf, customer) {
      const bindings: Knex.RawBinding[] = [];
      const inner = openSources(asOf, customer, bindings);
      const sql = `select c.code as customer, c.name as name, u.currency, u.amount
        from (select u.customer_id, u.currency, sum(u.amount) as amount
              from (${inner}) u
              where u.amount <> 0
              group by u.customer_id, u.currency) u
        left join customers c on c.id = u.customer_id
        order by c.code, u.currency`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, bindings);
      return rows.map((r) => ({
        customer: r.customer === null ? null : String(r.customer),
        name: r.name === null ? null : String(r.name),
        currency: String(r.currency),
        amount: readInteger(r.amount),
      }));
    },

    async documentTotals(asOf, customer) {
      if (customer === undefined) {
        const rows = await rawRows<Record<string, unknown>>(q,
          `select currency, sum(amount) as amount from document_day_totals where day <= ${date()} group by currency order by currency`, [asOf]);
        return rows.map((r) => ({ currency: String(r.currency), amount: readInteger(r.amount) }));
      }
      const parts: string[] = [];
      const bindings: Knex.RawBinding[] = [];
      const add = (sql: string, alias: string) => {
        bindings.push(asOf);
        const filter = customerFilter(alias, customer, bindings);
        parts.push(sql + filter);
      };
      add(`select i.currency, case when i.kind = 'invoice' then i.total else -i.total end as amount from invoices i where i.issue_date <= ${date()}`, 'i');
      add(`select r.currency, -r.amount from receipts r where r.receipt_date <= ${date()} and r.customer_id is not null`, 'r');
      add(`select r.currency, r.amount from receipt_reversals v join receipts r on r.id = v.receipt_id where v.reversal_date <= ${date()} and r.customer_id is not null`, 'r');
      add(`select i.currency, -w.amount from write_offs w join invoices i on i.id = w.invoice_id where w.write_off_date <= ${date()}`, 'i');
      add(`select i.currency, -a.amount from allocations a join invoices i on i.id = a.invoice_id where a.source_kind = 'adjustment' and a.date <= ${date()}`, 'i');
      const sql = `select currency, sum(amount) as amount from (${parts.join(' union all ')}) d group by currency order by currency`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, bindings);
      return rows.map((r) => ({ currency: String(r.currency), amount: readInteger(r.amount) }));
    },

    async invoices(asOf, customer) {
      const bindings: Knex.RawBinding[] = [];
      const inner = openInvoices(asOf, customer, bindings);
      const sql = `select i.number, c.code as customer, c.name, o.currency, o.issue_date, o.due_date, o.open
        from (${inner}) o
        join invoices i on i.id = o.id
        join customers c on c.id = o.customer_id
        where o.open <> 0
        order by c.code, o.due_date, i.number`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, bindings);
      return rows.map((r) => ({
        invoice: String(r.number),
        customer: String(r.customer),
        name: String(r.name),
        currency: String(r.currency),
        issueDate: String(r.issue_date),
        dueDate: String(r.due_date),
        open: readInteger(r.open),
      }));
    },
  };
}
