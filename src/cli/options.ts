import { InvalidArgumentError } from 'commander';
import { parseDate } from '../domain/dates.js';
import { ValidationError } from '../domain/errors.js';

/**
 * Option parsers for commander. A malformed value is a usage error (exit 2) raised before any
 * work starts; a well-formed value that breaks a business rule is checked later, in the domain.
 */
export function dateOption(value: string): string {
  try {
    return parseDate(value, 'date');
  } catch (error) {
    if (error instanceof ValidationError) throw new InvalidArgumentError(error.problems[0]!.reason);
    throw error;
  }
}

/** A decimal amount in major units, such as 1234.50 or 1,234.50; currency checks come later. */
export function amountOption(value: string): string {
  if (!/^[+-]?[¥￥$€£]?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(value.trim())) {
    throw new InvalidArgumentError('not an amount; expected a decimal such as 1234.50');
  }
  return value.trim();
}

/** Like amountOption, but an empty value is allowed: it clears the field ("no limit"). */
export function optionalAmountOption(value: string): string {
  return value.trim() === '' ? '' : amountOption(value);
}

export function integerOption(value: string): string {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError('not a whole number');
  return value.trim();
}

export function choiceOption<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
  };
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
