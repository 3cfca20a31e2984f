import Big from 'big.js';
import { describe, it, expect } from 'vitest';
import { InvariantError, ValidationError } from '../../src/domain/errors.js';
import {
  add,
  allocate,
  compare,
  currency,
  equals,
  formatMoney,
  isCurrency,
  isNegative,
  isPositive,
  isZero,
  knownCurrencies,
  minorToDecimal,
  money,
  multiply,
  negate,
  parseMoney,
  percentage,
  subtract,
  sum,
  toDecimalString,
  zero,
  type RoundingMode,
} from '../../src/domain/money/index.js';

const cny = (minor: number) => money(minor, 'CNY');

function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('currency', () => {
  it('knows minor digits and symbols', () => {
    expect(currency('CNY')).toMatchObject({ code: 'CNY', minorDigits: 2, symbol: '¥' });
    expect(currency('USD')).toMatchObject({ minorDigits: 2, symbol: '$' });
    expect(currency('EUR').symbol).toBe('€');
    expect(currency('HKD').symbol).toBe('HK$');
    expect(currency('GBP').symbol).toBe('£');
    expect(currency('JPY')).toMatchObject({ minorDigits: 0, symbol: undefined });
    expect(knownCurrencies().map((c) => c.code)).toEqual(['CNY', 'EUR', 'GBP', 'HKD', 'JPY', 'USD']);
    expect(isCurrency('CNY')).toBe(true);
    expect(isCurrency('cny')).toBe(false);
  });

  it('rejects an unknown code naming the known ones', () => {
    const e = rejection(() => currency('XYZ'));
    expect(e.problems[0]).toEqual({
      field: 'currency',
      value: 'XYZ',
      reason: 'unknown currency; known: CNY, EUR, GBP, HKD, JPY, USD',
    });
  });
});

describe('money basics', () => {
  it('requires safe integer minor units and a known currency', () => {
    expect(() => money(1.5, 'CNY')).toThrow(InvariantError);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'CNY')).toThrow(InvariantError);
    expect(() => money(NaN, 'CNY')).toThrow(InvariantError);
    expect(() => money(1, 'XXX')).toThrow(InvariantError);
    expect(Object.is(money(-0, 'CNY').minor, 0)).toBe(true);
  });

  it('a failed invariant still says what failed, its message made only then', () => {
    expect(() => money(1.5, 'CNY')).toThrow('money amount must be a safe integer of minor units, got 1.5');
    expect(() => money(1, 'XXX')).toThrow('unknown currency code "XXX"');
    expect(() => add(money(Number.MAX_SAFE_INTEGER, 'CNY'), money(1, 'CNY'))).toThrow(`${Number.MAX_SAFE_INTEGER} + 1 overflows a safe integer`);
    expect(() => add(money(1, 'CNY'), money(1, 'USD'))).toThrow('currency mismatch: CNY vs USD');
  });

  it('predicates, compare, equals, negate', () => {
    expect(isZero(zero('USD'))).toBe(true);
    expect(isNegative(cny(-1))).toBe(true);
    expect(isPositive(cny(1))).toBe(true);
    expect(isPositive(cny(0))).toBe(false);
    expect(compare(cny(1), cny(2))).toBe(-1);
    expect(compare(cny(2), cny(2))).toBe(0);
    expect(compare(cny(3), cny(2))).toBe(1);
    expect(() => compare(cny(1), money(1, 'USD'))).toThrow(InvariantError);
    expect(equals(cny(5), cny(5))).toBe(true);
    expect(equals(cny(5), money(5, 'USD'))).toBe(false);
    expect(negate(cny(5))).toEqual(cny(-5));
    expect(Object.is(negate(cny(0)).minor, 0)).toBe(true);
  });

  it('sum', () => {
    expect(sum([], 'CNY')).toEqual(cny(0));
    expect(sum([cny(1), cny(2), cny(-10)], 'CNY')).toEqual(cny(-7));
    expect(() => sum([cny(1), money(1, 'USD')], 'CNY')).toThrow(InvariantError);
    expect(() => sum([cny(Number.MAX_SAFE_INTEGER), cny(1)], 'CNY')).toThrow(InvariantError);
  });

  it('add and subtract exactly', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; in fen it is just 30.
    expect(add(cny(10), cny(20))).toEqual(cny(30));
    expect(subtract(cny(10), cny(25))).toEqual(cny(-15));
    expect(add(money(1, 'JPY'), money(2, 'JPY'))).toEqual(money(3, 'JPY'));
  });

  it('add and subtract refuse a currency mismatch and overflow', () => {
    expect(() => add(cny(1), money(1, 'USD'))).toThrow(InvariantError);
    expect(() => subtract(cny(1), money(1, 'USD'))).toThrow(/currency mismatch/);
    expect(() => add(cny(Number.MAX_SAFE_INTEGER), cny(1))).toThrow(InvariantError);
    expect(() => subtract(cny(-Number.MAX_SAFE_INTEGER), cny(1))).toThrow(InvariantError);
  });
});

