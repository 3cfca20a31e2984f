import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { money } from '../../src/domain/money/index.js';
import { minimumOpenFrom, openAsOf, type DatedAmount } from '../../src/domain/receivables/open-amount.js';

const cny = (minor: number) => money(minor, 'CNY');
const at = (date: string, minor: number): DatedAmount => ({ date, amount: cny(minor) });
const total = cny(100000);

describe('openAsOf', () => {
  const allocs = [at('2025-11-05', 40000), at('2025-11-20', -40000)];

  it('subtracts allocations dated on or before the date (reversals are negative)', () => {
    expect(openAsOf(total, allocs, '2025-11-04')).toEqual(cny(100000));
    expect(openAsOf(total, allocs, '2025-11-05')).toEqual(cny(60000));
    expect(openAsOf(total, allocs, '2025-11-10')).toEqual(cny(60000));
    expect(openAsOf(total, allocs, '2025-11-19')).toEqual(cny(60000));
    expect(openAsOf(total, allocs, '2025-11-20')).toEqual(cny(100000));
    expect(openAsOf(total, allocs, '2026-01-01')).toEqual(cny(100000));
  });

  it('is the total with no allocations, in the total’s currency', () => {
    expect(openAsOf(money(500, 'USD'), [], '2025-11-10')).toEqual(money(500, 'USD'));
  });

  it('is zero (not -0) when fully allocated', () => {
    const open = openAsOf(total, [at('2025-11-05', 100000)], '2025-11-05');
    expect(Object.is(open.minor, 0)).toBe(true);
  });
});

describe('minimumOpenFrom', () => {
  it('receipt 400 on 11-05, reversed on 11-20: the least open from 11-10 is 600', () => {
    const allocs = [at('2025-11-05', 40000), at('2025-11-20', -40000)];
    expect(openAsOf(total, allocs, '2025-11-10')).toEqual(cny(60000));
    expect(minimumOpenFrom(total, allocs, '2025-11-10')).toEqual(cny(60000));
  });

  it('a receipt of 700 on 11-15 instead: the least open from 11-10 is 300 (from 11-15 on)', () => {
    const allocs = [at('2025-11-15', 70000)];
    expect(openAsOf(total, allocs, '2025-11-10')).toEqual(cny(100000));
    expect(minimumOpenFrom(total, allocs, '2025-11-10')).toEqual(cny(30000));
    expect(minimumOpenFrom(total, allocs, '2025-11-15')).toEqual(cny(30000));
    expect(minimumOpenFrom(total, allocs, '2025-11-16')).toEqual(cny(30000));
  });

  it('a receipt of 1000 on 11-05 reversed on 11-20 leaves nothing to allocate on 11-10, though 11-25 has 1000', () => {
    const allocs = [at('2025-11-05', 100000), at('2025-11-20', -100000)];
    expect(minimumOpenFrom(total, allocs, '2025-11-10')).toEqual(cny(0));
    expect(minimumOpenFrom(total, allocs, '2025-11-25')).toEqual(cny(100000));
  });

  it('a later receipt caps what an earlier-dated allocation may take', () => {
    const allocs = [at('2025-11-05', 40000), at('2025-11-15', 60000)];
    expect(openAsOf(total, allocs, '2025-11-10')).toEqual(cny(60000));
    expect(minimumOpenFrom(total, allocs, '2025-11-10')).toEqual(cny(0));
  });

  it('counts only the end of each day: a receipt and its same-day reversal do not dip, in either order', () => {
    const receiptFirst = [at('2025-11-15', 70000), at('2025-11-15', -70000)];
    const reversalFirst = [at('2025-11-15', -70000), at('2025-11-15', 70000)];
    expect(minimumOpenFrom(total, receiptFirst, '2025-11-10')).toEqual(cny(100000));
    expect(minimumOpenFrom(total, reversalFirst, '2025-11-10')).toEqual(cny(100000));
  });

  it('is the open amount on the date when nothing later lowers it', () => {
    expect(minimumOpenFrom(total, [], '2025-11-10')).toEqual(total);
    expect(minimumOpenFrom(total, [at('2025-11-01', 25000)], '2025-11-10')).toEqual(cny(75000));
  });

  it('does not reorder the caller’s allocations', () => {
    const allocs = [at('2025-11-20', -40000), at('2025-11-05', 40000), at('2025-11-15', 10000)];
    const copy = [...allocs];
    minimumOpenFrom(total, allocs, '2025-11-01');
    expect(allocs).toEqual(copy);
  });
});

describe('minimumOpenFrom (properties)', () => {
  const day = fc.integer({ min: 1, max: 30 }).map((d) => `2025-11-${String(d).padStart(2, '0')}`);
  const alloc = fc.tuple(day, fc.integer({ min: -50_000, max: 100_000 })).map(([d, m]) => at(d, m));
  const totalArb = fc.integer({ min: 0, max: 1_000_000 }).map(cny);

  it('is ≤ openAsOf on the date and on every later allocation date, and equals the least of them', () => {
    fc.assert(
      fc.property(totalArb, fc.array(alloc, { maxLength: 12 }), day, (t, allocs, from) => {
        const min = minimumOpenFrom(t, allocs, from);
        const candidates = [from, ...allocs.map((a) => a.date).filter((d) => d > from)];
        const opens = candidates.map((d) => openAsOf(t, allocs, d).minor);
        for (const o of opens) expect(min.minor).toBeLessThanOrEqual(o);
        expect(min.minor).toBe(Math.min(...opens));
        expect(min.currency).toBe('CNY');
      }),
    );
  });

  it('is ≤ openAsOf on every day from the date on (not just allocation dates)', () => {
    fc.assert(
      fc.property(totalArb, fc.array(alloc, { maxLength: 12 }), day, (t, allocs, from) => {
        const min = minimumOpenFrom(t, allocs, from).minor;
        for (let d = Number(from.slice(8)); d <= 31; d++) {
          const date = d <= 30 ? `2025-11-${String(d).padStart(2, '0')}` : '2025-12-01';
          expect(min).toBeLessThanOrEqual(openAsOf(t, allocs, date).minor);
        }
      }),
    );
  });

  it('does not depend on the order of the allocations', () => {
    fc.assert(
      fc.property(totalArb, fc.array(alloc, { maxLength: 12 }), day, fc.infiniteStream(fc.nat()), (t, allocs, from, s) => {
        const shuffled = [...allocs];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = s.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(minimumOpenFrom(t, shuffled, from)).toEqual(minimumOpenFrom(t, allocs, from));
      }),
    );
  });
});
