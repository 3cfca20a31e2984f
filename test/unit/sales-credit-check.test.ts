import { describe, it, expect } from 'vitest';
import { money } from '../../src/domain/money/index.js';
import { uninvoicedGross } from '../../src/domain/sales/credit-check.js';
import type { Order, OrderLine } from '../../src/domain/sales/order.js';

interface L {
  quantity: number;
  price: number; // minor units
  rate: string;
  invoiced?: number;
}

function order(lines: L[], opts: { currency?: string; taxInclusive?: boolean } = {}): Order {
  const currency = opts.currency ?? 'CNY';
  const ls: OrderLine[] = lines.map((l, i) => ({
    lineNo: i + 1,
    sku: `P${i + 1}`,
    description: '',
    stocked: true,
    quantity: l.quantity,
    unitPrice: money(l.price, currency),
    taxRate: l.rate,
    // stored amounts are deliberately wrong: uninvoicedGross must recompute from the remainder
    net: money(0, currency),
    tax: money(0, currency),
    shipped: 0,
    invoiced: l.invoiced ?? 0,
    reserved: 0,
    returned: 0,
  }));
  return {
    number: 'SO-0001',
    customer: 'C001',
    customerName: 'Customer One',
    date: '2025-11-01',
    currency,
    state: 'approved',
    reference: null,
    taxInclusive: opts.taxInclusive ?? false,
    net: money(0, currency),
    tax: money(0, currency),
    total: money(0, currency),
    createdAt: '2025-11-01T09:00:00Z',
    createdBy: 'alice',
    approvedAt: null,
    approvedBy: null,
    overrideReason: null,
    cancelledAt: null,
    cancelReason: null,
    lines: ls,
  };
}

describe('uninvoicedGross', () => {
  it('is the gross of what remains to invoice, taxed per line', () => {
    const o = order([
      { quantity: 5, price: 150000, rate: '13', invoiced: 2 }, // 3 × 1500.00 = 4500.00 + 585.00
      { quantity: 33, price: 2550, rate: '13' }, // 841.50 + 109.40
      { quantity: 2, price: 30000, rate: '6', invoiced: 2 }, // nothing left
    ]);
    expect(uninvoicedGross(o)).toEqual(money(450000 + 58500 + 84150 + 10940, 'CNY'));
  });

  it('taxes the remaining quantity, not the ordered one', () => {
    // 33 × 25.50 ordered, 1 invoiced: 32 × 25.50 = 816.00, tax 106.08
    expect(uninvoicedGross(order([{ quantity: 33, price: 2550, rate: '13', invoiced: 1 }]))).toEqual(money(81600 + 10608, 'CNY'));
  });

  it('rounds tax per line, not on the order total', () => {
    // each line 0.05 + 0.01 tax; a single tax on 0.10 would be 0.013 → 0.01
    const o = order([
      { quantity: 1, price: 5, rate: '13' },
      { quantity: 1, price: 5, rate: '13' },
    ]);
    expect(uninvoicedGross(o)).toEqual(money(12, 'CNY'));
  });

  it('ignores over-invoiced lines instead of subtracting them', () => {
    const o = order([
      { quantity: 2, price: 10000, rate: '0', invoiced: 3 },
      { quantity: 1, price: 10000, rate: '0' },
    ]);
    expect(uninvoicedGross(o)).toEqual(money(10000, 'CNY'));
  });

  it('for a tax-inclusive order is exactly remaining × price', () => {
    const o = order(
      [
        { quantity: 4, price: 1000, rate: '13', invoiced: 1 },
        { quantity: 1, price: 11300, rate: '13' },
      ],
      { taxInclusive: true },
    );
    expect(uninvoicedGross(o)).toEqual(money(3000 + 11300, 'CNY'));
  });

  it('is zero in the order currency when everything is invoiced or there are no lines', () => {
    expect(uninvoicedGross(order([{ quantity: 2, price: 100, rate: '13', invoiced: 2 }], { currency: 'USD' }))).toEqual(money(0, 'USD'));
    expect(uninvoicedGross(order([], { currency: 'EUR' }))).toEqual(money(0, 'EUR'));
  });
});
