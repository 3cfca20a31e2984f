import type { Knex } from 'knex';
import type { ExportRecord } from '../../domain/journal/exports.js';
import { money } from '../../domain/money/index.js';
import type { ExportQueries } from '../../domain/store.js';
import { readBoolean, readInteger, readNullableInteger } from './rows.js';

/**
 * The book's records in the column sets of `owed import` (domain/journal/exports.ts): one
 * statement per set, whatever its size, in a stable order. Amounts leave as Money in the
 * record's currency.
 */
export function exportQueries(q: Knex): ExportQueries {
  const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
  const dateText = (value: unknown): string | null => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString().slice(0, 10) : String(value));

  function dated(query: Knex.QueryBuilder, column: string, from: string | null, to: string | null): Knex.QueryBuilder {
    if (from !== null) query.where(column, '>=', from);
    if (to !== null) query.where(column, '<=', to);
    return query;
  }

  return {
    async customers() {
      const rows: Record<string, unknown>[] = await q('customers')
        .select('code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment', 'birthday', 'address')
        .orderBy('code');
      return rows.map((r): ExportRecord => ({
        code: String(r.code),
        name: String(r.name),
        email: text(r.email),
        phone: text(r.phone),
        tax_id: text(r.tax_id),
        currency: String(r.currency),
        terms: String(r.terms),
        credit_limit: r.credit_limit === null || r.credit_limit === undefined ? null : money(readInteger(r.credit_limit), String(r.currency)),
        segment: text(r.segment),
        birthday: text(r.birthday),
        address: text(r.address),
      }));
    },

    async products() {
      const rows: Record<string, unknown>[] = await q('products')
        .select('sku', 'name', 'price', 'currency', 'unit', 'tax_rate', 'stocked', 'on_hand')
        .orderBy('sku');
      return rows.map((r): ExportRecord => ({
        sku: String(r.sku),
        name: String(r.name),
        price: money(readInteger(r.price), String(r.currency)),
        unit: String(r.unit),
        tax_rate: String(r.tax_rate),
        stock: readBoolean(r.stocked) ? readInteger(r.on_hand) : null,
      }));
    },

    async orderLines(from, to) {
      const query = q('order_lines as l')
        .join('orders as o', 'o.id', 'l.order_id')
        .join('customers as c', 'c.id', 'o.customer_id')
        .join('products as p', 'p.id', 'l.product_id')
        .select('o.number', 'c.code as customer', 'o.order_date', 'p.sku', 'l.quantity', 'l.unit_price', 'o.currency', 'o.state')
        .orderBy([{ column: 'o.order_date' }, { column: 'o.number' }, { column: 'l.line_no' }]);
      const rows: Record<string, unknown>[] = await dated(query, 'o.order_date', from, to);
      return rows.map((r): ExportRecord => ({
        order_ref: String(r.number),
        customer: String(r.customer),
        date: dateText(r.order_date),
        sku: String(r.sku),
        qty: readInteger(r.quantity),
        price: money(readInteger(r.unit_price), String(r.currency)),
        state: String(r.state),
      }));
    },

    async invoices(from, to) {
      const query = q('invoices as i')
        .join('customers as c', 'c.id', 'i.customer_id')
        .leftJoin('orders as o', 'o.id', 'i.order_id')
        .select('i.number', 'c.code as customer', 'i.issue_date', 'i.total', 'i.due_date', 'i.currency', 'i.net', 'i.tax', 'o.number as order_number', 'i.external_ref', 'i.kind')
        .orderBy([{ column: 'i.issue_date' }, { column: 'i.number' }]);
      const rows: Record<string, unknown>[] = await dated(query, 'i.issue_date', from, to);
      return rows.map((r): ExportRecord => {
        const currency = String(r.currency);
        return {
          number: String(r.number),
          customer: String(r.customer),
          issue_date: dateText(r.issue_date),
          total: money(readInteger(r.total), currency),
          due_date: dateText(r.due_date),
          currency,
          net: money(readInteger(r.net), currency),
          tax: money(readInteger(r.tax), currency),
          order: text(r.order_number),
          external_ref: text(r.external_ref),
          kind: String(r.kind),
        };
      });
    },

    async receipts(from, to) {
      const query = q('receipts as r')
        .leftJoin('customers as c', 'c.id', 'r.customer_id')
        .leftJoin('receipt_reversals as v', 'v.receipt_id', 'r.id')
        .select('r.receipt_date', 'r.amount', 'c.code as customer', 'r.currency', 'r.number', 'r.memo', 'r.method', 'r.bank_ref', 'v.reversal_date')
        .orderBy([{ column: 'r.receipt_date' }, { column: 'r.number' }]);
      const rows: Record<string, unknown>[] = await dated(query, 'r.receipt_date', from, to);
      return rows.map((r): ExportRecord => ({
        date: dateText(r.receipt_date),
        amount: money(readInteger(r.amount), String(r.currency)),
        customer: text(r.customer),
        currency: String(r.currency),
        reference: String(r.number),
        memo: text(r.memo),
        method: String(r.method),
        bank_ref: text(r.bank_ref),
        reversed_on: dateText(r.reversal_date),
      }));
    },

    async allocations(from, to) {
      const query = q('allocations as a')
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
      const rows: Record<string, unknown>[] = await dated(query, 'a.date', from, to);
      return rows.map((r): ExportRecord => ({
        id: readNullableInteger(r.id),
        date: dateText(r.date),
        invoice: String(r.invoice),
        source_kind: String(r.source_kind),
        source: text(r.receipt ?? r.credit_note ?? r.write_off),
        amount: money(readInteger(r.amount), String(r.currency)),
        currency: String(r.currency),
        batch: text(r.batch),
        rule: text(r.rule),
      }));
    },
  };
}
