/**
 * Periods (weeks, calendar months), the weighted amounts per period with half-up rounding, the
 * overdue and pipeline split and the cumulative total; backtestDates; the table's bar().
 */
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { backtestDates } from '../../src/domain/collections/forecast/backtest.js';
import { bucketItems, periodsFrom, type ForecastItem } from '../../src/domain/collections/forecast/forecast.js';
import { bar } from '../../src/commands/forecast.js';

function item(over: Partial<ForecastItem> & Pick<ForecastItem, 'amount' | 'expectedOn'>): ForecastItem {
  return {
    kind: 'invoice',
    document: 'INV-2026-000001',
    customer: 'C001',
    currency: 'CNY',
    probability: new Big(1),
    overdue: false,
    ...over,
  };
}

/** period rows as [start, end, currency, expected, overdue, pipeline, cumulative] in minor units */
function rows(periods: ReturnType<typeof bucketItems>): [string, string, string, number, number, number, number][] {
  return periods.map((p) => [p.start, p.end, p.currency, p.expected.minor, p.overdue.minor, p.pipeline.minor, p.cumulative.minor]);
}

describe('periodsFrom', () => {
  it('weeks are 7 days each, starting on the as-of date, across a year end', () => {
    expect(periodsFrom('2026-12-18', { unit: 'week', count: 3 })).toEqual([
      { start: '2026-12-18', end: '2026-12-24' },
      { start: '2026-12-25', end: '2026-12-31' },
      { start: '2027-01-01', end: '2027-01-07' },
    ]);
  });

  it('months are calendar months; the first runs from the as-of date to the end of its month', () => {
    expect(periodsFrom('2026-11-27', { unit: 'month', count: 4 })).toEqual([
      { start: '2026-11-27', end: '2026-11-30' },
      { start: '2026-12-01', end: '2026-12-31' },
      { start: '2027-01-01', end: '2027-01-31' },
      { start: '2027-02-01', end: '2027-02-28' },
    ]);
  });

  it('a month start gives whole months; February of a leap year has 29 days', () => {
    expect(periodsFrom('2028-01-01', { unit: 'month', count: 3 })).toEqual([
      { start: '2028-01-01', end: '2028-01-31' },
      { start: '2028-02-01', end: '2028-02-29' },
      { start: '2028-03-01', end: '2028-03-31' },
    ]);
    expect(periodsFrom('2026-01-31', { unit: 'month', count: 2 })).toEqual([
      { start: '2026-01-31', end: '2026-01-31' },
      { start: '2026-02-01', end: '2026-02-28' },
    ]);
  });

  it('periods are contiguous and as many as asked', () => {
    for (const unit of ['week', 'month'] as const) {
      const ps = periodsFrom('2026-03-17', { unit, count: 13 });
      expect(ps).toHaveLength(13);
      for (let i = 1; i < ps.length; i++) {
        const next = new Date(`${ps[i - 1]!.end}T00:00:00Z`);
        next.setUTCDate(next.getUTCDate() + 1);
        expect(ps[i]!.start).toBe(next.toISOString().slice(0, 10));
        expect(ps[i]!.start <= ps[i]!.end).toBe(true);
      }
    }
    expect(periodsFrom('2026-03-17', { unit: 'week', count: 0 })).toEqual([]);
  });
});

