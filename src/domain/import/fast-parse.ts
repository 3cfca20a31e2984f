import { isIsoDate } from '../dates.js';
import { currency } from '../money/index.js';

/**
 * The happy paths of an import row, for speed: each answers only for the plain form it knows,
 * and `undefined` sends the value to the full parser (parseMoney, parseDate), which decides and
 * words any problem. They never accept what the full parser would refuse, and agree with it on
 * everything they accept (test/unit/import-fast-parse.test.ts).
 */

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DOT = 46;
/** 13 integer digits and 2 decimals stay far inside Number.MAX_SAFE_INTEGER. */
const MAX_INTEGER_DIGITS = 13;

/** "1234", "1234.5", "1234.56" (no sign, symbol or grouping) in minor units, or undefined. */
export function plainMinor(text: string, minorDigits: number): number | undefined {
  const n = text.length;
  let i = 0;
  let whole = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) break;
    whole = whole * 10 + (c - DIGIT_0);
  }
  if (i === 0 || i > MAX_INTEGER_DIGITS) return undefined;
  let fraction = 0;
  let places = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== DOT) return undefined;
    for (i++; i < n; i++, places++) {
      const c = text.charCodeAt(i);
      if (c < DIGIT_0 || c > DIGIT_9) return undefined;
      fraction = fraction * 10 + (c - DIGIT_0);
    }
    if (places === 0 || places > minorDigits) return undefined;
  }
  return whole * 10 ** minorDigits + fraction * 10 ** (minorDigits - places);
}

const digits = new Map<string, number | undefined>();

/** Minor digits of a currency code, or undefined when the code is not a currency (the full check says why). */
export function minorDigitsOf(code: string): number | undefined {
  if (!digits.has(code)) {
    let d: number | undefined;
    try {
      d = currency(code).minorDigits;
    } catch {
      d = undefined;
    }
    if (digits.size < 1000) digits.set(code, d);
    return d;
  }
  return digits.get(code);
}

const validDates = new Set<string>();

/** True when `text` is exactly a real YYYY-MM-DD day (as parseDate accepts it, untrimmed). Remembers the days it has seen. */
export function isPlainDate(text: string): boolean {
  if (validDates.has(text)) return true;
  if (!isIsoDate(text)) return false;
  if (validDates.size < 50_000) validDates.add(text);
  return true;
}
