import type { Actor } from '../actor.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import type { Order } from './order.js';

/** Cancelling releases every reservation; goods already out must come back (credit note with restock) first. */
export async function cancelOrder(store: Store, actor: Actor, number: string, reasonText: string | undefined): Promise<Order> {
  requirePermission(actor.user, actor.role, 'sales', 'cancel orders');
  const reason = reasonText?.trim() ?? '';
  if (reason === '') throw new ValidationError({ field: '--reason', reason: 'is required: say why the order is cancelled' });
  const order = await store.orders.find(number);
  if (!order) throw new NotFoundError('order', number, 'list orders with: owed order list');
  if (order.state === 'cancelled') throw new RefusedError(`order ${number} is already cancelled`);
  const out = order.lines.filter((l) => l.shipped - l.returned > 0);
  if (out.length > 0) {
    throw new RefusedError(
      `order ${number} has goods shipped and not returned (${out.map((l) => `${l.sku}: ${l.shipped - l.returned}`).join(', ')}); it cannot be cancelled`,
      'issue a credit note with --restock for the returned goods first',
    );
  }
  for (const line of order.lines) {
    if (line.reserved > 0) {
      await store.stock.release(line.sku, line.reserved);
      await store.orders.setLineQuantities(number, line.lineNo, { reserved: 0 });
    }
  }
  await store.orders.cancel(number, actor.now, reason);
  await store.audit.record({ entity: 'order', key: number, action: 'cancel', detail: { reason } });
  return (await store.orders.find(number))!;
}
