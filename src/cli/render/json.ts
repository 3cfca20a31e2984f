import { toDecimalString } from '../../domain/money/index.js';
import { isMoney, type Listing } from './report.js';
import type { RowBatches } from './table.js';

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

/**
 * The same text as `renderJson({ ...head, [key]: items })` for all the batches' items, a chunk
 * per batch: a million items of `reconcile auto` as one string and their objects held a heap of
 * gigabytes. `key` comes last in the object, after the fields of `head`.
 */
export async function* streamJson(head: Record<string, unknown>, key: string, batches: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>): AsyncGenerator<string> {
  if (Object.hasOwn(head, key)) throw new TypeError(`streamJson: ${key} is already a field of the head`);
  const whole = JSON.stringify({ ...head, [key]: [] }, replacer, 2);
  // The document ends `"key": []\n}`: everything before its `[]` comes first.
  let page = whole.slice(0, whole.length - '[]\n}'.length);
  let count = 0;
  for await (const items of batches) {
    for (const item of items) {
      page += `${count === 0 ? '[\n' : ',\n'}    ${(JSON.stringify(item, replacer, 2) ?? 'null').replace(/\n/g, '\n    ')}`;
      count++;
    }
    yield page;
    page = '';
  }
  yield `${page}${count === 0 ? '[]' : '\n  ]'}\n}\n`;
}

/** The same text as `renderJson(listingToJson(listing))`, a chunk per batch of rows. */
export async function* streamJsonListing(columns: Listing['columns'], batches: RowBatches): AsyncGenerator<string> {
  let first = true;
  for await (const rows of batches) {
    if (rows.length === 0) continue;
    // "[\n  {…},\n  {…}\n]\n" without its brackets: the elements at the array's indentation.
    const elements = renderJson(listingToJson({ columns, rows })).slice(2, -3);
    yield `${first ? '[\n' : ',\n'}${elements}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}
