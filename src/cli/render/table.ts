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
  // Most values are plain: one test instead of three replacements (a 6,600-line statement renders 40k cells).
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(text)) return text;
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

function pad(text: string, own: number, to: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, to - own));
  return side === 'right' ? fill + text : text + fill;
}

/** A cell's lines, each with its display width, measured once. */
interface CellLines {
  readonly lines: readonly string[];
  readonly widths: readonly number[];
}

function cellLines(text: string): CellLines {
  const lines = text.includes('\n') ? text.split('\n') : [text];
  return { lines, widths: lines.map(width) };
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
    const kinds = columns.map(columnKind);
    const head = columns.map((c) => cellLines(sanitize(c.header)));
    const body = rows.map((row) => columns.map((c, i) => cellLines(tableValue(row[c.key], kinds[i]!))));
    const widths = columns.map((_, i) => {
      let most = Math.max(0, ...head[i]!.widths);
      for (const cells of body) for (const w of cells[i]!.widths) if (w > most) most = w;
      return most;
    });
    const emit = (cells: readonly CellLines[], style: (text: string) => string) => {
      let height = 1;
      for (const cell of cells) if (cell.lines.length > height) height = cell.lines.length;
      for (let l = 0; l < height; l++) {
        // Padded by the plain text's width: a styled header's ANSI codes take no columns.
        out.push(cells.map((cell, i) => pad(style(cell.lines[l] ?? ''), cell.widths[l] ?? 0, widths[i]!, sides[i]!)).join(GAP));
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
