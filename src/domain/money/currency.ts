import { ValidationError } from '../errors.js';

export interface Currency {
  /** ISO 4217 code, upper case. */
  readonly code: string;
  /** Digits after the decimal point in the minor unit (2 for cents, 0 for yen). */
  readonly minorDigits: number;
  /** Symbol used when formatting, if the currency has an unambiguous one. */
  readonly symbol: string | undefined;
  /** Every symbol accepted on input, the display symbol first. */
  readonly inputSymbols: readonly string[];
}

function define(code: string, minorDigits: number, symbols: readonly string[]): Currency {
  return Object.freeze({
    code,
    minorDigits,
    symbol: symbols[0],
    inputSymbols: Object.freeze([...symbols]),
  });
}

// JPY deliberately has no symbol: ¥ always means CNY in this ledger, so a "¥" in input can never
// silently turn yuan into yen.
const CURRENCIES: ReadonlyMap<string, Currency> = new Map(
  [
    define('CNY', 2, ['¥', '￥']),
    define('EUR', 2, ['€']),
    define('GBP', 2, ['£']),
    define('HKD', 2, ['HK$']),
    define('JPY', 0, []),
    define('USD', 2, ['$']),
  ].map((c) => [c.code, c] as const),
);

export function knownCurrencies(): readonly Currency[] {
  return [...CURRENCIES.values()];
}

export function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

/** The record for an upper-case currency code; anything else is a user error. */
export function currency(code: string): Currency {
  const found = CURRENCIES.get(code);
  if (found === undefined) {
    throw new ValidationError({
      field: 'currency',
      value: code,
      reason: `unknown currency; known: ${[...CURRENCIES.keys()].join(', ')}`,
    });
  }
  return found;
}
