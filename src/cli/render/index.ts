import { extname } from 'node:path';
import { renderCsv, streamCsv } from './csv.js';
import { listingToJson, renderJson, streamJsonListing } from './json.js';
import type { Format, Listing } from './report.js';
import { renderTable, streamTable, type RowBatches } from './table.js';

export * from './report.js';
export { renderCsv, streamCsv } from './csv.js';
export { listingToJson, renderJson, streamJson, streamJsonListing } from './json.js';
export { renderTable, streamTable, type RowBatches, type TableOptions } from './table.js';

export interface RenderOptions {
  /** Table only: when false no ANSI escape codes are emitted. */
  readonly color: boolean;
}

/** Renders a listing in the chosen format; the result ends with a newline. */
export function render(listing: Listing, format: Format, options: RenderOptions): string {
  switch (format) {
    case 'table':
      return renderTable(listing, { color: options.color });
    case 'csv':
      return renderCsv(listing);
    case 'json':
      return renderJson(listingToJson(listing));
  }
}

/**
 * The same text as {@link render}, written as the rows are read: `batches` is called once for CSV
 * and JSON, and twice for a table of more rows than it keeps (streamTable).
 */
export function streamListing(head: Omit<Listing, 'rows'>, batches: () => RowBatches, format: Format, options: RenderOptions): AsyncIterable<string> {
  switch (format) {
    case 'table':
      return streamTable(head, batches, { color: options.color });
    case 'csv':
      return streamCsv(head.columns, batches());
    case 'json':
      return streamJsonListing(head.columns, batches());
  }
}

/**
 * The output format implied by an `--output` file name: `.csv` → csv, `.json` → json (case
 * insensitive), anything else (`.txt`, no extension) → table. `undefined` for no file
 * (empty path, or `-` meaning stdout), where the format comes from elsewhere.
 */
export function formatFromPath(path: string): Format | undefined {
  if (path === '' || path === '-') return undefined;
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return 'csv';
    case '.json':
      return 'json';
    default:
      return 'table';
  }
}
