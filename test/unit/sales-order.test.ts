import { describe, it, expect } from 'vitest';
import { money } from '../../src/domain/money/index.js';
import { ORDER_STATUSES, orderStatus, type Order, type OrderLine, type OrderState } from '../../src/domain/sales/order.js';

type LineQty = Partial<Pick<OrderLine, 'quantity' | 'shipped' | 'invoiced' | 'reserved' | 'returned'>>;

function line(lineNo: number, q: LineQty = {}): OrderLine {
  const quantity = q.quantity ?? 10;
  return {
    lineNo,
    sku: `P${lineNo}`,
    description: `product ${lineNo}`,
    stocked: true,
    quantity,
    unitPrice: money(1000, 'CNY'),
    taxRate: '13',
    net: money(1000 * quantity, 'CNY'),
    tax: money(130 * quantity, 'CNY'),
    shipped: q.shipped ?? 0,
    invoiced: q.invoiced ?? 0,
    reserved: q.reserved ?? 0,
    returned: q.returned ?? 0,
  };
}

function order(state: OrderState, lines: LineQty[]): Order {
  const ls = lines.map((l, i) => line(i + 1, l));
  const net = ls.reduce((s, l) => s + l.net.minor, 0);
  const tax = ls.reduce((s, l) => s + l.tax.minor, 0);
  return {
    number: 'SO-0001',
    customer: 'C001',
    customerName: 'Customer One',
    date: '2025-11-01',
    currency: 'CNY',
    state,
    reference: null,
    taxInclusive: false,
    net: money(net, 'CNY'),
    tax: money(tax, 'CNY'),
    total: money(net + tax, 'CNY'),
    createdAt: '2025-11-01T09:00:00Z',
    createdBy: 'alice',
    approvedAt: state === 'approved' ? '2025-11-01T10:00:00Z' : null,
    approvedBy: state === 'approved' ? 'bob' : null,
    overrideReason: null,
    cancelledAt: state === 'cancelled' ? '2025-11-02T10:00:00Z' : null,
    cancelReason: state === 'cancelled' ? 'customer withdrew' : null,
    lines: ls,
  };
}

describe('orderStatus', () => {
  it('is draft for a draft order', () => {
    expect(orderStatus(order('draft', [{}, {}]))).toBe('draft');
  });

  it('is cancelled for a cancelled order, whatever its lines say', () => {
    expect(orderStatus(order('cancelled', [{}]))).toBe('cancelled');
    expect(orderStatus(order('cancelled', [{ shipped: 10, invoiced: 10 }]))).toBe('cancelled');
  });

  it('is approved when nothing is shipped or invoiced', () => {
    expect(orderStatus(order('approved', [{ reserved: 10 }, { reserved: 5 }]))).toBe('approved');
  });

  it('is partially shipped when some units are shipped', () => {
    expect(orderStatus(order('approved', [{ shipped: 4, reserved: 6 }, {}]))).toBe('partially shipped');
    expect(orderStatus(order('approved', [{ shipped: 10 }, { shipped: 0 }]))).toBe('partially shipped');
  });

  it('is shipped when every line is fully shipped (over-shipping counts as shipped)', () => {
    expect(orderStatus(order('approved', [{ shipped: 10 }, { quantity: 3, shipped: 3 }]))).toBe('shipped');
    expect(orderStatus(order('approved', [{ shipped: 12 }]))).toBe('shipped');
  });

  it('is partially invoiced when any unit is invoiced but not all', () => {
    expect(orderStatus(order('approved', [{ shipped: 10, invoiced: 5 }, { shipped: 10 }]))).toBe('partially invoiced');
    // invoicing outranks shipping: a line fully invoiced, another not even shipped
    expect(orderStatus(order('approved', [{ shipped: 10, invoiced: 10 }, {}]))).toBe('partially invoiced');
  });

  it('is invoiced when every line is fully invoiced', () => {
    expect(orderStatus(order('approved', [{ shipped: 10, invoiced: 10 }, { quantity: 2, shipped: 2, invoiced: 2 }]))).toBe('invoiced');
  });

  it('lists every status it can return', () => {
    expect([...ORDER_STATUSES].sort()).toEqual(
      ['draft', 'approved', 'partially shipped', 'shipped', 'partially invoiced', 'invoiced', 'cancelled'].sort(),
    );
  });
});
