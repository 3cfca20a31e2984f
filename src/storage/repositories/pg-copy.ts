import type { Writable } from 'node:stream';

/**
 * Rows into a PostgreSQL table with `COPY … FROM STDIN` in the text format: no bound parameters
 * to serialise and parse, one message stream instead of one statement per thousand rows (docs/
 * IMPORT.md, "The bulk path for large imports"). The fields are written as pg would bind them
 * to an INSERT, so either path stores the same values.
 */

/** A pg client: it runs a COPY stream as it runs a query. */
export interface CopyClient {
  query<S extends Writable>(stream: S): S;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * A value as a field of the text format: NULL is `\N`, and in text a backslash, tab, newline or
 * carriage return is escaped, so `\N` as text stays text and the empty string stays empty, not
 * NULL. Money arrives as integer minor units: numbers are written as pg writes a bound number
 * (String), and a number that is not finite is refused rather than stored as NaN.
 */
export function copyField(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPED[c]!) : value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`COPY: ${value} is not a number a column can hold`);
      return String(value);
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return '\\N';
    default:
      if (value === null) return '\\N';
      // The import binds only the types above; anything else would need pg's own conversion.
      throw new TypeError(`COPY: no text form for a value of type ${value instanceof Date ? 'Date' : typeof value}`);
  }
}

/** Rows `from` to `to` (values in column order, `width` of them) as lines of the text format. */
export function copyLines(rows: readonly (readonly unknown[])[], width: number, from = 0, to = rows.length): string {
  let text = '';
  for (let r = from; r < to; r++) {
    const row = rows[r]!;
    let line = copyField(row[0]);
    for (let c = 1; c < width; c++) line += `\t${copyField(row[c])}`;
    text += `${line}\n`;
  }
  return text;
}

let copyFrom: typeof import('pg-copy-streams').from | undefined;

export function copyStatement(table: string, columns: readonly string[]): string {
  return `copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`;
}

/**
 * Sends the rows and waits until the server has taken them all (pg-copy-streams ends the stream
 * only at the server's ReadyForQuery, so they are visible to the next statement), or fails with
 * the server's error — the same error an INSERT of them would give, a constraint's code included.
 */
export async function copyRows(client: CopyClient, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  // Loaded on first use, as pg is: a SQLite book never loads it.
  copyFrom ??= (await import('pg-copy-streams')).default.from;
  const text = copyLines(rows, columns.length);
  const stream = client.query(copyFrom(copyStatement(table, columns)));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(text);
  });
}
