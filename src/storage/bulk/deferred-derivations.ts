import type { Knex } from 'knex';
import { deriveNewDocuments, type NewDocuments } from '../migrations/0006_balances.js';
import { dropForeignKeys } from './foreign-keys.js';
import { dropSecondaryIndexes } from './secondary-indexes.js';
import { isPostgres, quotedName, rawRows } from '../repositories/raw.js';
import { setSqliteCache } from './sqlite-pragma.js';

/**
 * A large import, made like a bulk load (docs/IMPORT.md, "Speed"): from the moment it is
 * deferred, the documents' table takes its rows without its non-unique indexes and without the
 * balance triggers of migration 0006 (on PostgreSQL also without the foreign keys of it and its
 * derived table: a lookup of the parent per row), and `complete` then builds what they would have
 * built, set-based — the derived rows of the new documents, every dropped index (a sorted build
 * instead of a million inserts all over its B-tree), the triggers, the keys again, each checking
 * every row in one join — in the same transaction. (PostgreSQL, 1M invoices: 35.9 -> 24.2 s with
 * the keys deferred; receipts 30.8 -> 22.8 s.)
 *
 * DDL is transactional on both engines: an import that fails or a dry run rolls the indexes and
 * triggers back with its rows. The unique indexes stay, so a key that comes twice is still found
 * by the book, and the import's lookups (by number, external ref, bank ref) still use them. On
 * SQLite readers see the book as it was until the import commits (WAL), as for any import; on
 * PostgreSQL dropping an index locks its table, so other sessions' reads of the documents wait
 * for the import to commit, and adding a foreign key back locks its parent (customers) against
 * writes until then — the price of a bulk load, which is why it takes a large import
 * (the setting import.bulk_after) to start one.
 *
 * The definitions are read back from the catalog, so what is built again is exactly what was
 * there. Derived rows of receipts include their reversals (written by the same import), so the
 * reversals' trigger is deferred with the receipts'.
 */
export interface DeferredDerivations {
  /** Builds the derived rows of the documents written since, then the indexes and triggers. */
  complete(): Promise<void>;
}

type Table = NewDocuments['table'];

/**
 * The balance triggers that fire on a table's inserts (SQLite has one per kind of invoice). On
 * PostgreSQL they run once per statement, yet keeping them on saved nothing measurable: 1M
 * invoices took the server 34.6 s of CPU with them, 33.7 s deriving the balances at the end.
 */
const TRIGGERS: Record<'sqlite' | 'pg', Record<Table, readonly string[]>> = {
  sqlite: { invoices: ['invoices_balance', 'credit_notes_balance'], receipts: ['receipts_balance', 'receipt_reversals_balance'] },
  pg: { invoices: ['invoices_balance'], receipts: ['receipts_balance', 'receipt_reversals_balance'] },
};

/** The documents' table and the derived table that holds a row for each of them. */
const INDEXED_TABLES: Record<Table, readonly string[]> = {
  invoices: ['invoices', 'invoice_balances'],
  receipts: ['receipts', 'source_balances'],
};

/**
 * SQLite: appending rows and sorting index keys need fewer pages than inserting all over the
 * indexes: 1M invoices took 23 s at 278 MB with 16 MB, 28 s at 302 MB with the import's 32 MB.
 */
const SQLITE_DEFERRED_CACHE_KB = 16 * 1024;

/** A balance trigger as the catalog gives it. */
interface Trigger {
  readonly name: string;
  /** The table it is on (PostgreSQL drops a trigger by table). */
  readonly table: string;
  readonly sql: string;
}

/** Placeholders for a list of values. */
const list = (values: readonly unknown[]) => values.map(() => '?').join(', ');

async function triggerDefinitions(knex: Knex, pg: boolean, names: readonly string[]): Promise<Trigger[]> {
  return rawRows<Trigger>(knex, pg
    ? `select g.tgname as name, t.relname as "table", pg_get_triggerdef(g.oid) as sql
         from pg_trigger g join pg_class t on t.oid = g.tgrelid
        where t.relnamespace = current_schema()::regnamespace and not g.tgisinternal and g.tgname in (${list(names)})
        order by 1`
    : `select name, tbl_name as "table", sql from sqlite_master where type = 'trigger' and name in (${list(names)}) order by name`,
  [...names]);
}

export async function deferDerivations(knex: Knex, table: Table): Promise<DeferredDerivations> {
  const pg = isPostgres(knex);
  const [last] = await rawRows<{ id: unknown }>(knex, `select coalesce(max(id), 0) as id from ${quotedName(table)}`);
  const documents: NewDocuments = { table, after: Number(last!.id) };
  const tables = INDEXED_TABLES[table];
  const names = TRIGGERS[pg ? 'pg' : 'sqlite'][table];
  const triggers = await triggerDefinitions(knex, pg, names);
  const missing = names.filter((name) => !triggers.some((t) => t.name === name));
  if (missing.length > 0) throw new Error(`deferring ${table}: trigger ${missing.join(', ')} not in the schema`);
  for (const t of triggers) await knex.raw(`drop trigger ${quotedName(t.name)}${pg ? ` on ${quotedName(t.table)}` : ''}`);
  const rebuildIndexes = await dropSecondaryIndexes(knex, tables);
  const restoreForeignKeys = await dropForeignKeys(knex, tables);
  const restoreCache = pg ? undefined : await setSqliteCache(knex, SQLITE_DEFERRED_CACHE_KB);
  return {
    async complete() {
      await deriveNewDocuments(knex, documents);
      await rebuildIndexes();
      for (const t of triggers) await knex.raw(t.sql);
      await restoreForeignKeys();
      // The planner's statistics of tables that may have grown from nothing (autovacuum would
      // take them only after the commit).
      if (pg) await knex.raw(`analyze ${tables.map(quotedName).join(', ')}`);
      await restoreCache?.();
    },
  };
}
