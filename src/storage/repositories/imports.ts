import type { Knex } from 'knex';
import type { Product } from '../../domain/products/product.js';
import type { Order } from '../../domain/sales/order.js';
import type { Found, ImportedInvoice, ImportedOrderContent, ImportedReceipt, ImportRepository } from '../../domain/store.js';
import { customerFromRow, customerToRow, type CustomerRow } from './customers.js';
import { deferDerivations, type DeferredDerivations } from '../bulk/deferred-derivations.js';
import { importDriver, type ImportDriver } from './import-driver.js';
import { productFromRow, type ProductRow } from './products.js';
import { rawRows } from './raw.js';
import { readInteger } from './rows.js';

const CUSTOMER_COLUMNS = ['id', 'code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment', 'birthday', 'address', 'language', 'on_hold', 'created_at', 'updated_at'];
const PRODUCT_COLUMNS = ['id', 'sku', 'name', 'price', 'currency', 'unit', 'tax_rate', 'stocked', 'on_hand', 'reserved', 'created_at'];
// order_id, credit_of and reason stay null and restocked false for imported documents: left to their defaults.
const INVOICE_COLUMNS = ['id', 'number', 'kind', 'customer_id', 'issue_date', 'due_date', 'currency', 'net', 'tax', 'total', 'tax_inclusive', 'external_ref', 'created_at', 'created_by'];
const RECEIPT_COLUMNS = ['id', 'number', 'customer_id', 'receipt_date', 'currency', 'amount', 'method', 'bank_ref', 'memo', 'created_at', 'created_by'];
const REVERSAL_COLUMNS = ['receipt_id', 'reversal_date', 'reason', 'created_at', 'created_by'];
const ORDER_COLUMNS = ['id', 'number', 'customer_id', 'order_date', 'currency', 'state', 'reference', 'tax_inclusive', 'net', 'tax', 'total', 'created_at', 'created_by', 'approved_at', 'approved_by', 'override_reason', 'cancelled_at', 'cancel_reason'];
const ORDER_LINE_COLUMNS = ['order_id', 'line_no', 'product_id', 'quantity', 'unit_price', 'tax_rate', 'net', 'tax', 'shipped', 'invoiced', 'reserved', 'returned'];

const unique = (keys: readonly string[]): string[] => [...new Set(keys)];
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

function invoiceFromRow(r: Record<string, unknown>): Found<ImportedInvoice> {
  return {
    id: readInteger(r.id),
    number: String(r.number),
    kind: r.kind === 'credit_note' ? 'credit_note' : 'invoice',
    customer: String(r.customer),
    issueDate: String(r.issue_date),
    dueDate: String(r.due_date),
    currency: String(r.currency),
    net: readInteger(r.net),
    tax: readInteger(r.tax),
    total: readInteger(r.total),
    externalRef: text(r.external_ref),
  };
}

function receiptFromRow(r: Record<string, unknown>): Found<ImportedReceipt> {
  return {
    id: readInteger(r.id),
    number: String(r.number),
    customer: text(r.customer),
    date: String(r.receipt_date),
    currency: String(r.currency),
    amount: readInteger(r.amount),
    method: String(r.method),
    bankRef: String(r.bank_ref),
    memo: text(r.memo),
  };
}

/**
 * The import's bulk paths (docs/IMPORT.md, "Speed"): every lookup is one statement per batch of
 * keys and every write a few multi-row INSERTs, through the driver (import-driver.ts). Rows get
 * their ids here, so children (reversals, order lines) need no lookup and the import knows which
 * book rows it wrote.
 */
