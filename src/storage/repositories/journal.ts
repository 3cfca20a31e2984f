import type { Knex } from 'knex';
import { DOCUMENT_KINDS, type DocumentTotal, type JournalDocument, type JournalDocumentKind, type JournalScope } from '../../domain/journal/transactions.js';
import type { JournalQueries } from '../../domain/store.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';
import { streamRows } from './stream.js';

/**
 * Every document that moves money between accounts, as one UNION ALL: invoices and credit notes,
 * receipts, receipt reversals, write-offs, and tolerance adjustments (allocations of kind
 * 'adjustment'). `rank` is the kind's place in DOCUMENT_KINDS, which is also the order of
 * documents on one day. A receipt is journalled against its customer as of now: cash attached to
 * a customer after the fact is shown as that customer's from its receipt date, as aging does.
 * Customers are joined in JavaScript from one read of the customers table: a lookup per document
 * in SQL would also carry their names through the sort.
 */
function documentsUnion(pg: boolean): string {
  const text = (n: number) => (pg ? `cast(null as varchar(${n}))` : 'null');
  return `
    select case when i.kind = 'invoice' then 0 else 1 end as rank, i.issue_date as date, i.id as seq,
           i.number as number, i.customer_id as customer_id, i.currency as currency, i.total as amount, i.tax as tax,
           ${text(16)} as method, o.number as reference
      from invoices i left join invoices o on o.id = i.credit_of
    union all
    select 2, r.receipt_date, r.id, r.number, r.customer_id, r.currency, r.amount, 0, r.method, r.bank_ref
      from receipts r
    union all
    select 3, v.reversal_date, v.id, r.number, r.customer_id, r.currency, r.amount, 0, r.method, v.reason
      from receipt_reversals v join receipts r on r.id = v.receipt_id
    union all
    select 4, w.write_off_date, w.id, w.number, i.customer_id, i.currency, w.amount, 0, ${text(16)}, i.number
      from write_offs w join invoices i on i.id = w.invoice_id
    union all
    select 5, a.date, a.id, i.number, i.customer_id, i.currency, a.amount, 0, ${text(16)}, r.number
      from allocations a join invoices i on i.id = a.invoice_id left join receipts r on r.id = a.source_id
     where a.source_kind = 'adjustment'`;
}

interface Customer {
  readonly code: string;
  readonly name: string;
}

