import type { Knex } from 'knex';
import type { JournalDocument, JournalDocumentKind, DocumentTotal } from '../../domain/journal/transactions.js';
import type { JournalQueries } from '../../domain/store.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger, readNullableInteger } from './rows.js';

/**
 * Every document that moves money between accounts, as one UNION ALL: invoices and credit notes,
 * receipts, receipt reversals, write-offs, and tolerance adjustments (allocations of kind
 * 'adjustment'). A receipt is journalled against its customer as of now: cash attached to a
 * customer after the fact is shown as that customer's from its receipt date, as aging does.
 */
function documentsUnion(pg: boolean): string {
  const text = (n: number) => (pg ? `cast(null as varchar(${n}))` : 'null');
  return `
    select i.kind as kind, i.issue_date as date, case when i.kind = 'invoice' then 0 else 1 end as rank, i.id as seq,
           i.number as number, i.customer_id as customer_id, i.currency as currency, i.total as amount, i.tax as tax,
           ${text(16)} as method, o.number as reference
      from invoices i left join invoices o on o.id = i.credit_of
    union all
    select 'receipt', r.receipt_date, 2, r.id, r.number, r.customer_id, r.currency, r.amount, 0, r.method, r.bank_ref
      from receipts r
    union all
    select 'receipt_reversal', v.reversal_date, 3, v.id, r.number, r.customer_id, r.currency, r.amount, 0, r.method, v.reason
      from receipt_reversals v join receipts r on r.id = v.receipt_id
    union all
    select 'write_off', w.write_off_date, 4, w.id, w.number, i.customer_id, i.currency, w.amount, 0, ${text(16)}, i.number
      from write_offs w join invoices i on i.id = w.invoice_id
    union all
    select 'adjustment', a.date, 5, a.id, i.number, i.customer_id, i.currency, a.amount, 0, ${text(16)}, r.number
      from allocations a join invoices i on i.id = a.invoice_id left join receipts r on r.id = a.source_id
     where a.source_kind = 'adjustment'`;
}

/** Rows per batch handed to the journal writer: memory stays flat whatever the size of the book. */
const BATCH = 5000;

interface SqliteConnection {
  prepare(sql: string): { iterate(...bindings: unknown[]): IterableIterator<Record<string, unknown>> };
}

export function journalQueries(q: Knex): JournalQueries {
  const pg = isPostgres(q);
  const date = (placeholder = '?') => (pg ? `cast(${placeholder} as date)` : placeholder);
  const dateText = (value: unknown): string => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value));
  const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

  function range(from: string | null, to: string | null): { where: string; bindings: Knex.RawBinding[] } {
    const where: string[] = [];
    const bindings: Knex.RawBinding[] = [];
    if (from !== null) {
      where.push(`d.date >= ${date()}`);
      bindings.push(from);
    }
    if (to !== null) {
      where.push(`d.date <= ${date()}`);
      bindings.push(to);
    }
    return { where: where.length > 0 ? `where ${where.join(' and ')}` : '', bindings };
  }

  const toDocument = (r: Record<string, unknown>): JournalDocument => ({
    kind: String(r.kind) as JournalDocumentKind,
    date: dateText(r.date),
    number: String(r.number),
    seq: String(r.kind) === 'adjustment' ? readNullableInteger(r.seq) : null,
    customer: textOrNull(r.customer),
    customerName: textOrNull(r.customer_name),
    currency: String(r.currency),
    amount: readInteger(r.amount),
    tax: readInteger(r.tax),
    method: textOrNull(r.method),
    reference: textOrNull(r.reference),
  });

  /**
   * One statement, read in batches: on PostgreSQL through a cursor of this transaction (one
   * snapshot), on SQLite by stepping the prepared statement on the connection that holds the
   * transaction. Nothing else may use the connection until the batches are read or abandoned.
   */
  async function* batches(sql: string, bindings: Knex.RawBinding[]): AsyncGenerator<JournalDocument[]> {
    if (pg) {
      await q.raw(`declare owed_journal no scroll cursor for ${sql}`, bindings);
      try {
        for (;;) {
          const rows = await rawRows<Record<string, unknown>>(q, `fetch forward ${BATCH} from owed_journal`);
          if (rows.length === 0) return;
          yield rows.map(toDocument);
        }
      } finally {
        await q.raw('close owed_journal').catch(() => undefined);
      }
    }
    const client = q.client as { acquireConnection(): Promise<SqliteConnection>; releaseConnection(c: SqliteConnection): Promise<void> };
    const conn = await client.acquireConnection();
    try {
      let batch: JournalDocument[] = [];
      for (const row of conn.prepare(sql).iterate(...bindings)) {
        batch.push(toDocument(row));
        if (batch.length === BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      await client.releaseConnection(conn);
    }
  }

  return {
    documents(from, to) {
      const { where, bindings } = range(from, to);
      const sql = `select d.kind, d.date, d.seq, d.number, c.code as customer, c.name as customer_name, d.currency,
                          d.amount, d.tax, d.method, d.reference
        from (${documentsUnion(pg)}) d left join customers c on c.id = d.customer_id
        ${where}
        order by d.date, d.rank, d.seq`;
      return batches(sql, bindings);
    },

    async totals(from, to) {
      const { where, bindings } = range(from, to);
      const method = "case when d.method is null then null when d.method = 'cash' then 'cash' else 'bank' end";
      const sql = `select d.kind, c.code as customer, d.currency, ${method} as method,
                          sum(d.amount) as amount, sum(d.tax) as tax, min(d.date) as first
        from (${documentsUnion(pg)}) d left join customers c on c.id = d.customer_id
        ${where}
        group by d.kind, c.code, d.currency, ${method}
        order by d.currency, d.kind, c.code`;
      const rows = await rawRows<Record<string, unknown>>(q, sql, bindings);
      return rows.map((r): DocumentTotal => ({
        kind: String(r.kind) as JournalDocumentKind,
        customer: textOrNull(r.customer),
        currency: String(r.currency),
        method: textOrNull(r.method),
        amount: readInteger(r.amount),
        tax: readInteger(r.tax),
        first: dateText(r.first),
      }));
    },
  };
}
