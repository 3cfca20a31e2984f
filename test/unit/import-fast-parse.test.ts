import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIsoDate } from '../../src/domain/dates.js';
import { isPlainDate, minorDigitsOf, plainMinor } from '../../src/domain/import/fast-parse.js';
import { RowLog } from '../../src/domain/import/row-log.js';
import { parseMoney } from '../../src/domain/money/index.js';

/** What parseMoney makes of a text in a currency, or undefined when it refuses it. */
function full(text: string, currency: string): number | undefined {
  try {
    return parseMoney(text, currency, 'amount').minor;
  } catch {
    return undefined;
  }
}

describe('plainMinor (the import\'s fast path for amounts)', () => {
  it('reads plain decimals in minor units', () => {
    expect(plainMinor('1234.50', 2)).toBe(123450);
    expect(plainMinor('1234.5', 2)).toBe(123450);
    expect(plainMinor('7', 2)).toBe(700);
    expect(plainMinor('007.01', 2)).toBe(701);
    expect(plainMinor('1234', 0)).toBe(1234);
    expect(plainMinor('9999999999999.99', 2)).toBe(999999999999999);
  });

  it('leaves everything else to parseMoney: signs, symbols, grouping, too many places, too many digits', () => {
    for (const text of ['', '-5.00', '+5', '¥5', '1,234.50', '1.234,50', '5.', '.5', '5.001', ' 5', '5 ', '1e3', '12345678901234', '5.0.0']) {
      expect(plainMinor(text, 2), text).toBeUndefined();
    }
    expect(plainMinor('5.5', 0)).toBeUndefined();
  });

  it('never accepts what parseMoney refuses, and agrees with it on all it accepts', () => {
    fc.assert(fc.property(
      fc.oneof(fc.stringMatching(/^[0-9]{0,15}(\.[0-9]{0,3})?$/), fc.string({ maxLength: 12 })),
      fc.constantFrom('CNY', 'USD', 'JPY'),
      (text, currency) => {
        const fast = plainMinor(text, minorDigitsOf(currency)!);
        if (fast !== undefined) expect(fast).toBe(full(text, currency));
      },
    ), { numRuns: 2000, seed: 20261127 });
  });

  it('minorDigitsOf: the currency\'s places, undefined for a code that is not a currency', () => {
    expect(minorDigitsOf('CNY')).toBe(2);
    expect(minorDigitsOf('JPY')).toBe(0);
    expect(minorDigitsOf('XXX')).toBeUndefined();
  });
});

describe('isPlainDate', () => {
  it('agrees with isIsoDate, also when asked again', () => {
    for (const text of ['2026-11-20', '2024-02-29', '2026-02-29', '2026-13-01', '2026-11-31', '2026/11/20', ' 2026-11-20', '1899-12-31']) {
      expect(isPlainDate(text), text).toBe(isIsoDate(text));
      expect(isPlainDate(text), text).toBe(isIsoDate(text));
    }
  });
});

describe('RowLog', () => {
  it('remembers the first line that matched each row, through growth', () => {
    const log = new RowLog();
    let repeated = 0;
    for (let id = 1; id <= 100_000; id++) if (log.claim(id * 3, id + 1) !== undefined) repeated++;
    expect(repeated).toBe(0);
    expect(log.count).toBe(100_000);
    expect(log.claim(3, 999)).toBe(2);
    expect(log.claim(300_000, 5)).toBe(100_001);
    expect(log.claim(4, 7)).toBeUndefined();
    expect(log.claim(4, 8)).toBe(7);
  });

  it('refuses ids it cannot hold', () => {
    expect(() => new RowLog().claim(0, 1)).toThrow(RangeError);
    expect(() => new RowLog().claim(2 ** 31, 1)).toThrow(RangeError);
  });
});
