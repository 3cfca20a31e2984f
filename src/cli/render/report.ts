/**
 * Reports are computed as data first (a {@link Listing}) and rendered second
 * (table, CSV or JSON), in the spirit of hledger.
 */
import type { Money } from '../../domain/money/index.js';

export type { Money };

/**
 * How a column's values are shown.
 * - `text` (default), `date`: left-aligned, strings as given (dates are `YYYY-MM-DD` strings).
 * - `money`: a {@link Money}; right-aligned, grouped ("1,234.50") in tables, plain decimal
 *   ("1234.50") in CSV and JSON. The currency belongs in its own column.
 * - `integer`, `quantity`: numbers, right-aligned.
 * - `percent`: a number in percent units (12.5 means 12.5%); tables show "12.5%", CSV and JSON
 *   the bare number.
 * - `boolean`: yes/no in tables, true/false in CSV and JSON.
 */
export type ColumnKind = 'text' | 'money' | 'integer' | 'quantity' | 'date' | 'percent' | 'boolean';

export interface Column {
  /** snake_case name: CSV header and JSON key. */
  readonly key: string;
  /** Human header for tables. */
  readonly header: string;
  /** Defaults to `text`. */
  readonly kind?: ColumnKind;
}

export type Cell = string | number | boolean | null | undefined | Money;

export interface Listing {
  readonly columns: readonly Column[];
  readonly rows: readonly Record<string, Cell>[];
  /** Table only: printed above the table. */
  readonly title?: string;
  /** Table only: notes printed under the table. */
  readonly footer?: readonly string[];
}

export type Format = 'table' | 'csv' | 'json';

export const FORMATS: readonly Format[] = ['table', 'csv', 'json'];

/** True when `value` is a Money amount (`{minor: integer, currency: string}`). */
export function isMoney(value: unknown): value is Money {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as { minor?: unknown; currency?: unknown };
  return typeof v.minor === 'number' && Number.isInteger(v.minor) && typeof v.currency === 'string';
}

/** The column's kind, `text` when unset. */
export function columnKind(column: Column): ColumnKind {
  return column.kind ?? 'text';
}
