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
  const [int = '', frac] = plain.split('.');
  const grouped = grouping ? int.replace(/\B(?=(\d{3})+$)/g, ',') : int;
  const digits = frac === undefined ? grouped : `${grouped}.${frac}`;
  const sign = m.minor < 0 ? '-' : '';
  const prefix = !symbol ? '' : cur.symbol ?? `${cur.code} `;
  return `${sign}${prefix}${digits}`;
}
