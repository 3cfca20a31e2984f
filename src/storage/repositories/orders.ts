import type { Knex } from 'knex';
import { NotFoundError } from '../../domain/errors.js';
import { money } from '../../domain/money/index.js';
import type { Order, OrderLine, OrderState } from '../../domain/sales/order.js';
import type { OrderFilter, OrderRepository } from '../../domain/store.js';
import { readBoolean, readInteger } from './rows.js';

interface OrderRow {
  id: number;
  number: string;
  customer_code: string;
  customer_name: string;
  order_date: string;
  currency: string;
  state: string;
  reference: string | null;
  tax_inclusive: unknown;
  net: unknown;
  tax: unknown;
  total: unknown;
  created_at: string;
  created_by: string;
  approved_at: string | null;
  approved_by: string | null;
  override_reason: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
}

interface LineRow {
  order_id: number;
  line_no: unknown;
  sku: string;
  product_name: string;
  stocked: unknown;
  quantity: unknown;
  unit_price: unknown;
  tax_rate: string;
  net: unknown;
  tax: unknown;
  shipped: unknown;
  invoiced: unknown;
  reserved: unknown;
  returned: unknown;
}

function lineFromRow(r: LineRow, currency: string): OrderLine {
  return {
    lineNo: readInteger(r.line_no),
    sku: r.sku,
    description: r.product_name,
    stocked: readBoolean(r.stocked),
    quantity: readInteger(r.quantity),
    unitPrice: money(readInteger(r.unit_price), currency),
    taxRate: r.tax_rate,
    net: money(readInteger(r.net), currency),
    tax: money(readInteger(r.tax), currency),
    shipped: readInteger(r.shipped),
    invoiced: readInteger(r.invoiced),
    reserved: readInteger(r.reserved),
    returned: readInteger(r.returned),
  };
}

function orderFromRow(r: OrderRow, lines: OrderLine[]): Order {
  return {
    number: r.number,
    customer: r.customer_code,
    customerName: r.customer_name,
    date: String(r.order_date),
    currency: r.currency,
    state: r.state as OrderState,
    reference: r.reference,
    taxInclusive: readBoolean(r.tax_inclusive),
    net: money(readInteger(r.net), r.currency),
    tax: money(readInteger(r.tax), r.currency),
    total: money(readInteger(r.total), r.currency),
    createdAt: r.created_at,
    createdBy: r.created_by,
    approvedAt: r.approved_at,
    approvedBy: r.approved_by,
    overrideReason: r.override_reason,
    cancelledAt: r.cancelled_at,
    cancelReason: r.cancel_reason,
    lines,
  };
}

const ORDER_COLUMNS = [
  'o.id', 'o.number', 'c.code as customer_code', 'c.name as customer_name', 'o.order_date', 'o.currency', 'o.state',
  'o.reference', 'o.tax_inclusive', 'o.net', 'o.tax', 'o.total', 'o.created_at', 'o.created_by', 'o.approved_at',
  'o.approved_by', 'o.override_reason', 'o.cancelled_at', 'o.cancel_reason',
];

const LINE_COLUMNS = [
  'l.order_id', 'l.line_no', 'p.sku', 'p.name as product_name', 'p.stocked', 'l.quantity', 'l.unit_price', 'l.tax_rate',
  'l.net', 'l.tax', 'l.shipped', 'l.invoiced', 'l.reserved', 'l.returned',
];

