import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { bucketIndex, bucketLabels } from '../../src/domain/receivables/buckets.js';

const bounds = [30, 60, 90, 120];

describe('bucketLabels', () => {
  it('names current, the ranges and the open end', () => {
    expect(bucketLabels(bounds)).toEqual(['current', '1-30', '31-60', '61-90', '91-120', '>120']);
  });

  it('works with one bound and with uneven bounds', () => {
    expect(bucketLabels([45])).toEqual(['current', '1-45', '>45']);
    expect(bucketLabels([1, 7, 365])).toEqual(['current', '1-1', '2-7', '8-365', '>365']);
  });
});

describe('bucketIndex', () => {
  it.each([
    [0, 0],
    [-5, 0],
    [1, 1],
    [30, 1],
    [31, 2],
    [60, 2],
    [61, 3],
    [90, 3],
    [91, 4],
    [120, 4],
    [121, 5],
    [10_000, 5],
  ])('%i days past due → bucket %i', (days, index) => {
    expect(bucketIndex(days, bounds)).toBe(index);
  });

  it('puts a day count in the bucket whose label contains it (property)', () => {
    const labels = bucketLabels(bounds);
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), (days) => {
        const label = labels[bucketIndex(days, bounds)]!;
        if (label === 'current') expect(days).toBeLessThanOrEqual(0);
        else if (label.startsWith('>')) expect(days).toBeGreaterThan(Number(label.slice(1)));
        else {
          const [lo, hi] = label.split('-').map(Number);
          expect(days).toBeGreaterThanOrEqual(lo!);
          expect(days).toBeLessThanOrEqual(hi!);
        }
      }),
    );
  });
});
