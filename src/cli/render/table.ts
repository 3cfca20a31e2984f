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

/**
 * Printable ASCII and the assigned East Asian Wide and Fullwidth characters of the CJK blocks
 * (punctuation, kana, ideographs, Hangul syllables, fullwidth forms), less the combining marks
 * among them (U+302A-302F, U+3099-309A: no width after another character): the text of nearly
 * every cell, Chinese names included, whose width is counted here. string-width, for everything
 * else, took 7 µs a call (1M invoices listed: 14 s of 58 in Chinese customer names).
 */
const ASCII_OR_CJK = /^[\x20-\x7e\u3000-\u3029\u3030-\u303e\u3041-\u3096\u309b-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\uff01-\uff60\uffe0-\uffe6]*$/;

/** Display width: full-width CJK counts two columns, ANSI codes none; printable ASCII is its length. */
export function width(text: string): number {
  if (!ASCII_OR_CJK.test(text)) return stringWidth(text);
  let columns = text.length;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) columns++;
  return columns;
}

function pad(text: string, own: number, to: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, to - own));
  return side === 'right' ? fill + text : text + fill;
}

/** The widest line of a cell: most cells have one line, and are measured as they are. */
function cellWidth(text: string): number {
  if (!text.includes('\n')) return width(text);
  let most = 0;
  for (const line of text.split('\n')) most = Math.max(most, width(line));
  return most;
}

/** Column widths and sides, and the lines of a row laid out to them. */
class Layout {
  readonly sides: readonly ('left' | 'right')[];
  readonly kinds: readonly ColumnKind[];
  readonly headers: readonly string[];
  readonly widths: number[];

  constructor(readonly columns: readonly Column[]) {
    this.sides = columns.map(align);
    this.kinds = columns.map(columnKind);
    this.headers = columns.map((c) => sanitize(c.header));
    this.widths = this.headers.map(cellWidth);
  }

  text(row: Record<string, Cell>, c: number): string {
    return tableValue(row[this.columns[c]!.key], this.kinds[c]!);
  }

  /** A row's lines into `out`: one, or as many as its tallest cell has. */
  lines(cells: readonly string[], own: (c: number) => number, style: (text: string) => string, out: string[]): void {
    const { widths, sides } = this;
    if (!cells.some((t) => t.includes('\n'))) {
      // Padded by the plain text's width: a styled header's ANSI codes take no columns.
      out.push(cells.map((t, c) => pad(style(t), own(c), widths[c]!, sides[c]!)).join(GAP));
      return;
    }
    const split = cells.map((t) => t.split('\n'));
    const height = Math.max(...split.map((l) => l.length));
    for (let l = 0; l < height; l++) {
      out.push(split.map((lines, c) => {
        const text = lines[l] ?? '';
        return pad(style(text), width(text), widths[c]!, sides[c]!);
      }).join(GAP));
    }
  }

  /** The header and the rule under it, once the widths are known. */
  head(emphasize: (text: string) => string, out: string[]): void {
    this.lines(this.headers, (c) => width(this.headers[c]!), emphasize, out);
    out.push(this.widths.map((w) => '─'.repeat(w)).join(GAP));
  }
}

const plain = (text: string) => text;

function emphasis(options: TableOptions): (text: string) => string {
  return (text) => (options.color && text !== '' ? `${BOLD}${text}${NORMAL}` : text);
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
  const emphasize = emphasis(options);

  const out: string[] = [];
  if (listing.title !== undefined && listing.title !== '') out.push(emphasize(sanitize(listing.title)));

  if (columns.length > 0) {
    const layout = new Layout(columns);
    const { widths } = layout;
    const n = columns.length;
    // Cells as one flat array of text with their widths beside it: a 6,600-line statement is 33k
    // cells, and an object and two arrays for each cost more in allocation and GC than the layout.
    const texts = new Array<string>(rows.length * n);
    const cellWidths = new Int32Array(rows.length * n);
    for (let r = 0, k = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < n; c++, k++) {
        const text = layout.text(row, c);
        const w = cellWidth(text);
        texts[k] = text;
        cellWidths[k] = w;
        if (w > widths[c]!) widths[c] = w;
      }
    }
    layout.head(emphasize, out);
    if (rows.length === 0) out.push('(none)');
    for (let r = 0; r < rows.length; r++) {
      const base = r * n;
      layout.lines(texts.slice(base, base + n), (c) => cellWidths[base + c]!, plain, out);
    }
  } else {
    out.push('(none)');
  }

  for (const note of listing.footer ?? []) out.push(sanitize(note));
  return `${out.join('\n')}\n`;
}

/** Rows in batches, from memory or read as they come (a query's cursor). */
export type RowBatches = AsyncIterable<readonly Record<string, Cell>[]> | Iterable<readonly Record<string, Cell>[]>;

/**
 * The same text as {@link renderTable}, a chunk per batch of rows, for listings too large to hold
 * as text: the rows are read once for the widths and once for the lines. Up to `keep` rows are
 * kept from the first reading for the second (a customer's list: its query runs once); beyond
 * that `batches` is called again (for a query, run again in the command's one transaction) and
 * nothing is kept (1.09M allocations of `reconcile auto` as one string and its cells: 1.7 GB of
 * heap). Each cell is formatted twice, so a listing already in memory is better rendered whole.
 */
export async function* streamTable(head: Omit<Listing, 'rows'>, batches: () => RowBatches, options: TableOptions, keep = 20_000): AsyncGenerator<string> {
  const emphasize = emphasis(options);
  const out: string[] = [];
  if (head.title !== undefined && head.title !== '') out.push(emphasize(sanitize(head.title)));
  if (head.columns.length > 0) {
    const layout = new Layout(head.columns);
    const { widths } = layout;
    const n = head.columns.length;
    let kept: (readonly Record<string, Cell>[])[] | null = [];
    let seen = 0;
    for await (const batch of batches()) {
      for (const row of batch) {
        for (let c = 0; c < n; c++) {
          const w = cellWidth(layout.text(row, c));
          if (w > widths[c]!) widths[c] = w;
        }
      }
      seen += batch.length;
      if (kept !== null && seen <= keep) kept.push(batch);
      else kept = null;
    }
    layout.head(emphasize, out);
    let count = 0;
    const cells = new Array<string>(n);
    for await (const batch of kept ?? batches()) {
      for (const row of batch) {
        for (let c = 0; c < n; c++) cells[c] = layout.text(row, c);
        layout.lines(cells, (c) => cellWidth(cells[c]!), plain, out);
      }
      count += batch.length;
      if (out.length > 0) yield `${out.join('\n')}\n`;
      out.length = 0;
    }
    if (count === 0) out.push('(none)');
  } else {
    out.push('(none)');
  }
  for (const note of head.footer ?? []) out.push(sanitize(note));
  if (out.length > 0) yield `${out.join('\n')}\n`;
}
