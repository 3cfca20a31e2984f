/**
 * The forecast's fast paths for many invoices give exactly what the general helpers give: the
 * BigInt weigher against big.js multiplication and half-up rounding, and the day-number date
 * arithmetic against dates.ts.
 */
import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysSince, memoAddDays } from '../../src/domain/collections/days.js';
import { DEFAULT_CURVE } from '../../src/domain/collections/forecast/behaviour.js';
import { weigher } from '../../src/domain/collections/forecast/weigh.js';
import { addDays, daysBetween } from '../../src/domain/dates.js';
import { roundToMinor } from '../../src/domain/money/exact.js';

const MAX = Number.MAX_SAFE_INTEGER;
const bigWay = (amount: number, p: Big) => roundToMinor(new Big(amount).times(p), 'half-up');

/** The result, or that it was refused: both ways must agree on that too. */
function outcome(f: () => number): number | string {
  try {
    return f();
  } catch (error) {
    return (error as Error).message;
  }
}

/** Probabilities as the forecast makes them: blends of collected shares and defaults, divided to big.js's 20 places. */
const probability = fc
  .tuple(fc.nat({ max: 1_000_000_000 }), fc.integer({ min: 1, max: 1_000_000_000 }), fc.nat({ max: 500_000 }), fc.constantFrom(...DEFAULT_CURVE.bands.map((b) => b.probability)))
  .map(([collected, total, n, prior]) => new Big(collected).div(total).times(n).plus(prior.times(10)).div(n + 10));

const day = fc.integer({ min: Date.UTC(1990, 0, 1) / 86_400_000, max: Date.UTC(2090, 11, 31) / 86_400_000 })
  .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10));

describe('weigher', () => {
  it('equals big.js times and half-up rounding, for the probabilities a forecast learns', () => {
    fc.assert(fc.property(probability, fc.integer({ min: 0, max: 10_000_000_000_000 }), (p, amount) => {
      expect(outcome(() => weigher(p)(amount))).toBe(outcome(() => bigWay(amount, p)));
    }), { numRuns: 2000 });
  });

  it('rounds halves away from zero, like big.js, on both sides of zero', () => {
    const half = weigher(new Big('0.5'));
    expect([1, 3, 5, -1, -3, 0].map(half)).toEqual([1, 2, 3, -1, -2, 0]);
    expect([1, 3, 5, -1, -3, 0].map((a) => bigWay(a, new Big('0.5')))).toEqual([1, 2, 3, -1, -2, 0]);
    expect(Object.is(half(0), 0)).toBe(true);
  });

  it('takes any decimal: whole, tiny, huge, negative', () => {
    fc.assert(fc.property(
      fc.constantFrom('1', '0', '0.98', '0.25', '2', '1e-25', '123456789.123456789', '-0.75', '0.00000000000000000001'),
      fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
      (p, amount) => {
        expect(outcome(() => weigher(new Big(p))(amount))).toBe(outcome(() => bigWay(amount, new Big(p))));
      },
    ));
  });

  it('refuses what big.js refuses: a result beyond a safe integer, an amount that is not one', () => {
    expect(outcome(() => weigher(new Big(2))(MAX))).toMatch(/overflows/);
    expect(outcome(() => weigher(new Big(2))(MAX))).toBe(outcome(() => bigWay(MAX, new Big(2))));
    expect(() => weigher(new Big(1))(0.5)).toThrow(/safe integer/);
  });
});

describe('day numbers', () => {
  it('daysSince equals daysBetween', () => {
    fc.assert(fc.property(day, day, (from, to) => {
      expect(daysSince(to)(from)).toBe(daysBetween(from, to));
    }));
  });

  it('memoAddDays equals addDays, also for the same date asked again', () => {
    const plus = memoAddDays();
    fc.assert(fc.property(day, fc.integer({ min: -800, max: 800 }), (d, n) => {
      expect(plus(d, n)).toBe(addDays(d, n));
      expect(plus(d, n)).toBe(addDays(d, n));
    }));
    expect(plus('2028-02-28', 1)).toBe('2028-02-29');
    expect(plus('2026-12-31', 1)).toBe('2027-01-01');
  });
});
