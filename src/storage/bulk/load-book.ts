import { BOOK_COLUMNS, BOOK_TABLES, type BookRow, type BookSummary, type BookTable } from '../../fixtures/generate-book.js';
import type { Database } from '../database.js';
import { balanceTriggers, dropBalanceTriggers, rebuildBalances } from '../migrations/0006_balances.js';
import { insertRows } from './insert-rows.js';

export interface LoadBookOptions {
  /** Rows buffered per table before they are written; default 5000. */
  readonly batchSize?: number;
  /** SQLite, into empty tables: drop their secondary indexes and build them after the rows; default true. */
  readonly rebuildIndexes?: boolean;
  /**
   * Update the planner's statistics after loading (SQLite: ANALYZE; PostgreSQL: VACUUM ANALYZE).
   * Default: on PostgreSQL only, where autovacuum would do it within minutes anyway; a SQLite book
   * made by the CLI never has them, so a benchmark without them measures what users get.
   */
  readonly analyze?: boolean;
}

export interface LoadBookResult {
  readonly summary: BookSummary;
  readonly rows: number;
  readonly rowsByTable: Readonly<Record<BookTable, number>>;
  /** Inserting, including generating the rows. */
  readonly loadMs: number;
  /** Resetting sequences and VACUUM / ANALYZE, after the rows are in. */
  readonly finishMs: number;
  readonly rowsPerSecond: number;
}

/** Page cache while loading, in KiB; SQLite's default is 2 MiB (cache_size = -2000). */
const SQLITE_LOAD_CACHE_KB = 64 * 1024;
const SQLITE_DEFAULT_CACHE = -2000;

/**
 * SQLite: drops the explicitly created indexes (CREATE [UNIQUE] INDEX, not the primary keys nor
 * the constraints of CREATE TABLE) of the book's tables when all of them are empty, and returns
 * their definitions to run again. Inside the caller's transaction.
 */
async function dropIndexesOfEmptyTables(db: Database): Promise<{ name: string; sql: string }[]> {
  if (!(await allEmpty(db))) return [];
  const indexes = (await db.knex.raw(
    `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${BOOK_TABLES.map(() => '?').join(', ')}) order by name`,
    [...BOOK_TABLES],
  )) as { name: string; sql: string }[];
  for (const index of indexes) await db.knex.raw(`drop index "${index.name.replaceAll('"', '""')}"`);
  return indexes;
}

async function allEmpty(db: Database): Promise<boolean> {
  for (const table of BOOK_TABLES) {
    const rows = (await db.knex.raw(`select exists (select 1 from "${table}") as any_row`)) as unknown;
    const row = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows)[0] as { any_row: unknown } | undefined;
    if (row?.any_row !== false && Number(row?.any_row) !== 0) return false;
  }
  return true;
}

/** Tables whose integer primary key the generator assigns; PostgreSQL's sequences must follow. */
const SERIAL_TABLES: readonly BookTable[] = ['customers', 'products', 'invoices', 'invoice_lines', 'receipts', 'write_offs', 'allocations'];

/**
 * Loads a generated book into an empty, migrated database through insertRows (prepared
 * statements on SQLite, multi-row INSERTs on PostgreSQL). Rows arrive mixed, parents before
 * children; they are buffered per table and, whenever one buffer is full, every buffer is
 * written in foreign-key order, so a child is never written before its parent. Ids come with
 * the rows: nothing is looked up. Inserts only: documents are immutable, the triggers stay on.
 *
 * On SQLite the whole load is one transaction; on PostgreSQL each insertRows call is one (a
 * failed load there leaves a partial book: load into a fresh database).
 */
