import type { IsoDate } from '../dates.js';
import { daysOverdue } from '../invoicing/invoice.js';
import { add, money, type Money } from '../money/index.js';
import type { Store } from '../store.js';
import type { Customer } from '../customers/customer.js';
import type { Order } from './order.js';
import { lineAmounts } from './pricing.js';

export interface CreditCheck {
  readonly limit: Money | null;
  /** The customer's balance as of today: open invoices net of unapplied cash and credits. */
  readonly openReceivables: Money;
  /** Approved orders not yet invoiced, gross of tax, this one excluded. */
  readonly approvedUninvoiced: Money;
  readonly thisOrder: Money;
  readonly exposure: Money;
  /** How far exposure exceeds the limit; zero when within it. */
  readonly shortfall: Money;
  readonly overdue: readonly { readonly invoice: string; readonly daysOverdue: number }[];
  readonly onHold: boolean;
  /** Why approval is refused; empty when it passes. */
  readonly reasons: readonly string[];
}

/** Gross value of what an order still has to invoice. */
export function uninvoicedGross(order: Order): Money {
  let total = money(0, order.currency);
  for (const line of order.lines) {
    const remaining = line.quantity - line.invoiced;
    if (remaining <= 0) continue;
    const amounts = lineAmounts(remaining, line.unitPrice, line.taxRate, order.taxInclusive);
    total = add(total, add(amounts.net, amounts.tax));
  }
  return total;
}

export async function checkCredit(
  store: Store,
  customer: Customer,
  order: Order,
  today: IsoDate,
  blockOverdueDays: number,
): Promise<CreditCheck> {
  const currency = customer.currency;
  const openReceivables = await store.ledger.balance(customer.code, today);
  let approvedUninvoiced = money(0, currency);
  for (const other of await store.orders.list({ state: 'approved', customer: customer.code })) {
    if (other.number !== order.number && other.currency === currency) approvedUninvoiced = add(approvedUninvoiced, uninvoicedGross(other));
  }
  const thisOrder = uninvoicedGross(order);
  const exposure = add(add(openReceivables, approvedUninvoiced), thisOrder);
  const limit = customer.creditLimit;
  const shortfall = limit === null || exposure.minor <= limit.minor ? money(0, currency) : money(exposure.minor - limit.minor, currency);

  const overdue = (await store.invoices.list({ customer: customer.code, kind: 'invoice', openOnly: true }, today))
    .map((r) => ({ invoice: r.invoice.number, daysOverdue: daysOverdue(r.invoice.dueDate, today) }))
    .filter((r) => r.daysOverdue > blockOverdueDays);

  const reasons: string[] = [];
  if (customer.onHold) reasons.push(`customer ${customer.code} is on credit hold`);
  if (shortfall.minor > 0) reasons.push('exposure exceeds the credit limit');
  if (overdue.length > 0) {
    reasons.push(`${overdue.length} invoice${overdue.length === 1 ? ' is' : 's are'} overdue by more than ${blockOverdueDays} days (${overdue.slice(0, 5).map((o) => `${o.invoice}: ${o.daysOverdue} days`).join(', ')}${overdue.length > 5 ? ', …' : ''})`);
  }
  return { limit, openReceivables, approvedUninvoiced, thisOrder, exposure, shortfall, overdue, onHold: customer.onHold, reasons };
}
