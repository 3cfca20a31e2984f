/**
 * The payment behaviour the forecast learns from closed invoices: the median delay per customer
 * and for the company, and the collection curve blended with the defaults while history is thin.
 */
import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CURVE, learnBehaviour, median, probabilityAt, type CollectionCurve } from '../../src/domain/collections/forecast/behaviour.js';
import { addDays } from '../../src/domain/dates.js';
import type { ClosedInvoice } from '../../src/domain/store.js';

const AS_OF = '2026-11-27';

/** An invoice due on `due` and closed `late` days later (negative: early). */
function closed(customer: string, due: string, late: number, total = 100_00, writtenOff = 0): ClosedInvoice {
  return { customer, currency: 'CNY', dueDate: due, closedOn: addDays(due, late), total, writtenOff };
}

/** The probability of each band, as strings with 6 decimals, for readable comparisons. */
function bands(curve: CollectionCurve): string[] {
  return curve.bands.map((b) => b.probability.toFixed(6));
}

describe('median', () => {
  it('is undefined for nothing, the middle value for an odd count, the rounded mean of the two middles for an even one', () => {
    expect(median([])).toBeUndefined();
    expect(median([7])).toBe(7);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([10, 15])).toBe(13); // 12.5 rounds up
    expect(median([-5, -9, 0])).toBe(-5);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('DEFAULT_CURVE and probabilityAt', () => {
  it.each([
    [-400, '0.98'],
    [-1, '0.98'],
    [0, '0.98'],
    [1, '0.95'],
    [30, '0.95'],
    [31, '0.85'],
    [60, '0.85'],
    [61, '0.7'],
    [90, '0.7'],
    [91, '0.5'],
    [120, '0.5'],
    [121, '0.25'],
    [5000, '0.25'],
  ])('%i days past due → %s', (days, p) => {
    expect(probabilityAt(DEFAULT_CURVE, days).toString()).toBe(p);
  });

  it('the defaults fall with age', () => {
    const ps = DEFAULT_CURVE.bands.map((b) => Number(b.probability));
    expect([...ps].sort((a, b) => b - a)).toEqual(ps);
    expect(DEFAULT_CURVE.bands[DEFAULT_CURVE.bands.length - 1]!.maxDays).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('a curve whose last band does not reach far enough answers with its last band', () => {
    const curve: CollectionCurve = { bands: [{ maxDays: 0, probability: new Big('0.9') }, { maxDays: 10, probability: new Big('0.4') }] };
    expect(probabilityAt(curve, 0).toString()).toBe('0.9');
    expect(probabilityAt(curve, 10).toString()).toBe('0.4');
    expect(probabilityAt(curve, 11).toString()).toBe('0.4');
  });
});

describe('learnBehaviour', () => {
  it('with no history: no customer delays, company delay 0, the default curve, 7 days from order to invoice', () => {
    const b = learnBehaviour([], [], AS_OF);
    expect(b.customerDelay.size).toBe(0);
    expect(b.companyDelay).toBe(0);
    expect(b.sample).toBe(0);
    expect(b.orderToInvoiceDays).toBe(7);
    expect(bands(b.curve)).toEqual(bands(DEFAULT_CURVE));
  });

  it('takes the median days late per customer, and the company median over all of them', () => {
    const b = learnBehaviour([
      closed('C001', '2026-07-01', 10),
      closed('C001', '2026-08-01', 30),
      closed('C001', '2026-09-01', 20),
      closed('C002', '2026-07-15', 0),
      closed('C003', '2026-06-01', -4),
      closed('C003', '2026-10-01', 2),
    ], [], AS_OF);
    expect(Object.fromEntries(b.customerDelay)).toEqual({ C001: 20, C002: 0, C003: -1 });
    // all: -4, 0, 2, 10, 20, 30 → (2 + 10) / 2
    expect(b.companyDelay).toBe(6);
    expect(b.sample).toBe(6);
  });

  it('uses only invoices closed in the last 12 months for delays', () => {
    const b = learnBehaviour([
      closed('C001', addDays(AS_OF, -500), 90), // closed 410 days ago
      closed('C001', '2026-10-01', 5),
      closed('C002', '2025-11-01', 26), // closed 2025-11-27: exactly 365 days before
      closed('C003', '2025-11-01', 25), // closed 2025-11-26: 366 days before
    ], [], AS_OF);
    expect(Object.fromEntries(b.customerDelay)).toEqual({ C001: 5, C002: 26 });
    expect(b.sample).toBe(2);
  });

  it('leaves written-off invoices out of the delays', () => {
    const b = learnBehaviour([
      closed('C001', '2026-08-01', 3),
      closed('C001', '2026-07-01', 100, 500_00, 500_00),
      closed('C002', '2026-07-01', 150, 200_00, 50_00),
    ], [], AS_OF);
    expect(Object.fromEntries(b.customerDelay)).toEqual({ C001: 3 });
    expect(b.sample).toBe(1);
  });

  it('customers who pay early do not make the company delay negative', () => {
    const b = learnBehaviour([closed('C001', '2026-08-01', -5), closed('C002', '2026-09-01', -3)], [], AS_OF);
    expect(Object.fromEntries(b.customerDelay)).toEqual({ C001: -5, C002: -3 });
    expect(b.companyDelay).toBe(0);
  });

  it('orderToInvoiceDays is the median of the lags', () => {
    expect(learnBehaviour([], [2, 9, 4], AS_OF).orderToInvoiceDays).toBe(4);
    expect(learnBehaviour([], [0, 0, 1], AS_OF).orderToInvoiceDays).toBe(0);
  });

  it('blends collected shares with the defaults, the default weighing as ten invoices', () => {
    // 10 invoices of 100.00 paid on time: band 0 = (10 × 1 + 10 × 0.98) / 20; no invoice reached 1 day late.
    const onTime = Array.from({ length: 10 }, (_, i) => closed('C001', addDays('2026-06-01', i), 0));
    expect(bands(learnBehaviour(onTime, [], AS_OF).curve)).toEqual(['0.990000', '0.950000', '0.850000', '0.700000', '0.500000', '0.250000']);

    // 4 invoices: 10, 20, 30 days late and on time.
    const four = [closed('C001', '2026-07-01', 10), closed('C001', '2026-07-31', 20), closed('C001', '2026-08-31', 30), closed('C002', '2026-07-15', 0)];
    const curve = learnBehaviour(four, [], AS_OF).curve;
    expect(curve.bands[0]!.probability.eq(new Big('13.8').div(14))).toBe(true); // (4 + 9.8) / 14
    expect(curve.bands[1]!.probability.eq(new Big('12.5').div(13))).toBe(true); // (3 + 9.5) / 13
    expect(bands(curve).slice(2)).toEqual(['0.850000', '0.700000', '0.500000', '0.250000']);
    expect(curve.bands.map((b) => b.maxDays)).toEqual(DEFAULT_CURVE.bands.map((b) => b.maxDays));
  });

  it('written-off invoices lower the probability of the bands they reached', () => {
    // 8 invoices paid 40 days late, 2 written off whole 100 days past due; each 1,000.00.
    const paid = Array.from({ length: 8 }, (_, i) => closed('C001', addDays('2026-03-01', i), 40, 1000_00));
    const lost = [closed('C002', '2026-03-01', 100, 1000_00, 1000_00), closed('C002', '2026-03-02', 100, 1000_00, 1000_00)];
    const b = learnBehaviour([...paid, ...lost], [], AS_OF);
    expect(bands(b.curve)).toEqual([
      '0.890000', // (0.8 × 10 + 0.98 × 10) / 20
      '0.875000', // (0.8 × 10 + 0.95 × 10) / 20
      '0.825000', // (0.8 × 10 + 0.85 × 10) / 20
      '0.583333', // only the 2 written off were still open at 61 days: (0 + 0.70 × 10) / 12
      '0.416667', // (0 + 0.50 × 10) / 12
      '0.250000', // none reached 121 days
    ]);
    const withoutLosses = learnBehaviour(paid, [], AS_OF).curve;
    for (let i = 0; i < 5; i++) expect(b.curve.bands[i]!.probability.lt(withoutLosses.bands[i]!.probability), `band ${i}`).toBe(true);
    expect(probabilityAt(b.curve, 95).toFixed(6)).toBe('0.416667');
  });

  it('a partial write-off counts the part collected, weighted by amount', () => {
    // 1,000.00 of which 400.00 written off at 50 days, and 3,000.00 paid at 50 days: 3,600 / 4,000 = 0.9 collected.
    const b = learnBehaviour([closed('C001', '2026-06-01', 50, 1000_00, 400_00), closed('C002', '2026-06-01', 50, 3000_00)], [], AS_OF);
    // band 0: (0.9 × 2 + 0.98 × 10) / 12 = 11.6 / 12
    expect(b.curve.bands[0]!.probability.toFixed(6)).toBe(new Big('11.6').div(12).toFixed(6));
    // band 2 (31-60): (0.9 × 2 + 0.85 × 10) / 12 = 10.3 / 12
    expect(b.curve.bands[2]!.probability.toFixed(6)).toBe(new Big('10.3').div(12).toFixed(6));
    // band 3 (61-90): nobody got there
    expect(b.curve.bands[3]!.probability.toFixed(2)).toBe('0.70');
  });

  it('probabilities stay within (0, 1] however the history looks', () => {
    const allLost = Array.from({ length: 50 }, (_, i) => closed('C001', addDays('2026-01-01', i), 200, 100_00, 100_00));
    for (const band of learnBehaviour(allLost, [], AS_OF).curve.bands) {
      expect(band.probability.gt(0)).toBe(true);
      expect(band.probability.lte(1)).toBe(true);
    }
  });
});
