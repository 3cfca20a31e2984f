import type { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { copyRows } from './pg-copy.js';

/**
 * The import's path to the database driver, past knex's query builder: statements prepared once
 * per connection, keys looked up as one parameter per batch, rows inserted many to a statement
 * (SQLite) or by COPY (PostgreSQL).
 * Inside the command's transaction: on SQLite its one pooled connection, on PostgreSQL the
 * transaction's connection (knex hands it out from the transaction's client).
 *
 * SQL is written with `?` placeholders (numbered $1… for PostgreSQL here); a list of keys is one
 * parameter, `in (select value from json_each(?))` on SQLite and `= any(?::text[])` on
 * PostgreSQL, so one prepared statement serves any batch.
 */
export interface ImportDriver {
  readonly pg: boolean;
  rows<R>(sql: string, params: readonly unknown[]): Promise<R[]>;
  run(sql: string, params: readonly unknown[]): Promise<void>;
  /** `column` matches any of the keys (one parameter): SQL to put after WHERE. */
  inKeys(column: string): string;
  /** The parameter for inKeys. */
  keys(values: readonly string[]): unknown;
  /** A value as the driver binds it: SQLite has no booleans. */
  bool(value: boolean): unknown;
  /**
   * Inserts rows (values in the order of `columns`): on SQLite as few INSERTs as the parameter
   * limit allows, on PostgreSQL one COPY.
   */
  insert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options?: InsertOptions): Promise<void>;
  /** `count` new ids for `table`, ascending, taken as the table's own sequence would give them. */
  nextIds(table: string, count: number): Promise<number[]>;
}

export interface InsertOptions {
  /**
   * SQLite: one row per INSERT, for a table whose insert triggers are off (a deferred import). A
   * multi-row INSERT that may fail halfway keeps a statement journal of every page it changes (a
   * temporary file); a single-row one needs none. 870k receipts (random fingerprint keys): the
   * row phase 13.9-15.1 -> 12.3-12.9 s of CPU; 1M invoices (keys in order) about even.
   */
  readonly oneRowPerStatement?: boolean;
}

interface SqliteStatement {
  all(params: readonly unknown[]): unknown[];
  /** An array binds its elements; so do separate arguments, which better-sqlite3 reads faster. */
  run(...params: readonly unknown[]): unknown;
}

interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

interface PgConnection {
  query(config: { name?: string; text: string; values?: readonly unknown[] }): Promise<{ rows: unknown[] }>;
  query<S extends Writable>(stream: S): S;
}

interface Pool<C> {
  acquireConnection(): Promise<C>;
  releaseConnection(connection: C): Promise<void>;
}

/**
 * SQLite's bound-parameter limit is 32766. On SQLite every INSERT into a table with triggers (the
 * balances of migration 0006) writes a statement journal, a temporary file: the more rows to a
 * statement, the fewer journals (2,000 rows: 20 µs a row, against 77 µs one row at a time).
 * PostgreSQL takes every insert by COPY (pg-copy.ts; docs/IMPORT.md has the measurements).
 */
const SQLITE_PARAMETERS = 32_000;
const SQLITE_ROWS_PER_INSERT = 2000;

const SQLITE_IMPORT_CACHE_KB = 32 * 1024;

const sqliteStatements = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
/** Statement names by text: prepared once per PostgreSQL connection, under the same name everywhere. */
const pgNames = new Map<string, string>();

const insertTexts = new Map<string, string>();

