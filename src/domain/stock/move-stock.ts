import type { Actor } from '../actor.js';
import { parseDate } from '../dates.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import type { StockLevel } from '../products/product.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import { parseQuantity } from './quantity.js';
import type { StockMove } from './stock-move.js';

export interface StockReceiptInput {
  readonly sku: string;
  readonly quantity: string;
  readonly date?: string;
  readonly reference?: string;
}

export interface StockAdjustmentInput {
  readonly sku: string;
  readonly quantity: string;
  readonly reason?: string;
  readonly date?: string;
  readonly reference?: string;
}

export interface StockMoveResult {
  readonly level: StockLevel;
  /** True when the reference had already been recorded with the same content: nothing changed. */
  readonly replayed: boolean;
}

export async function receiveStock(store: Store, actor: Actor, input: StockReceiptInput): Promise<StockMoveResult> {
  requirePermission(actor.user, actor.role, 'stock', 'receive stock');
  const problems = new Problems();
  const quantity = problems.check(() => parseQuantity(input.quantity, 'quantity', { signed: false }));
  const date = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, 'date'));
  problems.throwIfAny();
  return recordMove(store, actor, {
    sku: input.sku,
    date: date!,
    quantity: quantity!,
    kind: 'receive',
    reference: input.reference?.trim() || null,
    reason: null,
  });
}

export async function adjustStock(store: Store, actor: Actor, input: StockAdjustmentInput): Promise<StockMoveResult> {
  requirePermission(actor.user, actor.role, 'stock', 'adjust stock');
  const problems = new Problems();
  const quantity = problems.check(() => parseQuantity(input.quantity, 'quantity', { signed: true }));
  const date = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, 'date'));
  const reason = input.reason?.trim() ?? '';
  if (reason === '') problems.add('reason', input.reason, 'is required: say why stock is adjusted (stocktake, damage, …)');
  problems.throwIfAny();
  return recordMove(store, actor, {
    sku: input.sku,
    date: date!,
    quantity: quantity!,
    kind: 'adjust',
    reference: input.reference?.trim() || null,
    reason,
  });
}

async function recordMove(store: Store, actor: Actor, move: StockMove): Promise<StockMoveResult> {
  if (move.reference !== null && move.reference.length > 100) {
    throw new ValidationError({ field: 'reference', value: move.reference, reason: 'is longer than 100 characters' });
  }
  const product = await store.products.find(move.sku);
  if (!product) throw new NotFoundError('product', move.sku, 'list products with: owed product list');
  if (!product.stocked) throw new RefusedError(`${move.sku} is a service and is not stocked`);
  if (move.reference !== null) {
    const earlier = await store.stock.findByReference(move.sku, move.kind, move.reference);
    if (earlier) {
      if (earlier.quantity === move.quantity && earlier.date === move.date && earlier.reason === move.reason) {
        const [level] = await store.stock.levels({ sku: move.sku });
        return { level: level!, replayed: true };
      }
      throw new RefusedError(
        `${move.kind} ${move.reference} of ${move.sku} is already recorded with different content (${earlier.quantity} on ${earlier.date})`,
        'a reference identifies one movement; use a new reference for a new movement',
      );
    }
  }
  const [before] = await store.stock.levels({ sku: move.sku });
  if (before!.onHand + move.quantity < before!.reserved) {
    throw new RefusedError(
      `stock of ${move.sku} cannot go to ${before!.onHand + move.quantity}: ${before!.onHand} on hand, ${before!.reserved} reserved for approved orders`,
      'adjust by a smaller amount, or cancel or ship the orders holding the reservation',
    );
  }
  await store.stock.move(move, actor.now);
  await store.audit.record({
    entity: 'stock',
    key: move.sku,
    action: move.kind,
    detail: { quantity: move.quantity, date: move.date, reference: move.reference, reason: move.reason },
  });
  const [level] = await store.stock.levels({ sku: move.sku });
  return { level: level!, replayed: false };
}
