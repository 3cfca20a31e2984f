import type { Writable } from 'node:stream';
import { InvariantError } from '../../domain/errors.js';

/**
 * Rows into a PostgreSQL table with `COPY … FROM STDIN` in the text format: no parameters to
 * bind and parse, no statement to plan (docs/IMPORT.md, "PostgreSQL: rows by COPY", has the
 * measurements). The fields say what pg would bind to an INSERT, so either way the same values
 * are stored.
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

/** Rows (values in column order, `width` of them) as lines of the text format. */
export function copyLines(rows: readonly (readonly unknown[])[], width: number): string {
  // One string grown field by field: a string per line appended to it cost a quarter more.
  let text = '';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    text += copyField(row[0]);
    for (let c = 1; c < width; c++) {
      text += '\t';
      text += copyField(row[c]);
    }
    text += '\n';
  }
  return text;
}

let copyFrom: typeof import('pg-copy-streams').from | undefined;

/**
 * Sends the rows and waits until the server has taken them all (pg-copy-streams ends the stream
 * only at the server's ReadyForQuery, so they are visible to the next statement), or fails with
 * the server's error — the same error an INSERT of them would give, a constraint's code included.
 */
export async function copyRows(client: CopyClient, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  // Loaded on first use, as pg is: a SQLite book never loads it.
  copyFrom ??= (await import('pg-copy-streams')).default.from;
  const text = copyLines(rows, columns.length);
  const stream = client.query(copyFrom(`copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(text);
  });
  // A line the escaping got wrong fails the COPY by its field count; this catches the rest.
  if (stream.rowCount !== rows.length) throw new InvariantError(`COPY into ${table}: the server took ${stream.rowCount} rows of ${rows.length}`);
}
