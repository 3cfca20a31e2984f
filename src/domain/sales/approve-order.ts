import type { Actor } from '../actor.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import { formatMoney, toDecimalString } from '../money/index.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { checkCredit, type CreditCheck } from './credit-check.js';
import type { Order } from './order.js';

export interface ApprovalInput {
  readonly override?: boolean;
  readonly reason?: string;
}

export interface Approval {
  readonly order: Order;
  readonly credit: CreditCheck;
  readonly overridden: boolean;
}

function describeFigures(c: CreditCheck): string {
  const m = (x: { minor: number; currency: string }) => `${formatMoney(x)} ${x.currency}`;
  const limit = c.limit === null ? 'none' : m(c.limit);
  return `limit ${limit}; exposure ${m(c.exposure)} = open receivables ${m(c.openReceivables)} + approved not invoiced ${m(c.approvedUninvoiced)} + this order ${m(c.thisOrder)}; shortfall ${m(c.shortfall)}`;
}

/**
 * Approval runs the credit check and reserves stock, all or nothing. A refused check can be
 * overridden by finance or an admin, with a reason that goes into the audit log.
 */
export async function approveOrder(store: Store, actor: Actor, number: string, input: ApprovalInput): Promise<Approval> {
  requirePermission(actor.user, actor.role, 'sales', 'approve orders');
  const order = await store.orders.find(number);
  if (!order) throw new NotFoundError('order', number, 'list orders with: owed order list');
  if (order.state !== 'draft') {
    throw new RefusedError(`order ${number} is ${order.state}; only a draft can be approved`);
  }
  const reason = input.reason?.trim() ?? '';
  if (input.override && reason === '') {
    throw new ValidationError({ field: '--reason', reason: 'is required with --override: say why the credit check is set aside' });
  }
  const customer = (await store.customers.find(order.customer))!;
  const settings = await loadSettings(store);
  const credit = await checkCredit(store, customer, order, actor.today, settings.creditBlockOverdueDays);
  const overridden = credit.reasons.length > 0;
  if (overridden) {
    if (!input.override) {
      throw new RefusedError(
        `credit check refuses ${number}: ${credit.reasons.join('; ')} (${describeFigures(credit)})`,
        'collect payment or raise the limit (owed customer edit --credit-limit), or let finance approve with --override --reason TEXT',
      );
    }
    requirePermission(actor.user, actor.role, 'credit-override', 'override the credit check');
  }

  for (const line of order.lines) {
    if (!line.stocked) continue;
    const reserved = await store.stock.reserve(line.sku, line.quantity, settings.allowBackorder);
    if (!reserved) {
      const [level] = await store.stock.levels({ sku: line.sku });
      throw new RefusedError(
        `not enough stock of ${line.sku} for ${number}: ${line.quantity} ordered, ${level?.available ?? 0} available (${level?.onHand ?? 0} on hand, ${level?.reserved ?? 0} reserved)`,
        'receive stock first (owed stock receive), or allow backorders: owed settings set stock.allow_backorder true',
      );
    }
    await store.orders.setLineQuantities(number, line.lineNo, { reserved: line.quantity });
  }
  await store.orders.approve(number, actor.now, actor.user, overridden ? reason : null);
  await store.audit.record({
    entity: 'order',
    key: number,
    action: overridden ? 'approve-override' : 'approve',
    detail: {
      exposure: toDecimalString(credit.exposure),
      limit: credit.limit === null ? null : toDecimalString(credit.limit),
      shortfall: toDecimalString(credit.shortfall),
      ...(overridden ? { override_reason: reason, refused_because: credit.reasons } : {}),
    },
  });
  return { order: (await store.orders.find(number))!, credit, overridden };
}
