import type { Knex } from 'knex';
import type { ImportedInvoice, ImportedOrderContent, ImportedReceipt, ImportRepository } from '../../domain/store.js';
import { customerFromRow, customerToRow, type CustomerRow } from './customers.js';
import { productFromRow, type ProductRow } from './products.js';
import { rawRows } from './raw.js';
import { readInteger } from './rows.js';

/** Rows per INSERT statement: under SQLite's bound-parameter limit for the widest table. */
const INSERT_CHUNK = 500;
/** Keys per IN (…) lookup. */
const LOOKUP_CHUNK = 900;

async function inChunks<T>(keys: readonly string[], lookup: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(keys)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) out.push(...(await lookup(unique.slice(i, i + LOOKUP_CHUNK))));
  return out;
}

async function insertChunked(q: Knex, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await q(table).insert(rows.slice(i, i + INSERT_CHUNK));
}

/** Customer ids by code for a batch, in one query per chunk. */
async function customerIds(q: Knex, codes: readonly string[]): Promise<Map<string, number>> {
  const rows = await inChunks(codes, (chunk) => q('customers').select('id', 'code').whereIn('code', chunk) as Promise<{ id: number; code: string }[]>);
  return new Map(rows.map((r) => [r.code, readInteger(r.id)]));
}

function invoiceFromRow(r: Record<string, unknown>): ImportedInvoice {
  return {
    number: String(r.number),
    kind: r.kind === 'credit_note' ? 'credit_note' : 'invoice',
    customer: String(r.customer),
    issueDate: String(r.issue_date),
    dueDate: String(r.due_date),
    currency: String(r.currency),
    net: readInteger(r.net),
    tax: readInteger(r.tax),
    total: readInteger(r.total),
    externalRef: (r.external_ref as string | null) ?? null,
  };
}

function receiptFromRow(r: Record<string, unknown>): ImportedReceipt {
  return {
    number: String(r.number),
    customer: (r.customer as string | null) ?? null,
    date: String(r.receipt_date),
    currency: String(r.currency),
    amount: readInteger(r.amount),
    method: String(r.method),
    bankRef: String(r.bank_ref),
    memo: (r.memo as string | null) ?? null,
  };
}

