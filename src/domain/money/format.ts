import { currency } from './currency.js';
import { minorToDecimal } from './decimal.js';
import type { Money } from './money.js';

/** Plain decimal, the form JSON and CSV carry: "1234.50", "-0.05", JPY "1234". */
export function toDecimalString(m: Money): string {
  return minorToDecimal(m.minor, currency(m.currency).minorDigits);
}

export interface FormatOptions {
  /** Thousands separators: "1,234.50". Default true. */
  readonly grouping?: boolean;
  /** Currency symbol before the digits, after any sign: "-¥1,234.50". Default false. */
  readonly symbol?: boolean;
}

/** For people: "1,234.50", "¥1,234.50", "-¥1,234.50"; a currency without a symbol shows its code ("JPY 1,234"). */
export function formatMoney(m: Money, options: FormatOptions = {}): string {
  const { grouping = true, symbol = false } = options;
  const cur = currency(m.currency);
  const plain = minorToDecimal(Math.abs(m.minor), cur.minorDigits);
  const point = plain.indexOf('.');
  const int = point < 0 ? plain : plain.slice(0, point);
  const digits = (grouping ? groupThousands(int) : int) + (point < 0 ? '' : plain.slice(point));
  const sign = m.minor < 0 ? '-' : '';
  const prefix = !symbol ? '' : cur.symbol ?? `${cur.code} `;
  return `${sign}${prefix}${digits}`;
}

/** "1234567" → "1,234,567", by slices: reports format every amount they show, tens of thousands at a time. */
function groupThousands(int: string): string {
  if (int.length <= 3) return int;
  let at = int.length % 3 || 3;
  let out = int.slice(0, at);
  for (; at < int.length; at += 3) out += `,${int.slice(at, at + 3)}`;
  return out;
}
