import type { Knex } from 'knex';

/**
 * What the forecast learned as of a date, kept so that the next forecast as of that date reuses
 * it while the book has had no new allocation (docs/PERFORMANCE.md, "Collections"). Learning
 * reads every invoice closed in the last two years: at 1M invoices 645,704 of them and about
 * 1.2 s of a 2 s forecast, the same work for the nightly alert run (its forecast floor) and every
 * `owed forecast` after it.
 *
 * One row per date (a save removes the others): the learned medians and curve as JSON, with the
 * key it is valid for — the id of the latest allocation when it was learned and the method
 * (owed's learning version and the schema's latest migration). Derived data, like the balances:
 * nothing reads it but learnAsOf, and deleting it only costs the next forecast its learning.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('forecast_learning', (t) => {
    t.date('as_of').primary();
    t.bigInteger('allocations_through').notNullable();
    t.string('method', 100).notNullable();
    t.text('learned').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('forecast_learning');
}
