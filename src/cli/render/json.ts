import { toDecimalString } from '../../domain/money/index.js';
import { isMoney, type Listing } from './report.js';

/** JSON-ready value: every Money becomes its decimal string ("1695.00"). */
function replacer(_key: string, value: unknown): unknown {
  return isMoney(value) ? toDecimalString(value) : value;
}

/**
 * Pretty-prints `value` as one JSON document (2-space indent, trailing newline). Any Money
 * anywhere inside becomes its decimal string; the currency is expected as a sibling field.
 */
export function renderJson(value: unknown): string {
  const text = JSON.stringify(value, replacer, 2);
  // JSON.stringify(undefined) is undefined: emit `null` so stdout is still one JSON document.
  return `${text ?? 'null'}\n`;
}

/**
 * A listing as an array of objects keyed by column key: only the listed columns, in column
 * order. Money becomes its decimal string; missing values become null.
 */
export function listingToJson(listing: Listing): Record<string, unknown>[] {
  return listing.rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const column of listing.columns) {
      const cell = row[column.key];
      out[column.key] = cell === undefined ? null : isMoney(cell) ? toDecimalString(cell) : cell;
    }
    return out;
  });
}