describe('bucketItems', () => {
  const weeks = periodsFrom('2026-11-27', { unit: 'week', count: 3 });

  it('nothing expected: no rows at all', () => {
    expect(bucketItems([], weeks)).toEqual([]);
  });

  it('weights each amount by its probability, rounded half-up to the minor unit, and sums per period', () => {
    const items = [
      item({ amount: 1000_00, expectedOn: '2026-11-27', probability: new Big('0.85') }), // 850.00
      item({ amount: 1, expectedOn: '2026-12-03', probability: new Big('0.5') }), // 0.5 → 1
      item({ amount: 5, expectedOn: '2026-12-04', probability: new Big('0.5') }), // 2.5 → 3 (not banker's 2)
      item({ amount: 3, expectedOn: '2026-12-10', probability: new Big('0.5') }), // 1.5 → 2
      item({ amount: 500_00, expectedOn: '2026-12-11', probability: new Big('13.8').div(14) }), // 49285.714… → 49286
      item({ amount: 100_00, expectedOn: '2026-12-17', probability: new Big('12.5').div(13) }), // 9615.384… → 9615
    ];
    expect(rows(bucketItems(items, weeks))).toEqual([
      ['2026-11-27', '2026-12-03', 'CNY', 85001, 0, 0, 85001],
      ['2026-12-04', '2026-12-10', 'CNY', 5, 0, 0, 85006],
      ['2026-12-11', '2026-12-17', 'CNY', 58901, 0, 0, 143907],
    ]);
  });

  it('splits out what is overdue and what comes from orders; period bounds are inclusive, outside is left out', () => {
    const items = [
      item({ amount: 300_00, expectedOn: '2026-11-27', probability: new Big('0.85'), overdue: true }), // 255.00
      item({ amount: 300_00, expectedOn: '2026-11-27', probability: new Big('0.5'), overdue: true }), // 150.00
      item({ amount: 200_00, expectedOn: '2026-12-03', probability: new Big('0.98') }), // 196.00
      item({ kind: 'order', document: 'SO-2026-000001', amount: 100_00, expectedOn: '2026-12-04', probability: new Big('0.98') }), // 98.00
      item({ amount: 1000_00, expectedOn: '2026-12-10', probability: new Big('0.95'), overdue: true }), // 950.00
      item({ amount: 9999_99, expectedOn: '2026-12-18' }), // after the last period
      item({ amount: 8888_88, expectedOn: '2026-11-26' }), // before the first
    ];
    expect(rows(bucketItems(items, weeks))).toEqual([
      ['2026-11-27', '2026-12-03', 'CNY', 601_00, 405_00, 0, 601_00],
      ['2026-12-04', '2026-12-10', 'CNY', 1048_00, 950_00, 98_00, 1649_00],
      ['2026-12-11', '2026-12-17', 'CNY', 0, 0, 0, 1649_00],
    ]);
  });

  it('one set of periods per currency, currencies sorted, each with its own cumulative total', () => {
    const items = [
      item({ currency: 'USD', amount: 10_00, expectedOn: '2026-12-05' }),
      item({ currency: 'CNY', amount: 20_00, expectedOn: '2026-11-28', probability: new Big('0.5') }),
      item({ currency: 'CNY', amount: 30_00, expectedOn: '2026-12-12' }),
    ];
    const result = bucketItems(items, weeks);
    expect(rows(result)).toEqual([
      ['2026-11-27', '2026-12-03', 'CNY', 10_00, 0, 0, 10_00],
      ['2026-12-04', '2026-12-10', 'CNY', 0, 0, 0, 10_00],
      ['2026-12-11', '2026-12-17', 'CNY', 30_00, 0, 0, 40_00],
      ['2026-11-27', '2026-12-03', 'USD', 0, 0, 0, 0],
      ['2026-12-04', '2026-12-10', 'USD', 10_00, 0, 0, 10_00],
      ['2026-12-11', '2026-12-17', 'USD', 0, 0, 0, 10_00],
    ]);
    expect(result.every((p) => p.expected.currency === p.currency && p.cumulative.currency === p.currency)).toBe(true);
  });

  it('JPY has no minor digits: weighting rounds to whole yen', () => {
    const items = [item({ currency: 'JPY', amount: 1001, expectedOn: '2026-11-30', probability: new Big('0.5') })];
    expect(rows(bucketItems(items, weeks.slice(0, 1)))).toEqual([['2026-11-27', '2026-12-03', 'JPY', 501, 0, 0, 501]]);
  });

  it('the cumulative total is the running sum of the expected amounts', () => {
    const months = periodsFrom('2026-11-27', { unit: 'month', count: 6 });
    const items = Array.from({ length: 40 }, (_, i) => item({
      amount: 1234_56 + i * 777,
      expectedOn: `2027-0${1 + (i % 5)}-${String(1 + (i % 28)).padStart(2, '0')}`,
      probability: new Big(i % 7).div(7),
      overdue: i % 3 === 0,
      kind: i % 4 === 0 ? 'order' : 'invoice',
    }));
    let running = 0;
    for (const p of bucketItems(items, months)) {
      running += p.expected.minor;
      expect(p.cumulative.minor).toBe(running);
      expect(p.overdue.minor).toBeLessThanOrEqual(p.expected.minor);
      expect(p.pipeline.minor).toBeLessThanOrEqual(p.expected.minor);
    }
  });
});

describe('backtestDates', () => {
  it('the six month starts before today, oldest first', () => {
    expect(backtestDates('2026-11-27')).toEqual(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01']);
    expect(backtestDates('2026-03-01')).toEqual(['2025-09-01', '2025-10-01', '2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01']);
  });
});

describe('bar', () => {
  it('is empty for nothing, for negative values and when the maximum is not positive', () => {
    expect(bar(0, 100)).toBe('');
    expect(bar(-5, 100)).toBe('');
    expect(bar(5, 0)).toBe('');
    expect(bar(5, -1)).toBe('');
  });

  it('the largest value fills 28 characters', () => {
    expect(bar(961_54, 961_54)).toBe('█'.repeat(28));
  });

  it('draws in eighths of a character', () => {
    expect(bar(50, 100)).toBe('█'.repeat(14));
    expect(bar(1, 16)).toBe('█▊'); // 28 × 8 / 16 = 14 eighths
    expect(bar(1, 28)).toBe('█');
    expect(bar(1, 56)).toBe('▌');
    expect(bar(1, 224)).toBe('▏'); // one eighth
    expect(bar(405_00, 961_54)).toBe('███████████▊'); // as in the forecast table: 94.35 eighths → 94
  });

  it('is never longer than 28 characters and grows with the value', () => {
    let previous = 0;
    for (let v = 1; v <= 1000; v += 7) {
      const b = bar(v, 1000);
      expect([...b].length).toBeLessThanOrEqual(28);
      const eighths = [...b].reduce((s, ch) => s + (ch === '█' ? 8 : ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'].indexOf(ch)), 0);
      expect(eighths).toBeGreaterThanOrEqual(previous);
      previous = eighths;
    }
  });

  it('a small positive amount still shows (the doc comment promises it): at least one eighth', () => {
    // 1.00 against a largest period of 50,000.00 rounds to 0 eighths and draws nothing,
    // so it looks the same as a period with nothing expected.
    expect(bar(1_00, 50_000_00)).toBe('▏');
  });
});
