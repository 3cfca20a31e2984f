import { translateDriverError, type Database } from '../database.js';

interface SqliteConnection {
  prepare(sql: string): { run(...values: unknown[]): unknown };  // an array binds its elements in order
  transaction<T>(fn: () => T): () => T;
}

const PG_BATCH = 1000;
const SQLITE_BATCH = 10_000;

/**
 * Inserts rows in bulk, bypassing the query builder: prepared statements in one transaction per
 * batch on SQLite, multi-row INSERTs (prepared, in one transaction) on PostgreSQL. The rows stream
 * in, so memory holds one batch.
 * Validation is the caller's job; this is only the fast path to disk.
 */
export async function insertRows(
  db: Database,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
): Promise<number> {
  return db.engine === 'sqlite' ? insertSqlite(db, table, columns, rows) : insertPostgres(db, table, columns, rows);
}

async function insertSqlite(db: Database, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<number> {
  const client = db.knex.client as { acquireConnection(): Promise<SqliteConnection>; releaseConnection(c: SqliteConnection): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    const statement = conn.prepare(
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
    );
    let count = 0;
    let batch: (readonly unknown[])[] = [];
    // One array of parameters, refilled per row: no allocation per row.
    const values: unknown[] = new Array<unknown>(columns.length);
    const flush = conn.transaction(() => {
      for (const row of batch) {
        for (let c = 0; c < values.length; c++) values[c] = sqliteValue(row[c]);
        statement.run(values);
      }
    });
    for (const row of rows) {
      batch.push(row);
      if (batch.length === SQLITE_BATCH) {
        flush();
        count += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) {
      flush();
      count += batch.length;
    }
    return count;
  } finally {
    await client.releaseConnection(conn);
  }
}

function sqliteValue(value: unknown): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

interface PgConnection {
  query(config: string | { name?: string; text: string; values?: unknown[] }): Promise<unknown>;
}

/** PostgreSQL takes at most 65535 parameters in one statement. */
const PG_MAX_PARAMETERS = 65_535;
/** Full-batch statements by table, columns and row count; each name is the same on every connection. */
const pgStatements = new Map<string, { name: string; text: string }>();

function pgInsertText(table: string, columns: readonly string[], rowCount: number): string {
  const tuples: string[] = [];
  for (let r = 0, p = 1; r < rowCount; r++) {
    const params: string[] = [];
    for (let c = 0; c < columns.length; c++) params.push(`$${p++}`);
    tuples.push(`(${params.join(',')})`);
  }
  return `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(',')}`;
}

/** The full-batch statement of a table and column list, and the name it is prepared under. */
function pgFullBatchStatement(table: string, columns: readonly string[], rowCount: number): { name: string; text: string } {
  const key = `${table}\u0000${columns.join('\u0000')}\u0000${rowCount}`;
  let statement = pgStatements.get(key);
  if (statement === undefined) {
    statement = { name: `owed_bulk_${pgStatements.size + 1}`, text: pgInsertText(table, columns, rowCount) };
    pgStatements.set(key, statement);
  }
  return statement;
}

/**
 * Multi-row INSERTs of up to PG_BATCH rows on one connection, in one transaction, through the
 * driver: a full batch reuses one prepared statement, so PostgreSQL parses it once per connection.
 */
async function insertPostgres(db: Database, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<number> {
  const client = db.knex.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
  const perStatement = Math.max(1, Math.min(PG_BATCH, Math.floor(PG_MAX_PARAMETERS / columns.length)));
  const conn = await client.acquireConnection();
  let count = 0;
  try {
    await conn.query('begin');
    let values: unknown[] = [];
    let pending = 0;
    const flush = async (): Promise<void> => {
      // Full batches reuse one prepared statement; the last, shorter one is sent unnamed (and not kept).
      await conn.query(pending === perStatement ? { ...pgFullBatchStatement(table, columns, pending), values } : { text: pgInsertText(table, columns, pending), values });
      count += pending;
      values = [];
      pending = 0;
    };
    for (const row of rows) {
      for (let c = 0; c < columns.length; c++) values.push(row[c]);
      if (++pending === perStatement) await flush();
    }
    if (pending > 0) await flush();
    await conn.query('commit');
    return count;
  } catch (error) {
    await conn.query('rollback').catch(() => undefined);
    throw translateDriverError(error, db.target);
  } finally {
    await client.releaseConnection(conn);
  }
}
