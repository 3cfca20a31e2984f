import type { Knex } from 'knex';
import { isPostgres, quotedName, rawRows } from '../repositories/raw.js';
import { setSqliteCache, setSqliteSortThreads } from './sqlite-pragma.js';

/**
 * SQLite: index builds sort in runs of about the page cache's size; runs of 4 MB sort in the
 * CPU's caches. 1M invoices' six indexes took 5.2-5.3 s of CPU with 2-4 MB, 6.9-7.2 s with 16 MB
 * and 6.5-7.0 s with 32 MB; 870k receipts' three 4.1 s against 4.5-4.9 s.
 */
const SQLITE_INDEX_BUILD_CACHE_KB = 4 * 1024;
/** PostgreSQL: memory for each index build, in the server; its default is 64 MB. */
const PG_INDEX_BUILD_MEMORY = '256MB';

/**
 * Drops the non-unique indexes of `tables` and returns what builds them again from sorted keys,
 * exactly as the catalog had them, with the build memory above. For writes of a large share of a
 * table in one transaction (the bulk import, reconcile auto over the whole book): entry by entry
 * at random places costs more than a fresh build. The unique indexes stay, so a duplicate key is
 * still refused as it is written. DDL is transactional on both engines: a failure rolls the
 * indexes back with the rows. On PostgreSQL dropping an index locks its table: other sessions'
 * reads of it wait for the commit.
 */
export async function dropSecondaryIndexes(knex: Knex, tables: readonly string[]): Promise<() => Promise<void>> {
  if (tables.length === 0) return async () => undefined;
  const pg = isPostgres(knex);
  const list = tables.map(() => '?').join(', ');
  const indexes = await rawRows<{ name: string; sql: string }>(knex, pg
    ? `select i.relname as name, pg_get_indexdef(i.oid) as sql
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
        where t.relnamespace = current_schema()::regnamespace and t.relname in (${list}) and not x.indisunique
        order by 1`
    : `select name, sql from sqlite_master
        where type = 'index' and sql is not null and sql not like 'create unique %' and tbl_name in (${list})
        order by name`,
  [...tables]);
  for (const index of indexes) await knex.raw(`drop index ${quotedName(index.name)}`);
  return async () => {
    if (pg) await knex.raw(`set local maintenance_work_mem = '${PG_INDEX_BUILD_MEMORY}'`);
    const restoreCache = pg ? undefined : await setSqliteCache(knex, SQLITE_INDEX_BUILD_CACHE_KB);
    const restoreThreads = pg ? undefined : await setSqliteSortThreads(knex);
    // Put back even when a build fails: the connection outlives the rolled-back transaction.
    try {
      for (const index of indexes) await knex.raw(index.sql);
    } finally {
      await restoreThreads?.();
      await restoreCache?.();
    }
  };
}
