import Big from 'big.js';
import { add, money, sum, type Money } from '../money/index.js';
import { roundToMinor } from '../money/exact.js';

export interface LineAmounts {
  readonly net: Money;
  readonly tax: Money;
}

/**
 * VAT per line, rounded half-up to the minor unit, as Chinese invoices (发票) show it.
 * Tax-exclusive: net = qty × price, tax = round(net × rate).
 * Tax-inclusive: gross = qty × price, net = round(gross ÷ (1 + rate)), tax = gross − net, so
 * net + tax is exactly the gross the customer was quoted.
 */
export function lineAmounts(quantity: number, unitPrice: Money, taxRatePercent: string, taxInclusive: boolean): LineAmounts {
  const extended = new Big(unitPrice.minor).times(quantity);
  const rate = new Big(taxRatePercent).div(100);
  if (!taxInclusive) {
    const net = roundToMinor(extended, 'half-up');
    const tax = roundToMinor(new Big(net).times(rate), 'half-up');
    return { net: money(net, unitPrice.currency), tax: money(tax, unitPrice.currency) };
  }
  const gross = roundToMinor(extended, 'half-up');
  const net = roundToMinor(new Big(gross).div(rate.plus(1)), 'half-up');
  return { net: money(net, unitPrice.currency), tax: money(gross - net, unitPrice.currency) };
}

export interface DocumentTotals {
  readonly net: Money;
  readonly tax: Money;
  readonly total: Money;
}

export function documentTotals(lines: readonly LineAmounts[], currency: string): DocumentTotals {
  const net = sum(lines.map((l) => l.net), currency);
  const tax = sum(lines.map((l) => l.tax), currency);
  return { net, tax, total: add(net, tax) };
}
