import type { Knex } from 'knex';
import type { AgingBasis, AgingInvoiceRow, AgingQueries } from '../../domain/store.js';
import { addDays } from '../../domain/dates.js';
import { SETTLED_NEVER } from '../migrations/0006_balances.js';
import { CUSTOMER_INDEXES } from '../migrations/0011_statement_indexes.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';
import { streamRows } from './stream.js';

function customerFilter(alias: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
  if (customer === undefined) return '';
  bindings.push(customer);
  return ` and ${alias}.customer_id = (select id from customers where code = ?)`;
}

/**
 * The documents of `table` dated ≤ D and not settled by D, as a FROM clause over alias `alias`
 * with `columns` (in the table's covering index). Each is found by its settled_from, which for a
 * document still open on D is a day from D to the latest settlement, or SETTLED_NEVER: one seek
 * per such day into the (settled_from, date, …) index, which also bounds the date ≤ D. A range
 * settled_from ≥ D instead reads every document settled since D whatever its date, nearly all of
 * them dated after D when D is in the past: a year back at 1M invoices, 412k index entries for
 * 79k open invoices (and 328k for 18k receipts and credit notes). As of the last day the days
 * are one and the rows read the same. UNION, not UNION ALL: as of SETTLED_NEVER itself (the
 * property test asks) the day is that mark. The days are a recursive CTE on both engines: on
 * PostgreSQL, generate_series is estimated at 1,000 rows whatever its bounds, which made the plan
 * costly enough to be JIT-compiled (100k invoices: 30 → 140–240 ms as of the last day); LATERAL
 * keeps it seeking per day rather than hash-joining a scan of the table. For one customer the
 * seeks go into the customer's (customer_id, settled_from, …) index: SQLite, without statistics,
 * would read every open document of the book through the other one (migration 0011).
 */
export function openOn(q: Knex, table: 'invoice_balances' | 'source_balances', alias: string, columns: string, dateColumn: string,
  asOf: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
  const pg = isPostgres(q);
  const date = () => (pg ? 'cast(? as date)' : '?');
  bindings.push(asOf, SETTLED_NEVER, SETTLED_NEVER, asOf);
  const filter = customerFilter(alias, customer, bindings);
  const last = `(select max(settled_from) from ${table} where settled_from < ${date()})`;
  const dated = `${alias}.${dateColumn} <= ${date()}${filter}`;
  const days = `(with recursive days(d) as (select ${date()} union all select ${pg ? 'd + 1' : "date(d, '+1 day')"} from days where d < ${last})
        select d as settled_from from days union select ${date()}) k`;
  return pg
    ? `${days} cross join lateral (select ${columns} from ${table} ${alias} where ${alias}.settled_from = k.settled_from and ${dated} offset 0) ${alias}`
    : `${days} cross join ${table} ${alias}${customer === undefined ? '' : ` indexed by ${CUSTOMER_INDEXES[table]}`} on ${alias}.settled_from = k.settled_from and ${dated}`;
}