export function orderRepository(q: Knex): OrderRepository {
  async function withLines(rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const byOrder = new Map<number, LineRow[]>();
    const ids = rows.map((r) => r.id);
    // One query for the lines of every order listed; chunked to stay under bind-parameter limits.
    for (let i = 0; i < ids.length; i += 500) {
      const lines: LineRow[] = await q('order_lines as l')
        .join('products as p', 'p.id', 'l.product_id')
        .select(LINE_COLUMNS)
        .whereIn('l.order_id', ids.slice(i, i + 500))
        .orderBy(['l.order_id', 'l.line_no']);
      for (const line of lines) {
        const list = byOrder.get(line.order_id) ?? [];
        list.push(line);
        byOrder.set(line.order_id, list);
      }
    }
    return rows.map((r) => orderFromRow(r, (byOrder.get(r.id) ?? []).map((l) => lineFromRow(l, r.currency))));
  }

  async function orderId(number: string): Promise<number> {
    const row = await q('orders').select('id').where({ number }).first();
    if (!row) throw new NotFoundError('order', number);
    return readInteger(row.id);
  }

  return {
    async find(number) {
      const rows: OrderRow[] = await q('orders as o').join('customers as c', 'c.id', 'o.customer_id').select(ORDER_COLUMNS).where('o.number', number);
      const [order] = await withLines(rows);
      return order;
    },
    async list(filter: OrderFilter) {
      const query = q('orders as o').join('customers as c', 'c.id', 'o.customer_id').select(ORDER_COLUMNS).orderBy('o.number');
      if (filter.state !== undefined) query.where('o.state', filter.state);
      if (filter.customer !== undefined) query.where('c.code', filter.customer);
      return withLines(await query);
    },
    async insert(order) {
      const customer = await q('customers').select('id').where({ code: order.customer }).first();
      if (!customer) throw new NotFoundError('customer', order.customer);
      const [inserted] = await q('orders')
        .insert({
          number: order.number,
          customer_id: customer.id,
          order_date: order.date,
          currency: order.currency,
          state: order.state,
          reference: order.reference,
          tax_inclusive: order.taxInclusive,
          net: order.net.minor,
          tax: order.tax.minor,
          total: order.total.minor,
          created_at: order.createdAt,
          created_by: order.createdBy,
        })
        .returning('id');
      const id = readInteger(typeof inserted === 'object' ? (inserted as { id: unknown }).id : inserted);
      const products: { id: number; sku: string }[] = await q('products').select('id', 'sku').whereIn('sku', order.lines.map((l) => l.sku));
      const productId = new Map(products.map((p) => [p.sku, p.id]));
      await q('order_lines').insert(order.lines.map((l) => ({
        order_id: id,
        line_no: l.lineNo,
        product_id: productId.get(l.sku),
        quantity: l.quantity,
        unit_price: l.unitPrice.minor,
        tax_rate: l.taxRate,
        net: l.net.minor,
        tax: l.tax.minor,
        shipped: l.shipped,
        invoiced: l.invoiced,
        reserved: l.reserved,
        returned: l.returned,
      })));
    },
    async approve(number, at, by, overrideReason) {
      await q('orders').where({ number }).update({ state: 'approved', approved_at: at, approved_by: by, override_reason: overrideReason });
    },
    async cancel(number, at, reason) {
      await q('orders').where({ number }).update({ state: 'cancelled', cancelled_at: at, cancel_reason: reason });
    },
    async setLineQuantities(number, lineNo, quantities) {
      const id = await orderId(number);
      const changes: Record<string, number> = {};
      for (const [key, value] of Object.entries(quantities)) if (value !== undefined) changes[key] = value;
      await q('order_lines').where({ order_id: id, line_no: lineNo }).update(changes);
    },
    async insertShipment(shipment, at, by) {
      const id = await orderId(shipment.order);
      const [inserted] = await q('shipments')
        .insert({ number: shipment.number, order_id: id, ship_date: shipment.date, created_at: at, created_by: by })
        .returning('id');
      const shipmentId = readInteger(typeof inserted === 'object' ? (inserted as { id: unknown }).id : inserted);
      const lineIds: { id: number; line_no: unknown }[] = await q('order_lines').select('id', 'line_no').where({ order_id: id });
      const byNo = new Map(lineIds.map((l) => [readInteger(l.line_no), l.id]));
      await q('shipment_lines').insert(shipment.lines.map((l) => ({ shipment_id: shipmentId, order_line_id: byNo.get(l.lineNo), quantity: l.quantity })));
    },
  };
}
