import Big from 'big.js';
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import {
  add,
  allocate,
  formatMoney,
  knownCurrencies,
  money,
  parseMoney,
  subtract,
  toDecimalString,
} from '../../src/domain/money/index.js';

const MAX = Number.MAX_SAFE_INTEGER;
const codes = knownCurrencies().map((c) => c.code);
const anyCurrency = fc.constantFrom(...codes);
const anyMinor = fc.integer({ min: -MAX, max: MAX });
const anyMoney = fc.tuple(anyMinor, anyCurrency).map(([minor, code]) => money(minor, code));
// Small enough that sums and differences of two stay safe.
const half = Math.floor(MAX / 2);
const anyHalfMinor = fc.integer({ min: -half, max: half });

describe('allocate (properties)', () => {
  const weights = fc
    .array(fc.oneof(fc.nat({ max: 1_000_000 }), fc.nat({ max: 1_000_000 }).map((n) => `${n / 1000}`)), {
      minLength: 1,
      maxLength: 12,
    })
    .filter((ws) => ws.some((w) => Number(w) > 0));

  it('parts sum to the total and each is within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(anyMinor, weights, (minor, ws) => {
        const total = money(minor, 'CNY');
        const parts = allocate(total, ws);
        expect(parts).toHaveLength(ws.length);
        expect(parts.reduce((acc, p) => acc + BigInt(p.minor), 0n)).toBe(BigInt(minor));

        const totalWeight = ws.reduce<Big>((acc, w) => acc.plus(w), new Big(0));
        parts.forEach((p, i) => {
          expect(p.currency).toBe('CNY');
          const exact = new Big(minor).times(ws[i]!).div(totalWeight);
          expect(new Big(p.minor).minus(exact).abs().lt(1)).toBe(true);
        });
      }),
    );
  });

  it('a zero weight gets nothing', () => {
    fc.assert(
      fc.property(anyMinor, fc.array(fc.nat({ max: 100 }), { minLength: 1, maxLength: 8 }), (minor, ws) => {
        const withZero = [...ws, 0, 1];
        const parts = allocate(money(minor, 'USD'), withZero);
        expect(parts[withZero.length - 2]!.minor).toBe(0);
      }),
    );
  });
});

describe('parse and format (properties)', () => {
  it('parseMoney ∘ toDecimalString is the identity', () => {
    fc.assert(
      fc.property(anyMoney, (m) => {
        expect(parseMoney(toDecimalString(m), m.currency)).toEqual(m);
      }),
    );
  });

  it('parseMoney ∘ formatMoney is the identity, with or without grouping and symbol', () => {
    fc.assert(
      fc.property(anyMoney, fc.boolean(), fc.boolean(), (m, grouping, symbol) => {
        expect(parseMoney(formatMoney(m, { grouping, symbol }), m.currency)).toEqual(m);
      }),
    );
  });

  it('toDecimalString ∘ parseMoney normalises canonical text back to itself', () => {
    const canonical = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: BigInt(MAX) }))
      .map(([neg, n]) => {
        const digits = n.toString().padStart(3, '0');
        const text = `${digits.slice(0, -2).replace(/^0+(?=\d)/, '')}.${digits.slice(-2)}`;
        return neg && n !== 0n ? `-${text}` : text;
      });
    fc.assert(
      fc.property(canonical, (text) => {
        expect(toDecimalString(parseMoney(text, 'CNY'))).toBe(text);
      }),
    );
  });
});

describe('add and subtract (properties)', () => {
  it('subtract undoes add and add undoes subtract', () => {
    fc.assert(
      fc.property(anyHalfMinor, anyHalfMinor, anyCurrency, (x, y, code) => {
        const a = money(x, code);
        const b = money(y, code);
        expect(subtract(add(a, b), b)).toEqual(a);
        expect(add(subtract(a, b), b)).toEqual(a);
        expect(add(a, b)).toEqual(add(b, a));
      }),
    );
  });
});
