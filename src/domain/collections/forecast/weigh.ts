import type Big from 'big.js';
import { invariant } from '../../errors.js';

/**
 * amount × probability rounded half-up (half away from zero) to a whole minor unit: exactly what
 * roundToMinor(new Big(amount).times(probability), 'half-up') gives, for the many open invoices of
 * a forecast. The probability, a decimal of up to a few dozen digits, is turned once into the
 * integer fraction numerator / 10^scale; each amount is then multiplied in BigInt, exact integer
 * arithmetic, which is about ten times cheaper than a Big multiplication per invoice.
 */
export function weigher(probability: Big): (amount: number) => number {
  // A Big is ±0.d₀d₁…dₙ × 10^(e+1): the digits c, the exponent e of the first digit, the sign s.
  const digits = probability.c.join('');
  const scale = Math.max(0, digits.length - 1 - probability.e);
  let numerator = BigInt(digits) * 10n ** BigInt(Math.max(0, probability.e - (digits.length - 1)));
  if (probability.s < 0) numerator = -numerator;
  const denominator = 10n ** BigInt(scale);
  return (amount) => {
    invariant(Number.isSafeInteger(amount), () => `amount must be a safe integer of minor units, got ${amount}`);
    const exact = BigInt(amount) * numerator;
    const magnitude = exact < 0n ? -exact : exact;
    const rounded = (magnitude * 2n + denominator) / (2n * denominator);
    const signed = exact < 0n ? -rounded : rounded;
    invariant(rounded <= BigInt(Number.MAX_SAFE_INTEGER), () => `result ${signed} overflows a safe integer of minor units`);
    const n = Number(signed);
    return n === 0 ? 0 : n;
  };
}
