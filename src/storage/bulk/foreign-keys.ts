import type { Knex } from 'knex';
import { isPostgres, quotedName, rawRows } from '../repositories/raw.js';

/**
 * PostgreSQL: drops the foreign keys of `tables` and returns what adds them again. A row inserted
 * under a foreign key is checked by a lookup of its parent (and a share lock on the parent's row),
 * one at a time; a key added to a full table checks every row in one join. For writes of a large
 * share of a table in one transaction (the bulk import, reconcile auto over the whole book).
 * Adding a key locks the parent table against writes until the commit; DDL is transactional, so
 * a failure before then leaves the keys as they were. Nothing to do on SQLite: there the import
 * keeps the per-row check, and reconcile auto runs without it and asserts its references itself.
 */
export async function dropForeignKeys(knex: Knex, tables: readonly string[]): Promise<() => Promise<void>> {
  if (!isPostgres(knex) || tables.length === 0) return async () => undefined;
  const keys = await rawRows<{ name: string; table: string; definition: string }>(knex,
    `select c.conname as name, t.relname as "table", pg_get_constraintdef(c.oid) as definition
       from pg_constraint c join pg_class t on t.oid = c.conrelid
      where c.contype = 'f' and t.relnamespace = current_schema()::regnamespace and t.relname in (${tables.map(() => '?').join(', ')})
      order by t.relname, c.conname`,
    [...tables]);
  for (const key of keys) await knex.raw(`alter table ${quotedName(key.table)} drop constraint ${quotedName(key.name)}`);
  return async () => {
    for (const key of keys) await knex.raw(`alter table ${quotedName(key.table)} add constraint ${quotedName(key.name)} ${key.definition}`);
  };
}
