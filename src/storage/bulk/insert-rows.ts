import type { Database } from '../database.js';

interface SqliteConnection {
  prepare(sql: string): { run(...values: unknown[]): unknown };
  transaction<T>(fn: () => T): () => T;
}

const PG_BATCH = 1000;
const SQLITE_BATCH = 10_000;

/**
 * Inserts rows in bulk, bypassing the query builder: prepared statements in one transaction per
 * batch on SQLite, multi-row INSERTs on PostgreSQL. The rows stream in, so memory holds one batch.
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
    const flush = conn.transaction(() => {
      for (const row of batch) statement.run(...row.map(sqliteValue));
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

async function insertPostgres(db: Database, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<number> {
  let count = 0;
  await db.transaction(async (q) => {
    let batch: Record<string, unknown>[] = [];
    for (const row of rows) {
      const record: Record<string, unknown> = {};
      columns.forEach((c, i) => (record[c] = row[i]));
      batch.push(record);
      if (batch.length === PG_BATCH) {
        await q(table).insert(batch);
        count += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) {
      await q(table).insert(batch);
      count += batch.length;
    }
  });
  return count;
}
