import { csvField } from '../../domain/csv-field.js';
import { toDecimalString } from '../../domain/money/index.js';
import { isMoney, type Cell, type Listing } from './report.js';
import type { RowBatches } from './table.js';

function csvValue(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (isMoney(cell)) return toDecimalString(cell);
  if (typeof cell === 'boolean') return cell ? 'true' : 'false';
  return String(cell);
}

/**
 * RFC 4180 CSV: a header row of the column keys (so the file re-imports), then one record per
 * row. Values holding a comma, quote, CR or LF are quoted with quotes doubled. Money is a plain
 * decimal ("1234.50"), booleans true/false, missing values empty. Lines end in "\n".
 * Values are written verbatim: no spreadsheet formula guard (it would corrupt the data).
 */
export function renderCsv(listing: Listing): string {
  const keys = listing.columns.map((c) => c.key);
  // Written here rather than by csv-stringify, whose per-value option handling cost ~10 µs a
  // row: 70 ms of a 6,630-line statement.
  let out = `${keys.map(csvField).join(',')}\n`;
  for (const row of listing.rows) {
    let line = '';
    for (let i = 0; i < keys.length; i++) line += (i === 0 ? '' : ',') + csvField(csvValue(row[keys[i]!]));
    out += `${line}\n`;
  }
  return out;
}

/** The same text as {@link renderCsv}, the header and then a chunk per batch of rows. */
export async function* streamCsv(columns: Listing['columns'], batches: RowBatches): AsyncGenerator<string> {
  const header = renderCsv({ columns, rows: [] });
  yield header;
  for await (const rows of batches) {
    if (rows.length > 0) yield renderCsv({ columns, rows }).slice(header.length);
  }
}