export function journalQueries(q: Knex): JournalQueries {
  const pg = isPostgres(q);
  const date = (placeholder = '?') => (pg ? `cast(${placeholder} as date)` : placeholder);
  const dateText = (value: unknown): string => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value));
  const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
  const cashOrBank = (column: string) => `case when ${column} is null then null when ${column} = 'cash' then 'cash' else 'bank' end`;

  /** ` and COLUMN >= from and COLUMN <= to` for the open ends given, its bindings pushed in text order. */
  function within(column: string, from: string | null, to: string | null, bindings: Knex.RawBinding[]): string {
    let sql = '';
    if (from !== null) {
      sql += ` and ${column} >= ${date()}`;
      bindings.push(from);
    }
    if (to !== null) {
      sql += ` and ${column} <= ${date()}`;
      bindings.push(to);
    }
    return sql;
  }

  async function customers(): Promise<Map<number, Customer>> {
    const rows = await rawRows<Record<string, unknown>>(q, 'select id, code, name from customers');
    return new Map(rows.map((r) => [readInteger(r.id), { code: String(r.code), name: String(r.name) }]));
  }

  return {
    async *documents(from, to) {
      const byId = await customers();
      const bindings: Knex.RawBinding[] = [];
      const where = within('d.date', from, to, bindings);
      const sql = `select d.rank, d.date, d.seq, d.number, d.customer_id, d.currency, d.amount, d.tax, d.method, d.reference
        from (${documentsUnion(pg)}) d
        where 1 = 1${where}
        order by d.date, d.rank, d.seq`;
      yield* streamRows(q, sql, bindings, (r): JournalDocument => {
        const kind = DOCUMENT_KINDS[r[0] as number]!;
        const customer = r[4] === null ? undefined : byId.get(readInteger(r[4]));
        return {
          kind,
          date: dateText(r[1]),
          number: String(r[3]),
          seq: kind === 'adjustment' ? readInteger(r[2]) : null,
          customer: customer?.code ?? null,
          customerName: customer?.name ?? null,
          currency: String(r[5]),
          amount: readInteger(r[6]),
          tax: readInteger(r[7]),
          method: textOrNull(r[8]),
          reference: textOrNull(r[9]),
        };
      });
    },

    async totals(from, to) {
      const bindings: Knex.RawBinding[] = [];
      const where = within('d.date', from, to, bindings);
      // Grouped by customer id, then named: the sort carries integers, not codes.
      const sql = `select t.rank, c.code as customer, t.currency, t.method, t.amount, t.tax, t.first
        from (select d.rank, d.customer_id, d.currency, ${cashOrBank('d.method')} as method,
                     sum(d.amount) as amount, sum(d.tax) as tax, min(d.date) as first
                from (${documentsUnion(pg)}) d
               where 1 = 1${where}
               group by d.rank, d.customer_id, d.currency, ${cashOrBank('d.method')}) t
        left join customers c on c.id = t.customer_id
        order by t.currency, t.rank, c.code`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, bindings);
      return rows.map((r): DocumentTotal => ({
        kind: DOCUMENT_KINDS[readInteger(r.rank)]!,
        customer: textOrNull(r.customer),
        currency: String(r.currency),
        method: textOrNull(r.method),
        amount: readInteger(r.amount),
        tax: readInteger(r.tax),
        first: dateText(r.first),
      }));
    },

    async scope(from, to) {
      // Customers: two index probes each (customer_id, date) rather than a pass over every document.
      const b: Knex.RawBinding[] = [];
      const customerSql = `select c.code from customers c
         where exists (select 1 from invoices i where i.customer_id = c.id${within('i.issue_date', from, to, b)})
            or exists (select 1 from receipts r where r.customer_id = c.id${within('r.receipt_date', from, to, b)})
        union
        select c.code from receipt_reversals v join receipts r on r.id = v.receipt_id join customers c on c.id = r.customer_id
         where 1 = 1${within('v.reversal_date', from, to, b)}
        union
        select c.code from write_offs w join invoices i on i.id = w.invoice_id join customers c on c.id = i.customer_id
         where 1 = 1${within('w.write_off_date', from, to, b)}
        union
        select c.code from allocations a join invoices i on i.id = a.invoice_id join customers c on c.id = i.customer_id
         where a.source_kind = 'adjustment'${within('a.date', from, to, b)}`;
      const codes = await rawRows<Record<string, unknown>>(q, customerSql, b);

      // Kinds, cash accounts, payer known or not, currencies: DISTINCT over small keys (SQLite keeps
      // only the distinct rows; GROUP BY would sort every document), and the earliest date apart.
      // SQLite reads invoices and receipts in table order: the kind index would mean a lookup per row.
      const scan = pg ? '' : ' not indexed';
      const none = pg ? 'cast(null as varchar(4))' : 'null';
      const payer = (column: string) => `case when ${column} is null then 0 else 1 end`;
      const k: Knex.RawBinding[] = [];
      const kindSql = `select distinct case when i.kind = 'invoice' then 0 else 1 end as rank, ${none} as method, 1 as identified, i.currency
          from invoices i${scan} where 1 = 1${within('i.issue_date', from, to, k)}
        union
        select distinct 2, ${cashOrBank('r.method')}, ${payer('r.customer_id')}, r.currency
          from receipts r${scan} where 1 = 1${within('r.receipt_date', from, to, k)}
        union
        select distinct 3, ${cashOrBank('r.method')}, ${payer('r.customer_id')}, r.currency
          from receipt_reversals v join receipts r on r.id = v.receipt_id where 1 = 1${within('v.reversal_date', from, to, k)}
        union
        select distinct 4, ${none}, 1, i.currency
          from write_offs w join invoices i on i.id = w.invoice_id where 1 = 1${within('w.write_off_date', from, to, k)}
        union
        select distinct 5, ${none}, 1, i.currency
          from allocations a join invoices i on i.id = a.invoice_id where a.source_kind = 'adjustment'${within('a.date', from, to, k)}`;
      const kinds = await rawRows<Record<string, unknown>>(q, kindSql, k);
      const f: Knex.RawBinding[] = [];
      const firstSql = `select min(d) as first from (
          select min(issue_date) as d from invoices${scan} where 1 = 1${within('issue_date', from, to, f)}
          union all select min(receipt_date) from receipts${scan} where 1 = 1${within('receipt_date', from, to, f)}
          union all select min(reversal_date) from receipt_reversals where 1 = 1${within('reversal_date', from, to, f)}
          union all select min(write_off_date) from write_offs where 1 = 1${within('write_off_date', from, to, f)}
          union all select min(date) from allocations where source_kind = 'adjustment'${within('date', from, to, f)}) m`;
      const [first] = await rawRows<Record<string, unknown>>(q, firstSql, f);
      const scope: JournalScope = {
        customers: codes.map((r) => String(r.code)).sort(),
        kinds: kinds.map((r) => ({
          kind: DOCUMENT_KINDS[readInteger(r.rank)]! as JournalDocumentKind,
          method: textOrNull(r.method) as 'cash' | 'bank' | null,
          identified: readInteger(r.identified) === 1,
          currency: String(r.currency),
        })),
        firstDate: first?.first === null || first?.first === undefined ? null : dateText(first.first),
      };
      return scope;
    },
  };
}
