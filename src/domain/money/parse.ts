import { ValidationError } from '../errors.js';
import { currency as lookupCurrency, isCurrency, knownCurrencies, type Currency } from './currency.js';
import { decimalToMinor, minorToDecimal } from './decimal.js';
import { money, type Money } from './money.js';

// Longest first, so "HK$" is recognised before "$".
const SYMBOLS = knownCurrencies()
  .flatMap((c) => c.inputSymbols.map((symbol) => ({ symbol, code: c.code })))
  .sort((a, b) => b.symbol.length - a.symbol.length);

const AMOUNT = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;
const MAX_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

type Reject = (reason: string) => never;

/**
 * An amount typed by a person or read from a CSV cell, in a known currency:
 * "1,234.50", "-0.05", "¥1234.5", "-¥12", "CNY 12.50", "+7". Anything ambiguous or lossy is a
 * ValidationError naming the field and saying what is wrong.
 */
export function parseMoney(text: string, currencyCode: string, field = 'amount'): Money {
  const cur = lookupCurrency(currencyCode);
  const reject: Reject = (reason) => {
    throw new ValidationError({ field, value: text, reason });
  };
  const example = cur.minorDigits === 0 ? '1234' : `1234.${'5'.padEnd(cur.minorDigits, '0')}`;

  let rest = text.trim();
  if (rest === '') reject(`is empty; expected an amount such as ${example}`);

  // The sign may come before the symbol ("-¥12", as formatMoney writes it) or after it ("¥-12").
  let sign = '';
  const takeSign = (): void => {
    const c = rest[0];
    if (c !== '-' && c !== '+') return;
    if (sign !== '') reject('has more than one sign');
    sign = c;
    rest = rest.slice(1);
  };
  takeSign();
  rest = stripCurrencyMarker(rest, cur, reject);
  takeSign();

  const body = rest;
  if (body === '') reject(`has no digits; expected an amount such as ${example}`);
  const match = AMOUNT.exec(body);
  if (match === null) reject(explainMalformed(body, example));
  const [, grouped = '', frac = ''] = match!;

  // Extra decimals are rejected even when they are zeros: "1.000" may well be a European 1000.
  if (frac.length > cur.minorDigits) {
    const places = `${frac.length} decimal place${frac.length === 1 ? '' : 's'}`;
    reject(
      cur.minorDigits === 0
        ? `has ${places}; ${cur.code} has no minor unit`
        : `has ${places}; ${cur.code} allows at most ${cur.minorDigits}`,
    );
  }

  const int = grouped.replaceAll(',', '');
  if (BigInt(int + frac.padEnd(cur.minorDigits, '0')) > MAX_MINOR) {
    reject(`is too large; the largest amount is ${minorToDecimal(Number.MAX_SAFE_INTEGER, cur.minorDigits)}`);
  }
  const plain = `${sign === '-' ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`;
  return money(decimalToMinor(plain, cur.minorDigits), cur.code);
}

/** Remove a leading symbol ("¥") or code ("CNY ") if it names the expected currency. */
function stripCurrencyMarker(rest: string, cur: Currency, reject: Reject): string {
  for (const { symbol, code } of SYMBOLS) {
    if (!rest.startsWith(symbol)) continue;
    if (code !== cur.code) reject(`${symbol} is the ${code} symbol but the currency is ${cur.code}`);
    return rest.slice(symbol.length).trimStart();
  }
  const code = /^([A-Za-z]{3})(?![A-Za-z])/.exec(rest)?.[1]?.toUpperCase();
  if (code !== undefined && isCurrency(code)) {
    if (code !== cur.code) reject(`is marked ${code} but the currency is ${cur.code}`);
    return rest.slice(3).trimStart();
  }
  return rest;
}

function explainMalformed(body: string, example: string): string {
  if (/^(nan|inf|infinity)$/i.test(body)) return `is not a number; expected an amount such as ${example}`;
  if (/^[\d.,]*\d[eE][+-]?\d+$/.test(body)) {
    return `uses exponent notation; write the amount out in full, such as ${example}`;
  }
  if (/^[\d.,]+$/.test(body)) {
    if (body.includes('.') && body.includes(',') && body.lastIndexOf(',') > body.lastIndexOf('.')) {
      return `uses ',' as the decimal separator; write it as ${example}`;
    }
    if (body.indexOf('.') !== body.lastIndexOf('.')) return 'has more than one decimal point';
    if (body.includes(',')) {
      return "has misplaced thousands separators; group digits in threes (1,234,567.89) and use '.' for decimals";
    }
  }
  return `is not an amount; expected an amount such as ${example}`;
}
