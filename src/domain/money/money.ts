import { invariant } from '../errors.js';
import { isCurrency } from './currency.js';

/** An exact amount: an integer count of the currency's minor units (fen, cents; yen for JPY). */
export interface Money {
  readonly minor: number;
  readonly currency: string;
}

export function money(minor: number, currency: string): Money {
  invariant(Number.isSafeInteger(minor), () => `money amount must be a safe integer of minor units, got ${minor}`);
  invariant(isCurrency(currency), () => `unknown currency code ${JSON.stringify(currency)}`);
  // -0 would print as "-0.00" and compare oddly in Object.is-based equality.
  return Object.freeze({ minor: minor === 0 ? 0 : minor, currency });
}

export function zero(currency: string): Money {
  return money(0, currency);
}

export function isZero(m: Money): boolean {
  return m.minor === 0;
}

export function isNegative(m: Money): boolean {
  return m.minor < 0;
}

export function isPositive(m: Money): boolean {
  return m.minor > 0;
}

export function assertSameCurrency(a: Money, b: Money): void {
  invariant(a.currency === b.currency, () => `currency mismatch: ${a.currency} vs ${b.currency}`);
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.minor < b.minor ? -1 : a.minor > b.minor ? 1 : 0;
}

/** Value equality; amounts in different currencies are simply not equal. */
export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.minor === b.minor;
}

export function negate(m: Money): Money {
  return money(-m.minor, m.currency);
}

/** Sum of a list; the currency is explicit so that an empty list still has one. */
export function sum(list: readonly Money[], currency: string): Money {
  let total = 0;
  for (const m of list) {
    invariant(m.currency === currency, () => `currency mismatch: ${m.currency} in a ${currency} sum`);
    total += m.minor;
    invariant(Number.isSafeInteger(total), () => `sum overflows a safe integer in ${currency}`);
  }
  return money(total, currency);
}
