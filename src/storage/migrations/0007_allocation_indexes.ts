import type { Knex } from 'knex';

/**
 * Drops two indexes of allocations that are prefixes of wider ones (0003, 0004):
 *   (invoice_id, date)         ⊂ allocations_invoice_date_amount (invoice_id, date, amount)
 *   (source_kind, source_id)   ⊂ allocations_source_date_amount (source_kind, source_id, date, amount)
 * Every lookup they served, the wider index serves the same way (and covers the amount). Each
 * index costs every allocation written: a whole-book `reconcile auto` writes about a million
 * rows, and on SQLite each randomly placed index entry costs a few microseconds per row
 * (docs/PERFORMANCE.md, "Reconcile auto").
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists allocations_invoice_id_date_index');
  await knex.raw('drop index if exists allocations_source_kind_source_id_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index if not exists allocations_invoice_id_date_index on allocations (invoice_id, date)');
  await knex.raw('create index if not exists allocations_source_kind_source_id_index on allocations (source_kind, source_id)');
}
