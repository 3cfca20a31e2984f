import type { Knex } from 'knex';
import type { AgingBasis, AgingQueries } from '../../domain/store.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';

/**
 * Aging as of any date, computed by the database: open = total − allocations dated ≤ D, for
 * documents dated ≤ D. Every query here is one statement whatever the size of the book.
 */
export function agingQueries(q: Knex): AgingQueries {
  const pg = isPostgres(q);
  const date = (placeholder = '?') => (pg ? `cast(${placeholder} as date)` : placeholder);
  const daysFrom = (column: string) => (pg ? `(${date()} - ${column})` : `cast(julianday(?) - julianday(${column}) as integer)`);

  function customerFilter(alias: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
    if (customer === undefined) return '';
    bindings.push(customer);
    return ` and ${alias}.customer_id = (select id from customers where code = ?)`;
  }

  /** Open amount per invoice as of D; the allocation sums are taken before the join so they are not multiplied. */
  function openInvoices(asOf: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
    bindings.push(asOf, asOf);
    const filter = customerFilter('i', customer, bindings);
    return `select i.id, i.number, i.customer_id, i.currency, i.issue_date, i.due_date, i.total - coalesce(a.applied, 0) as open
      from invoices i
      left join (select invoice_id, sum(amount) as applied from allocations where date <= ${date()} group by invoice_id) a on a.invoice_id = i.id
      where i.kind = 'invoice' and i.issue_date <= ${date()}${filter}`;
  }

  return {
    async bucketTotals(asOf, basis: AgingBasis, bounds, customer) {
      const bindings: Knex.RawBinding[] = [];
      const inner = openInvoices(asOf, customer, bindings);
      const column = basis === 'due' ? 'o.due_date' : 'o.issue_date';
      const days = daysFrom(column);
      // Basis due: bucket 0 is "current" (not yet due). Basis invoice: bucket 0 is the first age band.
      const cases = basis === 'due'
        ? ['when d <= 0 then 0', ...bounds.map((b, i) => `when d <= ${Number(b)} then ${i + 1}`)]
        : bounds.map((b, i) => `when d <= ${Number(b)} then ${i}`);
      const overflow = basis === 'due' ? bounds.length + 1 : bounds.length;
      const sql = `select c.code as customer, c.name as name, x.currency, x.bucket, sum(x.open) as amount
        from (select o.customer_id, o.currency, o.open,
                     case ${cases.map((w) => w.replace('when d', 'when o.d')).join(' ')} else ${overflow} end as bucket
              from (select o.*, ${days} as d from (${inner}) o where o.open <> 0) o) x
        join customers c on c.id = x.customer_id
        group by c.code, c.name, x.currency, x.bucket
        order by c.code, x.currency, x.bucket`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, [asOf, ...bindings]);
      return rows.map((r) => ({
        customer: String(r.customer),
        name: String(r.name),
        currency: String(r.currency),
        bucket: readInteger(r.bucket),
        amount: readInteger(r.amount),
      }));
    },

    async unapplied(asOf, customer) {
      // Placeholders in textual order: reversal date, allocation date, receipt date, [customer], allocation date, issue date, [customer].
      const bindings: Knex.RawBinding[] = [asOf, asOf, asOf];
      const receiptFilter = customerFilter('r', customer, bindings);
      bindings.push(asOf, asOf);
      const creditFilter = customerFilter('i', customer, bindings);
      const sql = `select c.code as customer, c.name as name, u.currency, sum(u.amount) as amount
        from (
          select r.customer_id, r.currency,
                 r.amount - case when v.reversal_date <= ${date()} then r.amount else 0 end - coalesce(a.applied, 0) as amount
          from receipts r
          left join receipt_reversals v on v.receipt_id = r.id
          left join (select source_id, sum(amount) as applied from allocations where source_kind = 'receipt' and date <= ${date()} group by source_id) a
                 on a.source_id = r.id
          where r.receipt_date <= ${date()}${receiptFilter}
          union all
          select i.customer_id, i.currency, i.total - coalesce(a.applied, 0)
          from invoices i
          left join (select source_id, sum(amount) as applied from allocations where source_kind = 'credit_note' and date <= ${date()} group by source_id) a
                 on a.source_id = i.id
          where i.kind = 'credit_note' and i.issue_date <= ${date()}${creditFilter}
        ) u
        left join customers c on c.id = u.customer_id
        where u.amount <> 0
        group by c.code, c.name, u.currency
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
      const sql = `select o.number, c.code as customer, c.name, o.currency, o.issue_date, o.due_date, o.open
        from (${inner}) o join customers c on c.id = o.customer_id
        where o.open <> 0
        order by c.code, o.due_date, o.number`;
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
