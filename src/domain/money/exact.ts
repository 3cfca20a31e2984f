import Big from 'big.js';
import { InvariantError, invariant } from '../errors.js';
import { toBigRoundingMode, type RoundingMode } from './rounding.js';

// Where big.js meets Money: factors in, rounded minor units out. Shared by multiply, percentage and
// any later FX conversion so they round the same way.

/** A factor as a Big. Numbers must be integers: a float such as 0.1 is already inexact. */
export function toBig(value: string | number | Big, what = 'factor'): Big {
  if (value instanceof Big) return value;
  if (typeof value === 'number') {
    invariant(Number.isSafeInteger(value), () => `${what} given as a number must be a safe integer, got ${value}; pass a decimal string`);
    return new Big(value);
  }
  try {
    return new Big(value);
  } catch {
    throw new InvariantError(`${what} is not a decimal number: ${JSON.stringify(value)}`);
  }
}

const MAX = new Big(Number.MAX_SAFE_INTEGER);

/** Round an exact Big amount of minor units to a safe integer. */
export function roundToMinor(value: Big, mode: RoundingMode): number {
  const rounded = value.round(0, toBigRoundingMode(mode));
  invariant(rounded.abs().lte(MAX), () => `result ${rounded.toFixed()} overflows a safe integer of minor units`);
  const n = rounded.toNumber();
  return n === 0 ? 0 : n;
}