export async function loadBook(db: Database, book: Generator<BookRow, BookSummary, undefined>, options: LoadBookOptions = {}): Promise<LoadBookResult> {
  const batchSize = options.batchSize ?? 5000;
  const buffers = new Map<BookTable, unknown[][]>(BOOK_TABLES.map((t) => [t, []]));
  const rowsByTable = Object.fromEntries(BOOK_TABLES.map((t) => [t, 0])) as Record<BookTable, number>;

  const flush = async (): Promise<void> => {
    for (const table of BOOK_TABLES) {
      const rows = buffers.get(table)!;
      if (rows.length === 0) continue;
      buffers.set(table, []);
      rowsByTable[table] += await insertRows(db, table, BOOK_COLUMNS[table], rows);
    }
  };

  const t0 = process.hrtime.bigint();
  let summary: BookSummary;
  const sqlite = db.engine === 'sqlite';
  let cacheSize: unknown = SQLITE_DEFAULT_CACHE;
  let droppedIndexes: readonly { name: string; sql: string }[] = [];
  if (sqlite) {
    cacheSize = ((await db.knex.raw('pragma cache_size')) as { cache_size: unknown }[])[0]?.cache_size ?? SQLITE_DEFAULT_CACHE;
    // One transaction for the whole load (insertRows' batches become savepoints in it), so
    // index pages are written once rather than once per batch; and a page cache big enough
    // for the indexes being filled. The connection is the pool's only one: the pragma and the
    // transaction apply to the inserts, and the cache size is put back afterwards.
    await db.knex.raw(`pragma cache_size = -${SQLITE_LOAD_CACHE_KB}`);
    await db.knex.raw('begin immediate');
    // Into an empty book, the secondary indexes are dropped and built again at the end, from
    // sorted data, instead of growing row by row (≈ 15 % faster at 300k invoices, more at 1M).
    // DDL is transactional in SQLite: a failed load rolls the indexes back with the rows.
    if (options.rebuildIndexes ?? true) droppedIndexes = await dropIndexesOfEmptyTables(db);
  }
  // Into an empty book the balance triggers (migration 0006) are dropped and the balances built
  // from the loaded rows in three set-based statements at the end, instead of once per row. They
  // are created again whatever happens; on SQLite inside the load's transaction.
  const rebuildBalanceTables = await allEmpty(db);
  if (rebuildBalanceTables) for (const sql of dropBalanceTriggers(db.knex)) await db.knex.raw(sql);
  let loaded = false;
  try {
    for (;;) {
      const next = book.next();
      if (next.done === true) {
        summary = next.value;
        break;
      }
      const buffer = buffers.get(next.value.table)!;
      buffer.push(next.value.values as unknown[]);
      if (buffer.length >= batchSize) await flush();
    }
    await flush();
    for (const index of droppedIndexes) await db.knex.raw(index.sql);
    if (rebuildBalanceTables) {
      await rebuildBalances(db.knex);
      for (const sql of balanceTriggers(db.knex)) await db.knex.raw(sql);
    }
    loaded = true;
    if (sqlite) await db.knex.raw('commit');
  } catch (error) {
    if (sqlite) await db.knex.raw('rollback').catch(() => undefined);
    throw error;
  } finally {
    if (sqlite) await db.knex.raw(`pragma cache_size = ${Number(cacheSize)}`);
    // PostgreSQL, after a failed load: the partial book keeps its triggers (its balances are not to be trusted).
    if (rebuildBalanceTables && !loaded && !sqlite) for (const sql of balanceTriggers(db.knex)) await db.knex.raw(sql);
  }
  const t1 = process.hrtime.bigint();

  if (db.engine === 'postgres') {
    for (const table of SERIAL_TABLES) {
      await db.knex.raw(
        `select setval(pg_get_serial_sequence(?, 'id'), coalesce((select max(id) from ??), 0) + 1, false)`,
        [table, table],
      );
    }
  }
  // PostgreSQL: VACUUM too, as autovacuum would after so many inserts: it sets the visibility
  // map, without which no index-only scan is used.
  if (options.analyze ?? db.engine === 'postgres') await db.knex.raw(db.engine === 'postgres' ? 'vacuum analyze' : 'analyze');
  const t2 = process.hrtime.bigint();

  const rows = Object.values(rowsByTable).reduce((a, b) => a + b, 0);
  const loadMs = Number(t1 - t0) / 1e6;
  return { summary, rows, rowsByTable, loadMs, finishMs: Number(t2 - t1) / 1e6, rowsPerSecond: (rows / loadMs) * 1000 };
}