/** A SQLite INSERT of `rows` rows. */
function insertText(table: string, columns: readonly string[], rows: number): string {
  const key = `${table}|${columns.join(',')}|${rows}`;
  const cached = insertTexts.get(key);
  if (cached !== undefined) return cached;
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${Array.from({ length: rows }, () => tuple).join(',')}`;
  if (insertTexts.size < 100) insertTexts.set(key, text);
  return text;
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function importDriver(q: Knex): ImportDriver {
  const pg = (q.client as { config: { client: string } }).config.client === 'pg';
  const pool = q.client as unknown as Pool<SqliteConnection & PgConnection>;

  async function withSqlite<T>(work: (conn: SqliteConnection, prepare: (sql: string) => SqliteStatement) => T): Promise<T> {
    const conn = await pool.acquireConnection();
    try {
      let cache = sqliteStatements.get(conn);
      if (!cache) {
        sqliteStatements.set(conn, (cache = new Map()));
        // Half the 64 MB the book opens with: an import of a million rows then peaks under 300 MB
        // (measured: 257 against 293 MB at 300k invoices, 1-5 % more time; 16 MB cost 20 %).
        conn.prepare(`pragma cache_size = -${SQLITE_IMPORT_CACHE_KB}`).run([]);
      }
      const prepare = (sql: string) => {
        let statement = cache!.get(sql);
        if (!statement) cache!.set(sql, (statement = conn.prepare(sql)));
        return statement;
      };
      return work(conn, prepare);
    } finally {
      await pool.releaseConnection(conn);
    }
  }

  async function pgQuery(text: string, values: readonly unknown[], prepared: boolean): Promise<unknown[]> {
    const conn = await pool.acquireConnection();
    try {
      let name: string | undefined;
      if (prepared) {
        name = pgNames.get(text);
        if (name === undefined) pgNames.set(text, (name = `owed_import_${pgNames.size + 1}`));
      }
      return (await conn.query({ ...(name ? { name } : {}), text, values })).rows;
    } finally {
      await pool.releaseConnection(conn);
    }
  }

  const sequences = new Map<string, string>();
  const driver: ImportDriver = {
    pg,
    async rows<R>(sql: string, params: readonly unknown[]): Promise<R[]> {
      if (pg) return (await pgQuery(numbered(sql), params, true)) as R[];
      return withSqlite((_conn, prepare) => prepare(sql).all(params) as R[]);
    },
    async run(sql, params) {
      if (pg) await pgQuery(numbered(sql), params, true);
      else await withSqlite((_conn, prepare) => prepare(sql).run(params));
    },
    inKeys(column) {
      return pg ? `${column} = any(?::text[])` : `${column} in (select value from json_each(?))`;
    },
    keys(values) {
      return pg ? values : JSON.stringify(values);
    },
    bool(value) {
      return pg ? value : value ? 1 : 0;
    },
    async insert(table, columns, rows, options) {
      if (rows.length === 0) return;
      if (pg) {
        const conn = await pool.acquireConnection();
        try {
          await copyRows(conn, table, columns, rows);
        } finally {
          await pool.releaseConnection(conn);
        }
        return;
      }
      const perStatement = Math.max(1, Math.min(SQLITE_ROWS_PER_INSERT, Math.floor(SQLITE_PARAMETERS / columns.length)));
      const width = columns.length;
      await withSqlite((_conn, prepare) => {
        if (options?.oneRowPerStatement) {
          const statement = prepare(insertText(table, columns, 1));
          // Values as arguments, not one array: 0.5 µs a row less (better-sqlite3 reads an array element by element).
          for (const row of rows) statement.run(...(row.includes(true) || row.includes(false) ? row.map((v) => (typeof v === 'boolean' ? Number(v) : v)) : row));
          return;
        }
        for (let i = 0; i < rows.length; i += perStatement) {
          const count = Math.min(perStatement, rows.length - i);
          const values = new Array<unknown>(count * width);
          for (let r = 0, k = 0; r < count; r++) {
            const row = rows[i + r]!;
            for (let c = 0; c < width; c++) {
              const v = row[c];
              values[k++] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
            }
          }
          prepare(insertText(table, columns, count)).run(values);
        }
      });
    },
    async nextIds(table, count) {
      if (count === 0) return [];
      if (pg) {
        let sequence = sequences.get(table);
        if (sequence === undefined) {
          const [row] = (await pgQuery('select pg_get_serial_sequence($1, \'id\') as name', [table], false)) as { name: string }[];
          sequences.set(table, (sequence = row!.name));
        }
        const rows = (await pgQuery('select nextval($1::regclass)::integer as id from generate_series(1, $2) order by 1', [sequence, count], true)) as { id: number }[];
        return rows.map((r) => r.id);
      }
      // The write lock is held for the whole import: no one else takes ids meanwhile. AUTOINCREMENT
      // never reuses an id, so the start is past both the highest row and the highest ever given.
      const [row] = await driver.rows<{ base: number }>(
        `select max(coalesce((select seq from sqlite_sequence where name = ?), 0), coalesce((select max(id) from "${table}"), 0)) as base`,
        [table],
      );
      const base = Number(row!.base);
      return Array.from({ length: count }, (_, i) => base + 1 + i);
    },
  };
  return driver;
}
