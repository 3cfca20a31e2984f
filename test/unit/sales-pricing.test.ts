import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { money, type Money } from '../../src/domain/money/index.js';
import { documentTotals, lineAmounts, type LineAmounts } from '../../src/domain/sales/pricing.js';

const cny = (minor: number): Money => money(minor, 'CNY');
const amounts = (l: LineAmounts) => ({ net: l.net.minor, tax: l.tax.minor, currency: l.net.currency, taxCurrency: l.tax.currency });

describe('lineAmounts, tax-exclusive (VAT per line, half-up to the cent)', () => {
  it.each([
    // quantity, unit price (minor), rate, net, tax
    { q: 33, p: 2550, rate: '13', net: 84150, tax: 10940 }, // 109.395 → 109.40
    { q: 5, p: 150000, rate: '13', net: 750000, tax: 97500 },
    { q: 2, p: 30000, rate: '6', net: 60000, tax: 3600 },
    { q: 1, p: 5, rate: '13', net: 5, tax: 1 }, // 0.0065 → 0.01
    { q: 1, p: 3, rate: '13', net: 3, tax: 0 }, // 0.0039 → 0.00
    { q: 7, p: 123456, rate: '0', net: 864192, tax: 0 },
    { q: 3, p: 1999, rate: '9', net: 5997, tax: 540 }, // 5.3973 → 5.40
    { q: 4, p: 2500, rate: '9', net: 10000, tax: 900 },
    { q: 7, p: 1234, rate: '6.5', net: 8638, tax: 561 }, // 5.6147 → 5.61
    { q: 1, p: 1000, rate: '6.5', net: 1000, tax: 65 },
    { q: 1, p: 10, rate: '5', net: 10, tax: 1 }, // exact tie 0.005 → 0.01 (half-up)
    { q: 1, p: 30, rate: '6.5', net: 30, tax: 2 }, // 0.0195 → 0.02
  ])('$q × $p at $rate % → net $net, tax $tax', ({ q, p, rate, net, tax }) => {
    expect(amounts(lineAmounts(q, cny(p), rate, false))).toEqual({ net, tax, currency: 'CNY', taxCurrency: 'CNY' });
  });

  it('keeps the currency of the unit price, including one without a minor unit', () => {
    // 33 × ¥255 = 8415 JPY; 13 % = 1093.95 → 1094
    const l = lineAmounts(33, money(255, 'JPY'), '13', false);
    expect(amounts(l)).toEqual({ net: 8415, tax: 1094, currency: 'JPY', taxCurrency: 'JPY' });
  });

  it('accepts a rate written with trailing zeros', () => {
    expect(amounts(lineAmounts(7, cny(1234), '6.50', false))).toEqual(amounts(lineAmounts(7, cny(1234), '6.5', false)));
  });

  it('is zero for a zero price', () => {
    expect(amounts(lineAmounts(10, cny(0), '13', false))).toEqual({ net: 0, tax: 0, currency: 'CNY', taxCurrency: 'CNY' });
  });
});

describe('lineAmounts, tax-inclusive (net = round(gross ÷ (1 + rate)), tax = gross − net)', () => {
  it.each([
    { q: 1, p: 11300, rate: '13', net: 10000, tax: 1300 },
    { q: 1, p: 1000, rate: '13', net: 885, tax: 115 }, // 10 / 1.13 = 8.849…
    { q: 3, p: 1000, rate: '13', net: 2655, tax: 345 }, // 30 / 1.13 = 26.548…
    { q: 1, p: 10900, rate: '9', net: 10000, tax: 900 },
    { q: 1, p: 1000, rate: '9', net: 917, tax: 83 }, // 10 / 1.09 = 9.174…
    { q: 1, p: 1065, rate: '6.5', net: 1000, tax: 65 },
    { q: 2, p: 999, rate: '6.5', net: 1876, tax: 122 }, // 19.98 / 1.065 = 18.760…
    { q: 4, p: 2500, rate: '0', net: 10000, tax: 0 },
    { q: 1, p: 1, rate: '100', net: 1, tax: 0 }, // 0.005 tie → half-up
  ])('$q × $p at $rate % inclusive → net $net, tax $tax', ({ q, p, rate, net, tax }) => {
    expect(amounts(lineAmounts(q, cny(p), rate, true))).toEqual({ net, tax, currency: 'CNY', taxCurrency: 'CNY' });
  });
});

