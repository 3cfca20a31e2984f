import { toDecimalString } from '../money/index.js';
import type { Actor } from '../actor.js';
import { parseDate } from '../dates.js';
import { NotFoundError } from '../errors.js';
import { nextDocumentNumber } from '../numbering.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import { parseLineSpecs } from './line-spec.js';
import type { Order } from './order.js';
import { priceLines } from './price-lines.js';
import { documentTotals } from './pricing.js';

export interface OrderInput {
  readonly customer: string;
  readonly lines: readonly string[];
  readonly date?: string;
  readonly reference?: string;
  readonly taxInclusive?: boolean;
}

/** A draft order: priced and numbered, reserving nothing until it is approved. */
export async function createOrder(store: Store, actor: Actor, input: OrderInput): Promise<Order> {
  requirePermission(actor.user, actor.role, 'sales', 'create orders');
  const problems = new Problems();
  const specs = parseLineSpecs(input.lines, '--line', problems);
  if (input.lines.length === 0) problems.add('--line', undefined, 'at least one line is required: --line SKU:QTY[:PRICE]');
  const date = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, '--date'));
  const reference = input.reference?.trim() || null;
  if (reference !== null && reference.length > 100) problems.add('--ref', reference, 'is longer than 100 characters');
  problems.throwIfAny();

  const customer = await store.customers.find(input.customer);
  if (!customer) throw new NotFoundError('customer', input.customer, 'list customers with: owed customer list');
  const taxInclusive = input.taxInclusive ?? (await loadSettings(store)).pricesIncludeTax;
  const lines = await priceLines(store, specs, customer.currency, taxInclusive);
  const totals = documentTotals(lines, customer.currency);
  const order: Order = {
    number: await nextDocumentNumber(store, 'SO', date!),
    customer: customer.code,
    customerName: customer.name,
    date: date!,
    currency: customer.currency,
    state: 'draft',
    reference,
    taxInclusive,
    ...totals,
    createdAt: actor.now,
    createdBy: actor.user,
    approvedAt: null,
    approvedBy: null,
    overrideReason: null,
    cancelledAt: null,
    cancelReason: null,
    lines: lines.map((l) => ({
      lineNo: l.lineNo,
      sku: l.product.sku,
      description: l.product.name,
      stocked: l.product.stocked,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxRate: l.product.taxRate,
      net: l.net,
      tax: l.tax,
      shipped: 0,
      invoiced: 0,
      reserved: 0,
      returned: 0,
    })),
  };
  await store.orders.insert(order);
  await store.audit.record({ entity: 'order', key: order.number, action: 'create', detail: { customer: order.customer, total: toDecimalString(order.total), currency: order.currency } });
  return order;
}
