import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyOrder } from '../../src/domain/receivables/reconcile-plan.js';

const SEED = Number(process.env.OWED_PROPERTY_SEED ?? 20261127);

/** What KeyOrder must give: the entries by key, equal keys in entry order. */
function expected(keys: readonly number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

function entries(order: KeyOrder): number[] {
  return Array.from({ length: order.length }, (_, at) => order.entry(at));
}

describe('KeyOrder', () => {
  it('orders entries by key, then by entry, packed or not (fast-check)', () => {
    fc.assert(
      fc.property(
        // Small keys pack with the entries into 53 bits; keys near 2^53 take the comparator.
        fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 2 ** 50, max: Number.MAX_SAFE_INTEGER })), { maxLength: 300 }),
        (keys) => {
          const order = new KeyOrder(keys.length).sort((i) => keys[i]!);
          expect(entries(order)).toEqual(expected(keys));
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('sorts again into the same buffer, each time by the keys it is given', () => {
    const order = new KeyOrder(5);
    expect(entries(order.sort((i) => [30, 10, 20, 10, 0][i]!))).toEqual([4, 1, 3, 2, 0]);
    // A key too large to pack switches to the comparator, and back for the next sort.
    expect(entries(order.sort((i) => [2 ** 52, 1, 2 ** 52, 0, 7][i]!))).toEqual([3, 1, 4, 0, 2]);
    expect(entries(order.sort((i) => [5, 4, 3, 2, 1][i]!))).toEqual([4, 3, 2, 1, 0]);
  });

  it('orders the largest keys that pack exactly (2^53 / span - 1) and the first that do not', () => {
    // 3 entries take a span of 4, so keys up to 2^51 - 1 pack; entries stay exact.
    const largest = 2 ** 51 - 1;
    expect(entries(new KeyOrder(3).sort((i) => [largest, largest - 1, largest][i]!))).toEqual([1, 0, 2]);
    expect(entries(new KeyOrder(3).sort((i) => [largest + 1, largest, largest + 1][i]!))).toEqual([1, 0, 2]);
  });

  it('refuses a key that is not a whole number: an invariant, not a wrong order', () => {
    expect(() => new KeyOrder(2).sort((i) => [1, 1.5][i]!)).toThrow(/entry 1 has the key 1.5/);
    expect(() => new KeyOrder(1).sort(() => -1)).toThrow(/not a whole number/);
  });
});
