import { stringify } from 'csv-stringify/sync';
import { toDecimalString } from '../../domain/money/index.js';
import { isMoney, type Cell, type Listing } from './report.js';

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
  const records = listing.rows.map((row) => keys.map((key) => csvValue(row[key])));
  return stringify([keys, ...records], {
    record_delimiter: '\n',
    quoted_match: /\r/,
  });
}
