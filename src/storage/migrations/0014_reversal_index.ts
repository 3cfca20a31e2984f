import type { Knex } from 'knex';

/**
 * An index of the allocations that reverse another (`reverses`), holding only those: the
 * listings of allocations (reconcile list, receipt show, reconcile undo) join each allocation to
 * the one that reversed it, and without an index SQLite read the whole table for every row (1M
 * invoices: 3.3 s to list one invoice's allocations; a batch of a million rows never finished).
 * Almost no allocation reverses another, so the index is a few entries, and an import or a
 * reconcile batch, whose rows reverse nothing, adds none. The join names a value of `reverses`,
 * which implies it is not null: both engines use the partial index for it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index allocations_reverses on allocations (reverses) where reverses is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index allocations_reverses');
}
