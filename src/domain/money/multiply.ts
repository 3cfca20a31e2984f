import Big from 'big.js';
import { money, type Money } from './money.js';
import type { RoundingMode } from './rounding.js';
import { roundToMinor, toBig } from './exact.js';

/** m × factor, computed exactly and rounded once to whole minor units. */
export function multiply(m: Money, factor: string | number | Big, mode: RoundingMode): Money {
  const exact = new Big(m.minor).times(toBig(factor));
  return money(roundToMinor(exact, mode), m.currency);
}

/** percent % of m, e.g. percentage(¥100.00, '13', 'half-up') = ¥13.00. */
export function percentage(m: Money, percent: string, mode: RoundingMode): Money {
  // Multiply before dividing so the only inexact step is the final rounding (÷100 is a decimal
  // shift, exact within big.js's 20 decimal places).
  const exact = new Big(m.minor).times(toBig(percent, 'percent')).div(100);
  return money(roundToMinor(exact, mode), m.currency);
}
