import type { Actor } from '../actor.js';
import { compareDates, parseDate } from '../dates.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import { nextDocumentNumber } from '../numbering.js';
import type { Shipment, Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import { parseLineSpecs } from './line-spec.js';
import type { Order, OrderLine } from './order.js';

export interface ShipInput {
  /** SKU:QTY; none ships everything still to ship. */
  readonly lines: readonly string[];
  readonly date?: string;
}

export interface ShipResult {
  readonly shipment: Shipment;
  readonly order: Order;
}

/** Picks which order lines a request ships: SKU:QTY fills that SKU's lines in order. */
function plan(order: Order, requested: readonly { sku: string; quantity: number }[]): Map<number, number> {
  const plan = new Map<number, number>();
  if (requested.length === 0) {
    for (const line of order.lines) {
      const remaining = line.quantity - line.shipped;
      if (remaining > 0) plan.set(line.lineNo, remaining);
    }
    return plan;
  }
  for (const { sku, quantity } of requested) {
    const lines = order.lines.filter((l) => l.sku === sku);
    if (lines.length === 0) throw new RefusedError(`order ${order.number} has no line for ${sku}`, `its lines are ${[...new Set(order.lines.map((l) => l.sku))].join(', ')}`);
    let left = quantity;
    for (const line of lines) {
      const room = line.quantity - line.shipped - (plan.get(line.lineNo) ?? 0);
      const take = Math.min(room, left);
      if (take > 0) {
        plan.set(line.lineNo, (plan.get(line.lineNo) ?? 0) + take);
        left -= take;
      }
    }
    if (left > 0) {
      const ordered = lines.reduce((n, l) => n + l.quantity, 0);
      const shipped = lines.reduce((n, l) => n + l.shipped, 0);
      throw new RefusedError(`cannot ship ${quantity} of ${sku} on ${order.number}: ${ordered} ordered, ${shipped} already shipped, ${ordered - shipped} left`);
    }
  }
  return plan;
}

export async function shipOrder(store: Store, actor: Actor, number: string, input: ShipInput): Promise<ShipResult> {
  requirePermission(actor.user, actor.role, 'sales', 'ship orders');
  const problems = new Problems();
  const specs = parseLineSpecs(input.lines, '--line', problems);
  for (const spec of specs) if (spec.price !== undefined) problems.add('--line', `${spec.sku}:${spec.quantity}:${spec.price}`, 'a shipment line is SKU:QTY, without a price');
  const date = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, '--date'));
  problems.throwIfAny();

  const order = await store.orders.find(number);
  if (!order) throw new NotFoundError('order', number, 'list orders with: owed order list');
  if (order.state !== 'approved') {
    throw new RefusedError(`order ${number} is ${order.state}; only an approved order can ship`, order.state === 'draft' ? `approve it first: owed order approve ${number}` : undefined);
  }
  if (compareDates(date!, order.date) < 0) {
    throw new ValidationError({ field: '--date', value: date!, reason: `is before the order date ${order.date}` });
  }
  for (const spec of specs) {
    if (!(await store.products.find(spec.sku))) throw new NotFoundError('product', spec.sku, 'list products with: owed product list');
  }
  const quantities = plan(order, specs);
  if (quantities.size === 0) throw new RefusedError(`order ${number} is fully shipped; nothing left to ship`);

  const shipment: Shipment = {
    number: await nextDocumentNumber(store, 'SH', date!),
    order: number,
    date: date!,
    lines: [...quantities].map(([lineNo, quantity]) => ({ lineNo, quantity })),
  };
  for (const { lineNo, quantity } of shipment.lines) {
    const line = order.lines.find((l) => l.lineNo === lineNo) as OrderLine;
    let reserved = line.reserved;
    if (line.stocked) {
      const [level] = await store.stock.levels({ sku: line.sku });
      // Units reserved for other orders are theirs: shipping them here would strand those orders.
      const free = level!.onHand - (level!.reserved - line.reserved);
      if (quantity > free) {
        throw new RefusedError(
          `cannot ship ${quantity} of ${line.sku}: ${level!.onHand} on hand, ${level!.reserved - line.reserved} of them reserved for other orders`,
          'receive stock first: owed stock receive',
        );
      }
      const release = Math.min(reserved, quantity);
      if (release > 0) await store.stock.release(line.sku, release);
      reserved -= release;
      await store.stock.move({ sku: line.sku, date: date!, quantity: -quantity, kind: 'ship', reference: `${shipment.number}/${lineNo}`, reason: null }, actor.now);
    }
    await store.orders.setLineQuantities(number, lineNo, { shipped: line.shipped + quantity, reserved });
  }
  await store.orders.insertShipment(shipment, actor.now, actor.user);
  await store.audit.record({ entity: 'order', key: number, action: 'ship', detail: { shipment: shipment.number, lines: shipment.lines } });
  return { shipment, order: (await store.orders.find(number))! };
}
