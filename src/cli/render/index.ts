import { extname } from 'node:path';
import { renderCsv } from './csv.js';
import { listingToJson, renderJson } from './json.js';
import type { Format, Listing } from './report.js';
import { renderTable } from './table.js';

export * from './report.js';
export { renderCsv } from './csv.js';
export { listingToJson, renderJson, streamJson } from './json.js';
export { renderTable, streamTable, type TableOptions } from './table.js';

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
