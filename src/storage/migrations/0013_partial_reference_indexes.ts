import type { Knex } from 'knex';
import { isPostgres } from '../repositories/raw.js';

/**
 * The unique indexes of an invoice's external_ref and a receipt's bank_ref hold only the
 * documents that have one. Most invoices have none (owed numbers them itself), nor does a receipt
 * entered by hand without a bank reference (an imported one always has one: the bank's id or its
 * fingerprint), and every document without one was an index entry of its own: an index insert
 * per row of an import for nothing (1M rows of SQLite, one transaction: 0.4-1.5 s; 9 MB of index).
 * Uniqueness is the same: NULLs were never equal to one another in either engine. The lookups by
 * reference name a value, so they still use the index (EXPLAIN: a search of the new index).
 *
 * PostgreSQL made them as unique constraints (knex's `unique()`), which cannot be partial: each
 * becomes a unique index of the same name, built before the constraint is dropped, so no moment
 * of the migration's transaction is without one. SQLite cannot rename an index: it is dropped
 * and made again in the same transaction.
 */
const REFERENCES = [
  { table: 'invoices', column: 'external_ref', name: 'invoices_external_ref_unique' },
  { table: 'receipts', column: 'bank_ref', name: 'receipts_bank_ref_unique' },
] as const;

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  for (const { table, column, name } of REFERENCES) {
    if (pg) {
      await knex.raw(`create unique index ${name}_partial on ${table} (${column}) where ${column} is not null`);
      await knex.raw(`alter table ${table} drop constraint ${name}`);
      await knex.raw(`alter index ${name}_partial rename to ${name}`);
    } else {
      await knex.raw(`drop index ${name}`);
      await knex.raw(`create unique index ${name} on ${table} (${column}) where ${column} is not null`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  for (const { table, column, name } of REFERENCES) {
    if (pg) {
      await knex.raw(`alter index ${name} rename to ${name}_partial`);
      await knex.raw(`alter table ${table} add constraint ${name} unique (${column})`);
      await knex.raw(`drop index ${name}_partial`);
    } else {
      await knex.raw(`drop index ${name}`);
      await knex.raw(`create unique index ${name} on ${table} (${column})`);
    }
  }
}