describe('parseMoney', () => {
  it.each([
    ['1,234.50', 123450],
    ['¥1234.5', 123450],
    ['￥1234.5', 123450],
    ['-0.05', -5],
    ['CNY 12', 1200],
    ['cny12.3', 1230],
    ['  +7  ', 700],
    ['-¥1,234.50', -123450],
    ['¥-12', -1200],
    ['CNY -12.00', -1200],
    ['0', 0],
    ['-0.00', 0],
    ['1,234,567.89', 123456789],
    ['007.10', 710],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('CNY %j → %d', (text, minor) => {
    const m = parseMoney(text, 'CNY');
    expect(m).toEqual(cny(minor));
    expect(Object.is(m.minor, -0)).toBe(false);
  });

  it('other currencies', () => {
    expect(parseMoney('$1,000.01', 'USD')).toEqual(money(100001, 'USD'));
    expect(parseMoney('HK$5', 'HKD')).toEqual(money(500, 'HKD'));
    expect(parseMoney('€3.5', 'EUR')).toEqual(money(350, 'EUR'));
    expect(parseMoney('£0.99', 'GBP')).toEqual(money(99, 'GBP'));
    expect(parseMoney('1,234', 'JPY')).toEqual(money(1234, 'JPY'));
    expect(parseMoney('JPY 500', 'JPY')).toEqual(money(500, 'JPY'));
  });

  it.each([
    ['', 'is empty; expected an amount such as 1234.50'],
    ['   ', 'is empty; expected an amount such as 1234.50'],
    ['abc', 'is not an amount; expected an amount such as 1234.50'],
    ['1e3', 'uses exponent notation; write the amount out in full, such as 1234.50'],
    ['NaN', 'is not a number; expected an amount such as 1234.50'],
    ['Infinity', 'is not a number; expected an amount such as 1234.50'],
    ['-Infinity', 'is not a number; expected an amount such as 1234.50'],
    ['12.345', 'has 3 decimal places; CNY allows at most 2'],
    ['1.000', 'has 3 decimal places; CNY allows at most 2'],
    ['1.234,50', "uses ',' as the decimal separator; write it as 1234.50"],
    ['12,34.5', "has misplaced thousands separators; group digits in threes (1,234,567.89) and use '.' for decimals"],
    ['1,2345', "has misplaced thousands separators; group digits in threes (1,234,567.89) and use '.' for decimals"],
    ['1.2.3', 'has more than one decimal point'],
    ['--5', 'has more than one sign'],
    ['-¥-5', 'has more than one sign'],
    ['-', 'has no digits; expected an amount such as 1234.50'],
    ['¥', 'has no digits; expected an amount such as 1234.50'],
    ['$12', '$ is the USD symbol but the currency is CNY'],
    ['USD 12', 'is marked USD but the currency is CNY'],
    ['12 CNY', 'is not an amount; expected an amount such as 1234.50'],
    ['.5', 'is not an amount; expected an amount such as 1234.50'],
    ['1 234', 'is not an amount; expected an amount such as 1234.50'],
    ['90071992547409.92', 'is too large; the largest amount is 90071992547409.91'],
    ['99999999999999999999999', 'is too large; the largest amount is 90071992547409.91'],
  ])('CNY rejects %j: %s', (text, reason) => {
    const e = rejection(() => parseMoney(text, 'CNY', 'total'));
    expect(e.problems).toEqual([{ field: 'total', value: text, reason }]);
  });

  it('defaults the field to amount', () => {
    expect(rejection(() => parseMoney('x', 'CNY')).problems[0]?.field).toBe('amount');
  });

  it('JPY has no minor unit and no symbol', () => {
    expect(rejection(() => parseMoney('12.5', 'JPY')).problems[0]?.reason).toBe('has 1 decimal place; JPY has no minor unit');
    expect(rejection(() => parseMoney('', 'JPY')).problems[0]?.reason).toBe('is empty; expected an amount such as 1234');
    // ¥ is yuan, never yen.
    expect(rejection(() => parseMoney('¥100', 'JPY')).problems[0]?.reason).toBe('¥ is the CNY symbol but the currency is JPY');
    expect(rejection(() => parseMoney('9007199254740992', 'JPY')).problems[0]?.reason).toBe(
      'is too large; the largest amount is 9007199254740991',
    );
  });

  it('HK$ is not taken for $', () => {
    expect(rejection(() => parseMoney('HK$5', 'USD')).problems[0]?.reason).toBe('HK$ is the HKD symbol but the currency is USD');
  });

  it('unknown currency is a currency problem', () => {
    expect(rejection(() => parseMoney('1', 'XXX')).problems[0]?.field).toBe('currency');
  });
});

describe('formatting', () => {
  it('toDecimalString', () => {
    expect(toDecimalString(cny(123450))).toBe('1234.50');
    expect(toDecimalString(cny(-5))).toBe('-0.05');
    expect(toDecimalString(cny(0))).toBe('0.00');
    expect(toDecimalString(cny(7))).toBe('0.07');
    expect(toDecimalString(cny(-123456789))).toBe('-1234567.89');
    expect(toDecimalString(money(1234, 'JPY'))).toBe('1234');
    expect(toDecimalString(money(-1234, 'JPY'))).toBe('-1234');
  });

  it('formatMoney', () => {
    expect(formatMoney(cny(123450))).toBe('1,234.50');
    expect(formatMoney(cny(123450), { symbol: true })).toBe('¥1,234.50');
    expect(formatMoney(cny(-123450), { symbol: true })).toBe('-¥1,234.50');
    expect(formatMoney(cny(-123450), { grouping: false })).toBe('-1234.50');
    expect(formatMoney(cny(12345678901), { symbol: true })).toBe('¥123,456,789.01');
    expect(formatMoney(cny(99))).toBe('0.99');
    expect(formatMoney(cny(100000))).toBe('1,000.00');
    expect(formatMoney(money(1234567, 'JPY'))).toBe('1,234,567');
    expect(formatMoney(money(-1234567, 'JPY'), { symbol: true })).toBe('-JPY 1,234,567');
    expect(formatMoney(money(500, 'HKD'), { symbol: true })).toBe('HK$5.00');
    // Every length of integer part, against the pattern the grouping replaced.
    for (let digits = 1; digits <= 15; digits++) {
      const minor = Number('9876543210123456'.slice(0, digits));
      const int = minorToDecimal(minor, 2).split('.')[0]!;
      const grouped = `${int.replace(/\B(?=(\d{3})+$)/g, ',')}.${minorToDecimal(minor, 2).split('.')[1]}`;
      expect(formatMoney(cny(minor)), `${minor}`).toBe(grouped);
      expect(formatMoney(cny(-minor)), `${-minor}`).toBe(`-${grouped}`);
    }
  });

  it('formatMoney output parses back', () => {
    for (const m of [cny(-123450), cny(5), money(100001, 'USD'), money(-500, 'HKD')]) {
      expect(parseMoney(formatMoney(m, { symbol: true }), m.currency)).toEqual(m);
    }
  });
});

describe('multiply and percentage', () => {
  const modes: RoundingMode[] = ['half-up', 'half-even', 'down', 'up'];

  it.each([
    // minor, factor, half-up, half-even, down, up
    [125, '0.1', 13, 12, 12, 13], // 12.5
    [135, '0.1', 14, 14, 13, 14], // 13.5
    [-125, '0.1', -13, -12, -12, -13],
    [-135, '0.1', -14, -14, -13, -14],
    [1, '0.5', 1, 0, 0, 1],
    [3, '0.5', 2, 2, 1, 2],
    [100, '0.333', 33, 33, 33, 34], // 33.3
    [100, '0.337', 34, 34, 33, 34], // 33.7
    [1000, '1', 1000, 1000, 1000, 1000],
  ])('%d × %s', (minor, factor, ...expected) => {
    modes.forEach((mode, i) => {
      expect(multiply(cny(minor), factor, mode)).toEqual(cny(expected[i]!));
    });
  });

  it('¥1.00 × 0.125 = ¥0.125: half-up gives 0.13, half-even 0.12', () => {
    expect(multiply(cny(100), '0.125', 'half-up')).toEqual(cny(13));
    expect(multiply(cny(100), '0.125', 'half-even')).toEqual(cny(12));
    expect(multiply(cny(100), '0.135', 'half-even')).toEqual(cny(14));
    expect(multiply(cny(-100), '0.125', 'half-up')).toEqual(cny(-13));
    expect(multiply(cny(-100), '0.125', 'half-even')).toEqual(cny(-12));
  });

  it('accepts integer numbers and Big, refuses float numbers and junk', () => {
    expect(multiply(cny(7), 3, 'half-up')).toEqual(cny(21));
    expect(multiply(cny(7), -3, 'half-up')).toEqual(cny(-21));
    expect(multiply(cny(7), new Big('1.5'), 'half-even')).toEqual(cny(10)); // 10.5 → 10
    expect(() => multiply(cny(7), 0.1, 'half-up')).toThrow(InvariantError);
    expect(() => multiply(cny(7), 'abc', 'half-up')).toThrow(InvariantError);
    expect(() => multiply(cny(Number.MAX_SAFE_INTEGER), 2, 'half-up')).toThrow(InvariantError);
  });

  it('never returns -0', () => {
    expect(Object.is(multiply(cny(-1), '0.1', 'half-up').minor, 0)).toBe(true);
    expect(Object.is(multiply(cny(5), 0, 'half-up').minor, 0)).toBe(true);
  });

  it('percentage', () => {
    expect(percentage(money(10000, 'CNY'), '13', 'half-up')).toEqual(cny(1300));
    expect(percentage(cny(12345), '13', 'half-up')).toEqual(cny(1605)); // 1604.85
    expect(percentage(cny(12345), '13', 'down')).toEqual(cny(1604));
    expect(percentage(cny(250), '1', 'half-up')).toEqual(cny(3)); // 2.5
    expect(percentage(cny(250), '1', 'half-even')).toEqual(cny(2));
    expect(percentage(cny(-250), '1', 'half-up')).toEqual(cny(-3));
    expect(percentage(cny(-250), '1', 'half-even')).toEqual(cny(-2));
    expect(percentage(cny(10000), '6.5', 'half-up')).toEqual(cny(650));
    expect(percentage(cny(333), '33.333', 'up')).toEqual(cny(111)); // 110.99889
    expect(percentage(money(999, 'JPY'), '10', 'half-even')).toEqual(money(100, 'JPY')); // 99.9
    expect(() => percentage(cny(1), 'ten', 'half-up')).toThrow(InvariantError);
  });
});

describe('allocate', () => {
  const minors = (parts: { minor: number }[]) => parts.map((p) => p.minor);

  it('100 over [1,1,1] → 34,33,33', () => {
    expect(minors(allocate(cny(100), [1, 1, 1]))).toEqual([34, 33, 33]);
  });

  it('0.05 over [70,30] → 0.04, 0.01', () => {
    // exact shares 3.5 and 1.5: equal remainders, the earlier part wins
    expect(minors(allocate(cny(5), [70, 30]))).toEqual([4, 1]);
  });

  it('negative amounts mirror positive ones', () => {
    expect(minors(allocate(cny(-100), [1, 1, 1]))).toEqual([-34, -33, -33]);
    expect(minors(allocate(cny(-5), [70, 30]))).toEqual([-4, -1]);
  });

  it('largest remainder, not just the first parts', () => {
    // shares 1.2, 1.2, 7.6 → floors 1,1,7 and the spare unit goes to the .6
    expect(minors(allocate(cny(10), [12, 12, 76]))).toEqual([1, 1, 8]);
  });

  it('zero weights, decimal string weights, zero amount', () => {
    expect(minors(allocate(cny(100), [0, 1, 0]))).toEqual([0, 100, 0]);
    expect(minors(allocate(cny(100), ['0.5', '0.25', '0.25']))).toEqual([50, 25, 25]);
    expect(minors(allocate(cny(1), ['0.1', 0.3]))).toEqual([0, 1]);
    expect(minors(allocate(cny(0), [1, 2]))).toEqual([0, 0]);
    expect(allocate(money(7, 'JPY'), [1, 1]).map((p) => p.currency)).toEqual(['JPY', 'JPY']);
  });

  it('refuses bad weights', () => {
    expect(() => allocate(cny(100), [])).toThrow(InvariantError);
    expect(() => allocate(cny(100), [0, 0])).toThrow(InvariantError);
    expect(() => allocate(cny(100), [1, -1, 3])).toThrow(InvariantError);
    expect(() => allocate(cny(100), [1, NaN])).toThrow(InvariantError);
    expect(() => allocate(cny(100), [1, Infinity])).toThrow(InvariantError);
    expect(() => allocate(cny(100), ['x'])).toThrow(InvariantError);
  });
});
