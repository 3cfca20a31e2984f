import { invariant } from '../errors.js';
import { assertSameCurrency, money, type Money } from './money.js';

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  const minor = a.minor + b.minor;
  invariant(Number.isSafeInteger(minor), () => `${a.minor} + ${b.minor} overflows a safe integer`);
  return money(minor, a.currency);
}
