import type { Knex } from 'knex';
import { deriveNewDocuments, type NewDocuments } from '../migrations/0006_balances.js';

/**
 * A large import into SQLite, made like a bulk load (docs/IMPORT.md, "Speed"): from the moment it
 * is deferred, the documents' table takes its rows without its non-unique indexes and without the
 * balance triggers of migration 0006, and `complete` then builds what they would have built,
 * set-based — the derived rows of the new documents, every dropped index (a sorted build instead
 * of a million inserts all over its B-tree), the triggers again — in the same transaction.
 *
 * SQLite's DDL is transactional: an import that fails or a dry run rolls the indexes and triggers
 * back with its rows. The unique indexes stay, so a key that comes twice is still found by the
 * book, and the import's lookups (by number, external ref, bank ref) still use them. Readers of
 * the book see the state before the import until it commits (WAL), as for any import.
 *
 * The definitions are read back from sqlite_master, so what is built again is exactly what was
 * there. Derived rows of receipts include their reversals (written by the same import), so the
 * reversals' trigger is deferred with the receipts'.
 */
export interface DeferredDerivations {
  /** Builds the derived rows of the documents written since, then the indexes and triggers. */
  complete(): Promise<void>;
}

const TRIGGERS: Record<NewDocuments['table'], readonly string[]> = {
  invoices: ['invoices_balance', 'credit_notes_balance'],
  receipts: ['receipts_balance', 'receipt_reversals_balance'],
};

/** The documents' table and the derived table that holds a row for each of them. */
const INDEXED_TABLES: Record<NewDocuments['table'], readonly string[]> = {
  invoices: ['invoices', 'invoice_balances'],
  receipts: ['receipts', 'source_balances'],
};

const DEFERRED_CACHE_KB = 16 * 1024;

interface SchemaObject {
  readonly type: 'index' | 'trigger';
  readonly name: string;
  readonly sql: string;
}

export async function deferDerivations(knex: Knex, table: NewDocuments['table']): Promise<DeferredDerivations> {
  const [last] = (await knex.raw(`select coalesce(max(id), 0) as id from "${table}"`)) as { id: number }[];
  const documents: NewDocuments = { table, after: Number(last!.id) };
  const tables = INDEXED_TABLES[table];
  const triggers = TRIGGERS[table];
  const objects = (await knex.raw(
    `select type, name, sql from sqlite_master
      where sql is not null and (
        (type = 'index' and tbl_name in (${tables.map(() => '?').join(', ')}) and sql not like 'create unique %')
        or (type = 'trigger' and name in (${triggers.map(() => '?').join(', ')})))
      order by type, name`,
    [...tables, ...triggers],
  )) as SchemaObject[];
  const missing = triggers.filter((name) => !objects.some((o) => o.type === 'trigger' && o.name === name));
  if (missing.length > 0) throw new Error(`deferring ${table}: trigger ${missing.join(', ')} not in the schema`);
  for (const o of objects) await knex.raw(`drop ${o.type} "${o.name.replaceAll('"', '""')}"`);
  // Appending rows and sorting index keys need fewer pages than inserting all over the indexes:
  // 1M invoices took 23 s at 278 MB with 16 MB, 28 s at 302 MB with the import's 32 MB.
  const [cacheSize] = (await knex.raw('pragma cache_size')) as { cache_size: number }[];
  await knex.raw(`pragma cache_size = -${DEFERRED_CACHE_KB}`);
  return {
    async complete() {
      await deriveNewDocuments(knex, documents);
      for (const o of objects) if (o.type === 'index') await knex.raw(o.sql);
      for (const o of objects) if (o.type === 'trigger') await knex.raw(o.sql);
      await knex.raw(`pragma cache_size = ${Number(cacheSize!.cache_size)}`);
    },
  };
}
