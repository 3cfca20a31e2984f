import { ValidationError } from '../errors.js';

const MAX_QUANTITY = 1_000_000_000;

/** Quantities are whole units: "12", or "-3" where a sign is allowed. */
export function parseQuantity(text: string, field: string, options: { signed: boolean }): number {
  const trimmed = text.trim();
  const pattern = options.signed ? /^[+-]?\d+$/ : /^\+?\d+$/;
  if (!pattern.test(trimmed)) {
    throw new ValidationError({
      field,
      value: text,
      reason: options.signed ? 'must be a whole number such as 5 or -2' : 'must be a whole number greater than zero',
    });
  }
  const n = Number(trimmed);
  if (n === 0) throw new ValidationError({ field, value: text, reason: options.signed ? 'must not be zero' : 'must be greater than zero' });
  if (Math.abs(n) > MAX_QUANTITY) throw new ValidationError({ field, value: text, reason: `is beyond ${MAX_QUANTITY.toLocaleString('en')}` });
  return n;
}
