import type { Knex } from 'knex';
import type { HistoryQueries } from '../../domain/store.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';

export function historyQueries(q: Knex): HistoryQueries {
  const pg = isPostgres(q);
  const date = pg ? 'cast(? as date)' : '?';
  const daysBetween = (from: string, to: string) => (pg ? `(${to} - ${from})` : `cast(julianday(${to}) - julianday(${from}) as integer)`);

  async function perCurrency(sql: string, bindings: Knex.RawBinding[]): Promise<Map<string, number>> {
    const rows = await rawRows<{ currency: string; amount: unknown }>(q, sql, bindings);
    return new Map(rows.map((r) => [r.currency, readInteger(r.amount)]));
  }

  return {
    async closedInvoices(from, to) {
      // Allocations dated ≤ to; an invoice is closed when they reach its total; closedOn is the last of them.
      const sql = `select c.code as customer, i.currency, i.due_date, i.total, a.closed_on, a.written_off
        from invoices i
        join (select invoice_id, sum(amount) as applied, max(date) as closed_on,
                     sum(case when source_kind = 'write_off' then amount else 0 end) as written_off
              from allocations where date <= ${date} group by invoice_id) a on a.invoice_id = i.id
        join customers c on c.id = i.customer_id
        where i.kind = 'invoice' and a.applied = i.total and a.closed_on >= ${date}`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, [to, from]);
      return rows.map((r) => ({
        customer: String(r.customer),
        currency: String(r.currency),
        dueDate: String(r.due_date),
        closedOn: String(r.closed_on),
        total: readInteger(r.total),
        writtenOff: readInteger(r.written_off),
      }));
    },
    async orderToInvoiceDays(from, to) {
      const sql = `select ${daysBetween('o.order_date', 'i.issue_date')} as days
        from invoices i join orders o on o.id = i.order_id
        where i.kind = 'invoice' and i.issue_date between ${date} and ${date}`;
      return (await rawRows<{ days: unknown }>(q, sql, [from, to])).map((r) => readInteger(r.days));
    },
    async sales(from, to) {
      return perCurrency(
        `select currency, sum(case when kind = 'invoice' then total else -total end) as amount
         from invoices where issue_date between ${date} and ${date} group by currency`,
        [from, to],
      );
    },
    async writeOffs(from, to) {
      return perCurrency(
        `select i.currency, sum(w.amount) as amount from write_offs w join invoices i on i.id = w.invoice_id
         where w.write_off_date between ${date} and ${date} group by i.currency`,
        [from, to],
      );
    },
    async cashByDay(from, to) {
      const sql = `select d, currency, sum(amount) as amount from (
          select receipt_date as d, currency, amount from receipts where receipt_date between ${date} and ${date}
          union all
          select v.reversal_date as d, r.currency, -r.amount from receipt_reversals v join receipts r on r.id = v.receipt_id
          where v.reversal_date between ${date} and ${date}
        ) x group by d, currency order by d, currency`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, [from, to, from, to]);
      return rows.map((r) => ({ date: String(r.d), currency: String(r.currency), amount: readInteger(r.amount) }));
    },
  };
}
