import { createRequire } from 'node:module';
import type TableType from 'cli-table3';
import { formatMoney } from '../../domain/money/index.js';
import { columnKind, isMoney, type Cell, type Column, type ColumnKind, type Listing } from './report.js';

export interface TableOptions {
  /** When false the output holds no ANSI escape codes at all. */
  readonly color: boolean;
}

const BOLD = '\u001b[1m';
const NORMAL = '\u001b[22m';

/** Gap between columns. */
const GAP = '  ';

/**
 * Borderless, compact layout (like `gh` or hledger): columns separated by two spaces, the header
 * underlined, no lines between rows.
 */
const CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '─',
  'mid-mid': GAP,
  right: '',
  'right-mid': '',
  middle: GAP,
} as const;

const RIGHT_ALIGNED: ReadonlySet<ColumnKind> = new Set<ColumnKind>(['money', 'integer', 'quantity', 'percent']);

/**
 * Control characters in data (an ESC in a customer name, a tab) would move the cursor or inject
 * terminal escapes; show them harmlessly. Newlines are kept: cli-table3 wraps them onto extra lines.
 */
function sanitize(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}

function tableValue(cell: Cell, kind: ColumnKind): string {
  if (cell === null || cell === undefined) return '';
  if (isMoney(cell)) return formatMoney(cell, { grouping: true, symbol: false });
  if (typeof cell === 'boolean') return cell ? 'yes' : 'no';
  if (typeof cell === 'number') {
    if (kind === 'percent') return Number.isFinite(cell) ? `${cell.toFixed(1)}%` : String(cell);
    return String(cell);
  }
  return sanitize(cell);
}

function align(column: Column): 'left' | 'right' {
  return RIGHT_ALIGNED.has(columnKind(column)) ? 'right' : 'left';
}

/**
 * Renders a listing as an aligned text table (full-width CJK text counts as two columns).
 * Title above, footer notes below; an empty listing shows its header and "(none)".
 * The result ends with a newline.
 */
// Loaded on first use: scripts and cron jobs that ask for csv or json never pay for it at start-up.
let Table: typeof TableType | undefined;
function tableClass(): typeof TableType {
  Table ??= createRequire(import.meta.url)('cli-table3') as typeof TableType;
  return Table;
}

export function renderTable(listing: Listing, options: TableOptions): string {
  const { columns, rows } = listing;
  const emphasize = (text: string): string => (options.color && text !== '' ? `${BOLD}${text}${NORMAL}` : text);

  const out: string[] = [];
  if (listing.title !== undefined && listing.title !== '') out.push(emphasize(sanitize(listing.title)));

  if (columns.length > 0) {
    const table = new (tableClass())({
      head: columns.map((c) => emphasize(sanitize(c.header))),
      colAligns: columns.map(align),
      chars: CHARS,
      style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 0 },
    });
    if (rows.length === 0) {
      // A blank row gets the header underlined; its line is then replaced by "(none)".
      table.push(columns.map(() => ''));
      const lines = table.toString().split('\n');
      lines[lines.length - 1] = '(none)';
      out.push(...lines);
    } else {
      for (const row of rows) {
        table.push(columns.map((c) => tableValue(row[c.key], columnKind(c))));
      }
      out.push(table.toString());
    }
  } else {
    out.push('(none)');
  }

  for (const note of listing.footer ?? []) out.push(sanitize(note));
  return `${out.join('\n')}\n`;
}