// A rate in hundredths of a percent (0…100.00 %), written as decimal text the way settings store it.
const rateHundredths = fc.integer({ min: 0, max: 10_000 });
const rateText = (h: number): string => `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}`;
const quantity = fc.integer({ min: 1, max: 1_000_000 });
const priceMinor = fc.integer({ min: 0, max: 1_000_000_000 }); // ≤ 10 million yuan: q × p stays safe

describe('lineAmounts (properties)', () => {
  it('tax-inclusive: net + tax is exactly quantity × unit price, and net is the nearest cent to gross ÷ (1 + rate)', () => {
    fc.assert(
      fc.property(quantity, priceMinor, rateHundredths, (q, p, h) => {
        const l = lineAmounts(q, cny(p), rateText(h), true);
        const gross = BigInt(q) * BigInt(p);
        expect(BigInt(l.net.minor) + BigInt(l.tax.minor)).toBe(gross);
        // |net − gross·10000/(10000+h)| ≤ ½  ⇔  |2·net·(10000+h) − 2·gross·10000| ≤ 10000+h
        const d = BigInt(10_000 + h);
        const diff = 2n * BigInt(l.net.minor) * d - 2n * gross * 10_000n;
        expect(diff < 0n ? -diff : diff).toBeLessThanOrEqual(d);
        expect(l.tax.minor).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('tax-exclusive: net is exactly quantity × unit price and tax is within half a minor unit of net × rate (ties up)', () => {
    fc.assert(
      fc.property(quantity, priceMinor, rateHundredths, (q, p, h) => {
        const l = lineAmounts(q, cny(p), rateText(h), false);
        const net = BigInt(q) * BigInt(p);
        expect(BigInt(l.net.minor)).toBe(net);
        // exact tax = net·h/10000; |tax − exact| ≤ ½ ⇔ |20000·tax − 2·net·h| ≤ 10000
        const diff = 20_000n * BigInt(l.tax.minor) - 2n * net * BigInt(h);
        expect(diff < 0n ? -diff : diff).toBeLessThanOrEqual(10_000n);
        if (diff === -10_000n) expect.fail('a tie was rounded down, not half-up');
      }),
    );
  });

  it('with a 0 % rate the tax is zero either way', () => {
    fc.assert(
      fc.property(quantity, priceMinor, fc.boolean(), (q, p, inclusive) => {
        const l = lineAmounts(q, cny(p), '0', inclusive);
        expect(l.tax.minor).toBe(0);
        expect(l.net.minor).toBe(q * p);
      }),
    );
  });
});

describe('documentTotals', () => {
  it('sums the per-line amounts (not a re-taxed total)', () => {
    const lines = [lineAmounts(33, cny(2550), '13', false), lineAmounts(5, cny(150000), '13', false), lineAmounts(2, cny(30000), '6', false)];
    const t = documentTotals(lines, 'CNY');
    expect(t.net).toEqual(cny(84150 + 750000 + 60000));
    expect(t.tax).toEqual(cny(10940 + 97500 + 3600));
    expect(t.total).toEqual(cny(84150 + 750000 + 60000 + 10940 + 97500 + 3600));
  });

  it('per-line rounding: three lines of 0.05 at 13 % carry 0.03 tax, not round(0.15 × 13 %) = 0.02', () => {
    const line = lineAmounts(1, cny(5), '13', false);
    const t = documentTotals([line, line, line], 'CNY');
    expect(t.tax.minor).toBe(3);
    expect(t.total.minor).toBe(18);
  });

  it('is zero in the given currency for no lines', () => {
    const t = documentTotals([], 'USD');
    expect(t).toEqual({ net: money(0, 'USD'), tax: money(0, 'USD'), total: money(0, 'USD') });
  });

  it('sums exactly (property)', () => {
    const line = fc
      .tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000_000 }), rateHundredths, fc.boolean())
      .map(([q, p, h, inc]) => lineAmounts(q, cny(p), rateText(h), inc));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const t = documentTotals(lines, 'CNY');
        const net = lines.reduce((s, l) => s + BigInt(l.net.minor), 0n);
        const tax = lines.reduce((s, l) => s + BigInt(l.tax.minor), 0n);
        expect(BigInt(t.net.minor)).toBe(net);
        expect(BigInt(t.tax.minor)).toBe(tax);
        expect(BigInt(t.total.minor)).toBe(net + tax);
        expect([t.net.currency, t.tax.currency, t.total.currency]).toEqual(['CNY', 'CNY', 'CNY']);
      }),
    );
  });
});