/**
 * Aging as of any date, computed by the database: open = total − allocations dated ≤ D, for
 * documents dated ≤ D. Every query here is one statement whatever the size of the book.
 *
 * The open side reads the trigger-kept balances (migration 0006_balances): only documents not
 * settled by D, found through the index on settled_from a day of settlement at a time (openOn) —
 * about a tenth of the book on its last day (settled_from ≥ D, not > D: the never-settled mark
 * 9999-12-31 is itself a date one may ask about). A document with no change after D has its balance as of D in its balance row; the others
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

  // PostgreSQL's sum of bigints is a numeric; cast back (a document's allocations sum to no more
  // than its amount), the open amounts and their buckets are summed as integers, not numerics
  // (1M invoices, a year back, EXPLAIN ANALYZE of the bucket query with a 32 MB work_mem: 326-347
  // -> 290-320 ms; the whole command's times, 0.8-1.0 s, overlap before and after).

  /** Invoices issued ≤ D and not settled by D, with their open amount as of D (possibly zero). */
  function openInvoices(asOf: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
    bindings.push(asOf, asOf);
    const from = openOn(q, 'invoice_balances', 'b', 'b.invoice_id, b.customer_id, b.currency, b.issue_date, b.due_date, b.last_change, b.total, b.applied',
      'issue_date', asOf, customer, bindings);
    return `select b.invoice_id as id, b.customer_id, b.currency, b.issue_date, b.due_date,
             case when b.last_change <= ${date()} then b.total - b.applied
                  else b.total - cast(coalesce((select sum(a.amount) from allocations a where a.invoice_id = b.invoice_id and a.date <= ${date()}), 0) as bigint)
             end as open
      from ${from} ${fence}`;
  }

  /** Receipts and credit notes dated ≤ D and not settled by D, with what is left of them as of D. */
  function openSources(asOf: string, customer: string | undefined, bindings: Knex.RawBinding[]): string {
    bindings.push(asOf, asOf, asOf);
    const from = openOn(q, 'source_balances', 's',
      's.source_kind, s.source_id, s.customer_id, s.currency, s.last_change, s.amount, s.applied, s.reversal_date', 'doc_date', asOf, customer, bindings);
    return `select s.customer_id, s.currency,
             case when s.last_change <= ${date()} then s.amount - s.applied - case when s.reversal_date is null then 0 else s.amount end
                  else s.amount
                       - cast(coalesce((select sum(a.amount) from allocations a
                                   where a.source_kind = s.source_kind and a.source_id = s.source_id and a.date <= ${date()}), 0) as bigint)
                       - case when s.reversal_date <= ${date()} then s.amount else 0 end
             end as amount
      from ${from} ${fence}`;
  }

  return {
    async bucketTotals(asOf, basis: AgingBasis, bounds, customer) {
      const column = basis === 'due' ? 'o.due_date' : 'o.issue_date';
      // Basis due: bucket 0 is "current" (not yet due). Basis invoice: bucket 0 is the first age band.
      // D − date ≤ n days ⟺ date ≥ D − n: each document's date is compared with the bands' first
      // days, computed once, instead of counting its days (julianday twice per open invoice).
      const limits = basis === 'due' ? [0, ...bounds] : [...bounds];
      const bindings: Knex.RawBinding[] = limits.map((n) => addDays(asOf, -Number(n)));
      const cases = limits.map((_, i) => `when ${column} >= ${date()} then ${i}`);
      const inner = openInvoices(asOf, customer, bindings);
      // Summed per customer id first, then joined to the few customers: no lookup per invoice.
      const sql = `select c.code as customer, c.name as name, x.currency, x.bucket, x.amount
        from (select o.customer_id, o.currency, o.bucket, sum(o.open) as amount
              from (select o.customer_id, o.currency, o.open, case ${cases.join(' ')} else ${limits.length} end as bucket
                    from (${inner}) o where o.open <> 0 ${fence}) o
              group by o.customer_id, o.currency, o.bucket) x
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
      // SQLite's CROSS JOIN keeps the open invoices outermost: each looks up its number by id.
      // Left to choose, it read the whole number index against a Bloom filter of the open ones
      // (1M invoices, one customer's 294: 119 -> 41 ms in a fresh process).
      const bindings: Knex.RawBinding[] = [];
      const inner = openInvoices(asOf, customer, bindings);
      const sql = `select i.number, c.code as customer, c.name, o.currency, o.issue_date, o.due_date, o.open
        from (${inner}) o
        ${pg ? 'join' : 'cross join'} invoices i on i.id = o.id
        join customers c on c.id = o.customer_id
        where o.open <> 0
        order by c.code, o.due_date, i.number`;
      // Streamed as arrays, each customer's code and name kept once: the reminders and alerts
      // hold every open invoice (1M invoices: 88,725), and knex's row objects with a copy of the
      // name each were most of a run's memory. The stream also reads with a smaller page cache.
      const customers = new Map<string, { code: string; name: string }>();
      const result: AgingInvoiceRow[] = [];
      for await (const batch of streamRows(q, sql, bindings, ([number, code, name, currency, issueDate, dueDate, open]) => {
        let customer = customers.get(code as string);
        if (customer === undefined) customers.set(code as string, customer = { code: String(code), name: String(name) });
        return {
          invoice: String(number),
          customer: customer.code,
          name: customer.name,
          currency: String(currency),
          issueDate: String(issueDate),
          dueDate: String(dueDate),
          open: readInteger(open),
        };
      })) {
        for (const invoice of batch) result.push(invoice);
      }
      return result;
    },
  };
}