export function importRepository(q: Knex): ImportRepository {
  let driver: ImportDriver | undefined;
  const db = (): ImportDriver => (driver ??= importDriver(q));
  /** Customer ids by code, for the documents of this import: at most one lookup per code. */
  const customerIds = new Map<string, number>();
  let deferred: DeferredDerivations | undefined;
  /** Once deferred, the documents' tables have no insert triggers: rows go in one by one (InsertOptions). */
  const documentRows = () => ({ oneRowPerStatement: deferred !== undefined });

  async function idsOf(codes: readonly (string | null)[]): Promise<Map<string, number>> {
    const missing = new Set<string>();
    for (const c of codes) if (c !== null && !customerIds.has(c)) missing.add(c);
    if (missing.size > 0) {
      const rows = await db().rows<{ id: unknown; code: string }>(`select id, code from customers where ${db().inKeys('code')}`, [db().keys([...missing])]);
      for (const r of rows) customerIds.set(r.code, readInteger(r.id));
    }
    return customerIds;
  }

  const invoiceSelect = () => `select i.id, i.number, i.kind, c.code as customer, i.issue_date, i.due_date, i.currency, i.net, i.tax, i.total, i.external_ref
    from invoices i join customers c on c.id = i.customer_id where `;

  return {
    async customersByCode(codes) {
      if (codes.length === 0) return new Map();
      const rows = await db().rows<CustomerRow & { id: unknown }>(`select ${CUSTOMER_COLUMNS.join(', ')} from customers where ${db().inKeys('code')}`, [db().keys(unique(codes))]);
      return new Map(rows.map((r) => [r.code, { ...customerFromRow(r), id: readInteger(r.id) }]));
    },
    async customerCodesByName(names) {
      if (names.length === 0) return new Map();
      const rows = await db().rows<{ code: string; name: string }>(`select code, name from customers where ${db().inKeys('name')} order by code`, [db().keys(unique(names))]);
      const byName = new Map<string, string[]>();
      for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r.code]);
      return byName;
    },
    async insertCustomers(customers) {
      const ids = await db().nextIds('customers', customers.length);
      await db().insert('customers', CUSTOMER_COLUMNS, customers.map((c, i) => {
        const row = customerToRow(c);
        return [ids[i], ...CUSTOMER_COLUMNS.slice(1).map((k) => (k === 'on_hold' ? db().bool(Boolean(row[k])) : row[k]))];
      }));
      return ids;
    },
    async productsBySku(skus) {
      if (skus.length === 0) return new Map();
      const rows = await db().rows<ProductRow>(`select ${PRODUCT_COLUMNS.join(', ')} from products where ${db().inKeys('sku')}`, [db().keys(unique(skus))]);
      return new Map(rows.map((r) => [r.sku, { ...productFromRow(r), id: readInteger(r.id) }]));
    },
    async insertProducts(products: readonly Product[]) {
      const ids = await db().nextIds('products', products.length);
      await db().insert('products', PRODUCT_COLUMNS, products.map((p, i) => [
        ids[i], p.sku, p.name, p.price.minor, p.price.currency, p.unit, p.taxRate, db().bool(p.stocked), 0, 0, p.createdAt,
      ]));
      return ids;
    },
    // The keys of an import's batch are unique already, and a repeated key would match the same
    // rows: no Set of 2,000 keys per batch.
    async invoicesByNumber(numbers) {
      if (numbers.length === 0) return new Map();
      const rows = await db().rows<Record<string, unknown>>(`${invoiceSelect()}${db().inKeys('i.number')}`, [db().keys(numbers)]);
      return new Map(rows.map((r) => [String(r.number), invoiceFromRow(r)]));
    },
    async invoicesByExternalRef(refs) {
      if (refs.length === 0) return new Map();
      const rows = await db().rows<Record<string, unknown>>(`${invoiceSelect()}${db().inKeys('i.external_ref')}`, [db().keys(refs)]);
      return new Map(rows.map((r) => [String(r.external_ref), invoiceFromRow(r)]));
    },
    async insertInvoices(invoices, at, by) {
      const customers = await idsOf(invoices.map((i) => i.customer));
      const ids = await db().nextIds('invoices', invoices.length);
      const no = db().bool(false);
      await db().insert('invoices', INVOICE_COLUMNS, invoices.map((i, k) => [
        ids[k], i.number, i.kind, customers.get(i.customer), i.issueDate, i.dueDate, i.currency, i.net, i.tax, i.total, no, i.externalRef, at, by,
      ]), documentRows());
      return ids;
    },
    async receiptsByBankRef(refs) {
      if (refs.length === 0) return new Map();
      const rows = await db().rows<Record<string, unknown>>(
        `select r.id, r.number, c.code as customer, r.receipt_date, r.currency, r.amount, r.method, r.bank_ref, r.memo
         from receipts r left join customers c on c.id = r.customer_id where ${db().inKeys('r.bank_ref')}`,
        [db().keys(refs)],
      );
      return new Map(rows.map((r) => [String(r.bank_ref), receiptFromRow(r)]));
    },
    async insertReceipts(receipts, at, by) {
      const customers = await idsOf(receipts.map((r) => r.customer));
      const ids = await db().nextIds('receipts', receipts.length);
      await db().insert('receipts', RECEIPT_COLUMNS, receipts.map((r, k) => [
        ids[k], r.number, r.customer === null ? null : customers.get(r.customer), r.date, r.currency, r.amount, r.method, r.bankRef, r.memo, at, by,
      ]), documentRows());
      const reversed: unknown[][] = [];
      receipts.forEach((r, k) => {
        if (r.reversedOn) reversed.push([ids[k], r.reversedOn, 'reversed before import', at, by]);
      });
      await db().insert('receipt_reversals', REVERSAL_COLUMNS, reversed, documentRows());
      return ids;
    },
    async raiseNumbers(series, year, last) {
      await q('number_series').insert({ series, year, last: 0 }).onConflict(['series', 'year']).ignore();
      await q('number_series').where({ series, year }).andWhere('last', '<', last).update({ last });
    },
    async reserveNumbers(series, year, count) {
      await q('number_series').insert({ series, year, last: 0 }).onConflict(['series', 'year']).ignore();
      const rows = await rawRows<{ last: unknown }>(q, 'update number_series set last = last + ? where series = ? and year = ? returning last', [count, series, year]);
      return readInteger(rows[0]!.last) - count + 1;
    },
    async ordersByNumber(numbers) {
      if (numbers.length === 0) return new Map();
      const rows = await db().rows<Record<string, unknown>>(
        `select o.id, o.number, c.code as customer, o.order_date, p.sku, l.quantity, l.unit_price
         from orders o join customers c on c.id = o.customer_id join order_lines l on l.order_id = o.id join products p on p.id = l.product_id
         where ${db().inKeys('o.number')} order by o.number, l.line_no`,
        [db().keys(unique(numbers))],
      );
      const orders = new Map<string, Found<ImportedOrderContent> & { lines: { sku: string; quantity: number; unitPrice: number }[] }>();
      for (const r of rows) {
        const number = String(r.number);
        let order = orders.get(number);
        if (!order) orders.set(number, (order = { id: readInteger(r.id), customer: String(r.customer), date: String(r.order_date), lines: [] }));
        order.lines.push({ sku: String(r.sku), quantity: readInteger(r.quantity), unitPrice: readInteger(r.unit_price) });
      }
      return orders;
    },
    async insertOrders(orders: readonly Order[]) {
      if (orders.length === 0) return [];
      const customers = await idsOf(orders.map((o) => o.customer));
      const ids = await db().nextIds('orders', orders.length);
      await db().insert('orders', ORDER_COLUMNS, orders.map((o, k) => [
        ids[k], o.number, customers.get(o.customer), o.date, o.currency, o.state, o.reference, db().bool(o.taxInclusive), o.net.minor, o.tax.minor, o.total.minor,
        o.createdAt, o.createdBy, o.approvedAt, o.approvedBy, o.overrideReason, o.cancelledAt, o.cancelReason,
      ]));
      const skus = unique(orders.flatMap((o) => o.lines.map((l) => l.sku)));
      const products = new Map((await db().rows<{ id: unknown; sku: string }>(`select id, sku from products where ${db().inKeys('sku')}`, [db().keys(skus)]))
        .map((r) => [r.sku, readInteger(r.id)]));
      await db().insert('order_lines', ORDER_LINE_COLUMNS, orders.flatMap((o, k) => o.lines.map((l) => [
        ids[k], l.lineNo, products.get(l.sku), l.quantity, l.unitPrice.minor, l.taxRate, l.net.minor, l.tax.minor, l.shipped, l.invoiced, l.reserved, l.returned,
      ])));
      return ids;
    },
    async documentsIn(table) {
      const [row] = await db().rows<{ id: unknown }>(`select coalesce(max(id), 0) as id from "${table}"`, []);
      return readInteger(row!.id);
    },
    async deferDerived(table) {
      if (deferred) return false;
      deferred = await deferDerivations(q, table);
      return true;
    },
    async completeDeferred() {
      const pending = deferred;
      deferred = undefined;
      await pending?.complete();
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
  };
}

