import stringWidth from 'string-width';
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

const RIGHT_ALIGNED: ReadonlySet<ColumnKind> = new Set<ColumnKind>(['money', 'integer', 'quantity', 'percent']);

/**
 * Control characters in data (an ESC in a customer name, a tab) would move the cursor or inject
 * terminal escapes; show them harmlessly. Newlines are kept: the value takes that many lines.
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

/** Display width: full-width CJK counts two columns, ANSI codes none; printable ASCII is its length. */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(text) ? text.length : stringWidth(text);
}

function pad(text: string, to: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return side === 'right' ? fill + text : text + fill;
}

/**
 * Renders a listing as an aligned text table (full-width CJK text counts as two columns).
 * Title above, footer notes below; an empty listing shows its header and "(none)". A value with
 * line breaks takes as many lines as it has, the other cells of its row blank below it. The
 * result ends with a newline.
 *
 * Laid out here in two passes (widths, then lines): cli-table3 took minutes for a listing of
 * 100k rows (`reconcile auto` on a year of bank lines), which a terminal user can ask for.
 */
export function renderTable(listing: Listing, options: TableOptions): string {
  const { columns, rows } = listing;
  const emphasize = (text: string): string => (options.color && text !== '' ? `${BOLD}${text}${NORMAL}` : text);

  const out: string[] = [];
  if (listing.title !== undefined && listing.title !== '') out.push(emphasize(sanitize(listing.title)));

  if (columns.length > 0) {
    const sides = columns.map(align);
    const head = columns.map((c) => sanitize(c.header).split('\n'));
    const body = rows.map((row) => columns.map((c) => tableValue(row[c.key], columnKind(c)).split('\n')));
    const widths = columns.map((_, i) => {
      let most = 0;
      for (const line of head[i]!) most = Math.max(most, width(line));
      for (const cells of body) for (const line of cells[i]!) most = Math.max(most, width(line));
      return most;
    });
    const emit = (cells: readonly string[][], style: (text: string) => string) => {
      const height = Math.max(...cells.map((lines) => lines.length));
      for (let l = 0; l < height; l++) {
        // width() ignores the ANSI codes of a styled header, so it pads like the plain text.
        out.push(cells.map((lines, i) => pad(style(lines[l] ?? ''), widths[i]!, sides[i]!)).join(GAP));
      }
    };
    emit(head, emphasize);
    out.push(widths.map((w) => '─'.repeat(w)).join(GAP));
    if (body.length === 0) out.push('(none)');
    for (const cells of body) emit(cells, (text) => text);
  } else {
    out.push('(none)');
  }

  for (const note of listing.footer ?? []) out.push(sanitize(note));
  return `${out.join('\n')}\n`;
}
