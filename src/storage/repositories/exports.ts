import type { Knex } from 'knex';
import type { ExportRecord } from '../../domain/journal/exports.js';
import { money } from '../../domain/money/index.js';
import type { ExportQueries } from '../../domain/store.js';
import { isPostgres } from './raw.js';
import { readBoolean, readInteger, readNullableInteger } from './rows.js';
import { streamQuery } from './stream.js';

/**
 * The book's records in the column sets of `owed import` (domain/journal/exports.ts): one
 * statement per set, in a stable order, streamed in batches (stream.ts) so that memory does not
 * grow with the book. Amounts leave as Money in the record's currency. Columns are read by
 * position, in the order of each select list.
 */
export function exportQueries(q: Knex): ExportQueries {
  const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
  const dateText = (value: unknown): string | null => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString().slice(0, 10) : String(value));

  /**
   * The table that drives a set: SQLite reads it in table order and sorts once. Without statistics
   * its planner walks an index on the join column instead and looks every row up (2-3× the time
   * for 1M invoices).
   */
  const driving = (table: string, alias: string): Knex.QueryBuilder =>
    isPostgres(q) ? q(`${table} as ${alias}`) : q.from(q.raw(`?? as ?? not indexed`, [table, alias]));

  function dated(query: Knex.QueryBuilder, column: string, from: string | null, to: string | null): Knex.QueryBuilder {
    if (from !== null) query.where(column, '>=', from);
    if (to !== null) query.where(column, '<=', to);
    return query;
  }

  return {
    customers() {
      const query = q('customers')
        .select('code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment', 'birthday', 'address')
        .orderBy('code');
      return streamQuery(q, query, (r): ExportRecord => ({
        code: String(r[0]),
        name: String(r[1]),
        email: text(r[2]),
        phone: text(r[3]),
        tax_id: text(r[4]),
        currency: String(r[5]),
        terms: String(r[6]),
        credit_limit: r[7] === null || r[7] === undefined ? null : money(readInteger(r[7]), String(r[5])),
        segment: text(r[8]),
        birthday: text(r[9]),
        address: text(r[10]),
      }));
    },

    products() {
      const query = q('products')
        .select('sku', 'name', 'price', 'currency', 'unit', 'tax_rate', 'stocked', 'on_hand')
        .orderBy('sku');
      return streamQuery(q, query, (r): ExportRecord => ({
        sku: String(r[0]),
        name: String(r[1]),
        price: money(readInteger(r[2]), String(r[3])),
        unit: String(r[4]),
        tax_rate: String(r[5]),
        stock: readBoolean(r[6]) ? readInteger(r[7]) : null,
      }));
    },

    orderLines(from, to) {
      const query = driving('order_lines', 'l')
        .join('orders as o', 'o.id', 'l.order_id')
        .join('customers as c', 'c.id', 'o.customer_id')
        .join('products as p', 'p.id', 'l.product_id')
        .select('o.number', 'c.code as customer', 'o.order_date', 'p.sku', 'l.quantity', 'l.unit_price', 'o.currency', 'o.state')
        .orderBy([{ column: 'o.order_date' }, { column: 'o.number' }, { column: 'l.line_no' }]);
      return streamQuery(q, dated(query, 'o.order_date', from, to), (r): ExportRecord => ({
        order_ref: String(r[0]),
        customer: String(r[1]),
        date: dateText(r[2]),
        sku: String(r[3]),
        qty: readInteger(r[4]),
        price: money(readInteger(r[5]), String(r[6])),
        state: String(r[7]),
      }));
    },

    invoices(from, to) {
      const query = driving('invoices', 'i')
        .join('customers as c', 'c.id', 'i.customer_id')
        .leftJoin('orders as o', 'o.id', 'i.order_id')
        .select('i.number', 'c.code as customer', 'i.issue_date', 'i.total', 'i.due_date', 'i.currency', 'i.net', 'i.tax', 'o.number as order_number', 'i.external_ref', 'i.kind')
        .orderBy([{ column: 'i.issue_date' }, { column: 'i.number' }]);
      return streamQuery(q, dated(query, 'i.issue_date', from, to), (r): ExportRecord => {
        const currency = String(r[5]);
        return {
          number: String(r[0]),
          customer: String(r[1]),
          issue_date: dateText(r[2]),
          total: money(readInteger(r[3]), currency),
          due_date: dateText(r[4]),
          currency,
          net: money(readInteger(r[6]), currency),
          tax: money(readInteger(r[7]), currency),
          order: text(r[8]),
          external_ref: text(r[9]),
          kind: String(r[10]),
        };
      });
    },

    receipts(from, to) {
      const query = driving('receipts', 'r')
        .leftJoin('customers as c', 'c.id', 'r.customer_id')
        .leftJoin('receipt_reversals as v', 'v.receipt_id', 'r.id')
        .select('r.receipt_date', 'r.amount', 'c.code as customer', 'r.currency', 'r.number', 'r.memo', 'r.method', 'r.bank_ref', 'v.reversal_date')
        .orderBy([{ column: 'r.receipt_date' }, { column: 'r.number' }]);
      return streamQuery(q, dated(query, 'r.receipt_date', from, to), (r): ExportRecord => ({
        date: dateText(r[0]),
        amount: money(readInteger(r[1]), String(r[3])),
        customer: text(r[2]),
        currency: String(r[3]),
        reference: String(r[4]),
        memo: text(r[5]),
        method: String(r[6]),
        bank_ref: text(r[7]),
        reversed_on: dateText(r[8]),
      }));
    },

    allocations(from, to) {
      const query = driving('allocations', 'a')
        .join('invoices as i', 'i.id', 'a.invoice_id')
        .leftJoin('receipts as r', function () {
          this.on('r.id', '=', 'a.source_id').andOnIn('a.source_kind', ['receipt', 'adjustment']);
        })
        .leftJoin('invoices as n', function () {
          this.on('n.id', '=', 'a.source_id').andOnVal('a.source_kind', '=', 'credit_note');
        })
        .leftJoin('write_offs as w', function () {
          this.on('w.id', '=', 'a.source_id').andOnVal('a.source_kind', '=', 'write_off');
        })
        .select('a.id', 'a.date', 'i.number as invoice', 'a.source_kind', 'r.number as receipt', 'n.number as credit_note', 'w.number as write_off', 'a.amount', 'i.currency', 'a.batch', 'a.rule')
        .orderBy([{ column: 'a.date' }, { column: 'a.id' }]);
      return streamQuery(q, dated(query, 'a.date', from, to), (r): ExportRecord => ({
        id: readNullableInteger(r[0]),
        date: dateText(r[1]),
        invoice: String(r[2]),
        source_kind: String(r[3]),
        source: text(r[4] ?? r[5] ?? r[6]),
        amount: money(readInteger(r[7]), String(r[8])),
        currency: String(r[8]),
        batch: text(r[9]),
        rule: text(r[10]),
      }));
    },
  };
}
