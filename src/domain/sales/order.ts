import type { IsoDate } from '../dates.js';
import type { Money } from '../money/index.js';

export type OrderState = 'draft' | 'approved' | 'cancelled';

export type OrderStatus =
  | 'draft'
  | 'approved'
  | 'partially shipped'
  | 'shipped'
  | 'partially invoiced'
  | 'invoiced'
  | 'cancelled';

export interface OrderLine {
  readonly lineNo: number;
  readonly sku: string;
  readonly description: string;
  readonly stocked: boolean;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly taxRate: string;
  readonly net: Money;
  readonly tax: Money;
  readonly shipped: number;
  readonly invoiced: number;
  /** Units this line holds in stock for itself (approved, not yet shipped). */
  readonly reserved: number;
  /** Units shipped and then returned through a credit note with restock. */
  readonly returned: number;
}

export interface Order {
  readonly number: string;
  readonly customer: string;
  readonly customerName: string;
  readonly date: IsoDate;
  readonly currency: string;
  readonly state: OrderState;
  readonly reference: string | null;
  readonly taxInclusive: boolean;
  readonly net: Money;
  readonly tax: Money;
  readonly total: Money;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly approvedAt: string | null;
  readonly approvedBy: string | null;
  readonly overrideReason: string | null;
  readonly cancelledAt: string | null;
  readonly cancelReason: string | null;
  readonly lines: readonly OrderLine[];
}

/** Status follows from the state and the line quantities; it is never stored. */
export function orderStatus(order: Order): OrderStatus {
  if (order.state !== 'approved') return order.state;
  const all = (f: (l: OrderLine) => boolean) => order.lines.every(f);
  const any = (f: (l: OrderLine) => boolean) => order.lines.some(f);
  if (all((l) => l.invoiced >= l.quantity)) return 'invoiced';
  if (any((l) => l.invoiced > 0)) return 'partially invoiced';
  if (all((l) => l.shipped >= l.quantity)) return 'shipped';
  if (any((l) => l.shipped > 0)) return 'partially shipped';
  return 'approved';
}

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'draft', 'approved', 'partially shipped', 'shipped', 'partially invoiced', 'invoiced', 'cancelled',
];