export function importRepository(q: Knex): ImportRepository {
  const invoiceQuery = () =>
    q('invoices as i')
      .join('customers as c', 'c.id', 'i.customer_id')
      .select('i.number', 'i.kind', 'c.code as customer', 'i.issue_date', 'i.due_date', 'i.currency', 'i.net', 'i.tax', 'i.total', 'i.external_ref');

  return {
    async customersByCode(codes) {
      const rows = await inChunks(codes, (chunk) => q('customers').select('*').whereIn('code', chunk) as Promise<CustomerRow[]>);
      return new Map(rows.map((r) => [r.code, customerFromRow(r)]));
    },
    async customerCodesByName(names) {
      const rows = await inChunks(names, (chunk) => q('customers').select('code', 'name').whereIn('name', chunk) as Promise<{ code: string; name: string }[]>);
      const byName = new Map<string, string[]>();
      for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r.code]);
      return byName;
    },
    async insertCustomers(customers) {
      await insertChunked(q, 'customers', customers.map(customerToRow));
    },
    async productsBySku(skus) {
      const rows = await inChunks(skus, (chunk) => q('products').select('*').whereIn('sku', chunk) as Promise<ProductRow[]>);
      return new Map(rows.map((r) => [r.sku, productFromRow(r)]));
    },
    async insertProducts(products) {
      await insertChunked(q, 'products', products.map((p) => ({
        sku: p.sku, name: p.name, price: p.price.minor, currency: p.price.currency, unit: p.unit, tax_rate: p.taxRate,
        stocked: p.stocked, on_hand: 0, reserved: 0, created_at: p.createdAt,
      })));
    },
    async invoicesByNumber(numbers) {
      const rows = await inChunks(numbers, (chunk) => invoiceQuery().whereIn('i.number', chunk) as Promise<Record<string, unknown>[]>);
      return new Map(rows.map((r) => [String(r.number), invoiceFromRow(r)]));
    },
    async invoicesByExternalRef(refs) {
      const rows = await inChunks(refs, (chunk) => invoiceQuery().whereIn('i.external_ref', chunk) as Promise<Record<string, unknown>[]>);
      return new Map(rows.map((r) => [String(r.external_ref), invoiceFromRow(r)]));
    },
    async insertInvoices(invoices, at, by) {
      const ids = await customerIds(q, invoices.map((i) => i.customer));
      await insertChunked(q, 'invoices', invoices.map((i) => ({
        number: i.number, kind: i.kind, customer_id: ids.get(i.customer), order_id: null, credit_of: null,
        issue_date: i.issueDate, due_date: i.dueDate, currency: i.currency, net: i.net, tax: i.tax, total: i.total,
        tax_inclusive: false, reason: null, restocked: false, external_ref: i.externalRef, created_at: at, created_by: by,
      })));
    },
    async receiptsByBankRef(refs) {
      const rows = await inChunks(refs, (chunk) =>
        q('receipts as r').leftJoin('customers as c', 'c.id', 'r.customer_id')
          .select('r.number', 'c.code as customer', 'r.receipt_date', 'r.currency', 'r.amount', 'r.method', 'r.bank_ref', 'r.memo')
          .whereIn('r.bank_ref', chunk) as Promise<Record<string, unknown>[]>);
      return new Map(rows.map((r) => [String(r.bank_ref), receiptFromRow(r)]));
    },
    async insertReceipts(receipts, at, by) {
      const ids = await customerIds(q, receipts.map((r) => r.customer).filter((c): c is string => c !== null));
      await insertChunked(q, 'receipts', receipts.map((r) => ({
        number: r.number, customer_id: r.customer === null ? null : ids.get(r.customer), receipt_date: r.date, currency: r.currency,
        amount: r.amount, method: r.method, bank_ref: r.bankRef, memo: r.memo, created_at: at, created_by: by,
      })));
      const reversed = receipts.filter((r) => r.reversedOn);
      if (reversed.length > 0) {
        const rows: { id: number; number: string }[] = await q('receipts').select('id', 'number').whereIn('number', reversed.map((r) => r.number));
        const id = new Map(rows.map((r) => [r.number, readInteger(r.id)]));
        await insertChunked(q, 'receipt_reversals', reversed.map((r) => ({
          receipt_id: id.get(r.number), reversal_date: r.reversedOn, reason: 'reversed before import', created_at: at, created_by: by,
        })));
      }
    },
    async raiseNumbers(series, year, last) {
      await q('number_series').insert({ series, year, last: 0 }).onConflict(['series', 'year']).ignore();
      await q('number_series').where({ series, year }).andWhere('last', '<', last).update({ last });
    },
    async ordersByNumber(numbers) {
      const rows = await inChunks(numbers, (chunk) =>
        q('orders as o').join('customers as c', 'c.id', 'o.customer_id').join('order_lines as l', 'l.order_id', 'o.id').join('products as p', 'p.id', 'l.product_id')
          .select('o.number', 'c.code as customer', 'o.order_date', 'p.sku', 'l.quantity', 'l.unit_price')
          .whereIn('o.number', chunk).orderBy(['o.number', 'l.line_no']) as Promise<Record<string, unknown>[]>);
      const orders = new Map<string, { customer: string; date: string; lines: { sku: string; quantity: number; unitPrice: number }[] }>();
      for (const r of rows) {
        const number = String(r.number);
        let order = orders.get(number);
        if (!order) {
          const date = r.order_date instanceof Date ? r.order_date.toISOString().slice(0, 10) : String(r.order_date);
          orders.set(number, (order = { customer: String(r.customer), date, lines: [] }));
        }
        order.lines.push({ sku: String(r.sku), quantity: readInteger(r.quantity), unitPrice: readInteger(r.unit_price) });
      }
      return orders as Map<string, ImportedOrderContent>;
    },
    async insertOrders(orders) {
      if (orders.length === 0) return;
      const customers = await customerIds(q, orders.map((o) => o.customer));
      await insertChunked(q, 'orders', orders.map((o) => ({
        number: o.number, customer_id: customers.get(o.customer), order_date: o.date, currency: o.currency, state: o.state, reference: o.reference,
        tax_inclusive: o.taxInclusive, net: o.net.minor, tax: o.tax.minor, total: o.total.minor, created_at: o.createdAt, created_by: o.createdBy,
        approved_at: o.approvedAt, approved_by: o.approvedBy, override_reason: o.overrideReason, cancelled_at: o.cancelledAt, cancel_reason: o.cancelReason,
      })));
      const ids = new Map((await inChunks(orders.map((o) => o.number), (chunk) => q('orders').select('id', 'number').whereIn('number', chunk) as Promise<{ id: unknown; number: string }[]>))
        .map((r) => [r.number, readInteger(r.id)]));
      const products = new Map((await inChunks(orders.flatMap((o) => o.lines.map((l) => l.sku)), (chunk) => q('products').select('id', 'sku').whereIn('sku', chunk) as Promise<{ id: unknown; sku: string }[]>))
        .map((r) => [r.sku, readInteger(r.id)]));
      await insertChunked(q, 'order_lines', orders.flatMap((o) => o.lines.map((l) => ({
        order_id: ids.get(o.number), line_no: l.lineNo, product_id: products.get(l.sku), quantity: l.quantity, unit_price: l.unitPrice.minor,
        tax_rate: l.taxRate, net: l.net.minor, tax: l.tax.minor, shipped: l.shipped, invoiced: l.invoiced, reserved: l.reserved, returned: l.returned,
      }))));
    },
    async savepoint(work) {
      await q.raw('savepoint owed_import');
      try {
        const result = await work();
        await q.raw('release savepoint owed_import');
        return result;
      } catch (error) {
        await q.raw('rollback to savepoint owed_import');
        await q.raw('release savepoint owed_import');
        throw error;
      }
    },
    async reserveNumbers(series, year, count) {
      await q('number_series').insert({ series, year, last: 0 }).onConflict(['series', 'year']).ignore();
      const rows = await rawRows<{ last: unknown }>(q, 'update number_series set last = last + ? where series = ? and year = ? returning last', [count, series, year]);
      return readInteger(rows[0]!.last) - count + 1;
    },
  };
}
