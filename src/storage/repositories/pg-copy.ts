import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { InvariantError } from '../../domain/errors.js';

/**
 * Rows into a PostgreSQL table with `COPY … FROM STDIN` in the text format: no parameters to
 * bind and parse, no statement to plan (docs/IMPORT.md, "PostgreSQL: rows by COPY", has the
 * measurements). The fields say what pg would bind to an INSERT, so either way the same values
 * are stored.
 */

/** A pg client: it runs a COPY stream as it runs a query. */
export interface CopyClient {
  query<S extends Writable | Readable>(stream: S): S;
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
let copyTo: typeof import('pg-copy-streams').to | undefined;

/**
 * Sends the rows and waits until the server has taken them all (pg-copy-streams ends the stream
 * only at the server's ReadyForQuery, so they are visible to the next statement), or fails with
 * the server's error — the same error an INSERT of them would give, a constraint's code included.
 */
export async function copyRows(client: CopyClient, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  await copyChunks(client, table, columns, [rows]);
}

/**
 * As copyRows, for more rows than should be text at once (reconcile auto: a million allocations),
 * in one COPY statement, so that a statement trigger runs once over all of them: the text of each
 * chunk is written as `chunks` yields it, the next when the stream has room. Returns the rows sent.
 */
export async function copyChunks(client: CopyClient, table: string, columns: readonly string[], chunks: Iterable<readonly (readonly unknown[])[]>): Promise<number> {
  // Loaded on first use, as pg is: a SQLite book never loads it.
  copyFrom ??= (await import('pg-copy-streams')).default.from;
  const stream = client.query(copyFrom(`copy "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin`));
  const failed = new Promise<never>((_resolve, reject) => stream.on('error', reject));
  // Handled where it is awaited; this keeps an error between two awaits from going unhandled.
  failed.catch(() => undefined);
  const finished = new Promise<void>((resolve) => stream.on('finish', resolve));
  let sent = 0;
  for (const rows of chunks) {
    sent += rows.length;
    if (!stream.write(copyLines(rows, columns.length))) await Promise.race([once(stream, 'drain'), failed]);
  }
  stream.end();
  await Promise.race([finished, failed]);
  // A line the escaping got wrong fails the COPY by its field count; this catches the rest.
  if (stream.rowCount !== sent) throw new InvariantError(`COPY into ${table}: the server took ${stream.rowCount} rows of ${sent}`);
  return sent;
}

/** What a backslash and the character after it stand for in COPY's text output. */
const UNESCAPED: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A field of COPY's text output: `\N` is NULL; COPY TO writes no octal or hex escapes. */
function fieldOf(text: string): string | null {
  if (text === '\\N') return null;
  return text.includes('\\') ? text.replace(/\\(.)/gs, (_match, c: string) => UNESCAPED[c] ?? c) : text;
}

/**
 * The text format of COPY read back (copyLines the other way round): `write` takes the data as it
 * comes, split anywhere — within a line or within a character — and hands each complete row to
 * `onRow` as its fields (text, or null for NULL).
 */
export function copyRowReader(onRow: (fields: (string | null)[]) => void): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const lines = (text: string) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const fields: (string | null)[] = text.slice(start, end).split('\t');
      for (let i = 0; i < fields.length; i++) fields[i] = fieldOf(fields[i]!);
      onRow(fields);
      start = end + 1;
    }
    rest = text.slice(start);
  };
  return {
    write: (chunk) => lines(rest + decoder.write(chunk)),
    end: () => {
      lines(rest + decoder.end());
      if (rest !== '') throw new InvariantError(`COPY TO ended within a row: ${JSON.stringify(rest.slice(0, 80))}`);
    },
  };
}

/**
 * Each row of a query as COPY … TO STDOUT sends it, in the text format: one message stream, and
 * no pg row objects or type parsers, for a query of a million rows (reconcile auto's candidates:
 * 850k rows 3.7-4.2 s of client CPU through a cursor, 1.5 s this way). Values arrive as text.
 */
export async function copyQuery(client: CopyClient, query: string, onRow: (fields: (string | null)[]) => void): Promise<void> {
  copyTo ??= (await import('pg-copy-streams')).default.to;
  const reader = copyRowReader(onRow);
  for await (const chunk of client.query(copyTo(`copy (${query}) to stdout`))) reader.write(chunk as Buffer);
  reader.end();
}
