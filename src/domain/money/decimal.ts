import { invariant } from '../errors.js';

const CANONICAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * "1234.5" with 2 minor digits → 123450. Expects an already validated plain decimal (no
 * grouping, no symbol, at most minorDigits decimals); user input goes through parseMoney.
 */
export function decimalToMinor(text: string, minorDigits: number): number {
  const match = CANONICAL.exec(text);
  invariant(match !== null, () => `not a plain decimal: ${JSON.stringify(text)}`);
  const [, sign, int = '', frac = ''] = match;
  invariant(frac.length <= minorDigits, () => `${JSON.stringify(text)} has more than ${minorDigits} decimals`);
  const magnitude = BigInt(int + frac.padEnd(minorDigits, '0'));
  invariant(magnitude <= BigInt(Number.MAX_SAFE_INTEGER), () => `${JSON.stringify(text)} overflows a safe integer of minor units`);
  const n = Number(magnitude);
  return sign === '-' && n !== 0 ? -n : n;
}

/** 123450 with 2 minor digits → "1234.50"; -5 → "-0.05"; with 0 digits → "123450". */
export function minorToDecimal(minor: number, minorDigits: number): string {
  invariant(Number.isSafeInteger(minor), () => `minor units must be a safe integer, got ${minor}`);
  const digits = Math.abs(minor).toString().padStart(minorDigits + 1, '0');
  const int = digits.slice(0, digits.length - minorDigits);
  const frac = digits.slice(digits.length - minorDigits);
  const sign = minor < 0 ? '-' : '';
  return minorDigits === 0 ? `${sign}${int}` : `${sign}${int}.${frac}`;
}
