import { InvariantError } from '../domain/errors.js';

/**
 * node-postgres hands int8 and numeric back as strings and DATE as a JS Date in local time. The
 * domain wants exact integers and 'YYYY-MM-DD' strings, so convert at the edge, once.
 */
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

export function exactInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) {
    throw new InvariantError(`database returned ${text}, which is not an exact integer`);
  }
  return n;
}

let installed = false;

/** pg is loaded here, on first use: a SQLite user never pays for it. */
export async function installPostgresTypeParsers(): Promise<void> {
  if (installed) return;
  installed = true;
  const { default: pg } = await import('pg');
  pg.types.setTypeParser(INT8, exactInteger);
  // SUM() over bigint is numeric; amounts are whole minor units, so it must be an integer too.
  pg.types.setTypeParser(NUMERIC, (text: string) => (/^-?\d+$/.test(text) ? exactInteger(text) : text));
  pg.types.setTypeParser(DATE, (text: string) => text);
  pg.types.setTypeParser(TIMESTAMP, (text: string) => text);
  pg.types.setTypeParser(TIMESTAMPTZ, (text: string) => new Date(text).toISOString());
}
