import type { Knex } from 'knex';

/** Master data, stock, settings, users and the audit log. Amounts are BIGINT minor units. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 100).primary();
    t.text('value').notNullable();
    t.string('updated_at', 32).notNullable();
    t.string('updated_by', 100).notNullable();
  });

  await knex.schema.createTable('users', (t) => {
    t.string('name', 100).primary();
    t.string('role', 16).notNullable();
    t.string('created_at', 32).notNullable();
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.string('at', 32).notNullable();
    t.string('user_name', 100).notNullable();
    t.string('command', 200).notNullable();
    t.string('entity', 40).notNullable();
    t.string('entity_key', 200).notNullable();
    t.string('action', 40).notNullable();
    t.text('detail');
    t.index(['entity', 'entity_key']);
  });

  await knex.schema.createTable('customers', (t) => {
    t.increments('id').primary();
    t.string('code', 32).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('email', 200);
    t.string('phone', 50);
    t.string('tax_id', 32);
    t.string('currency', 3).notNullable();
    t.string('terms', 16).notNullable();
    t.bigInteger('credit_limit');
    t.string('segment', 32);
    t.string('birthday', 5);
    t.text('address');
    t.string('language', 8).notNullable();
    t.boolean('on_hold').notNullable().defaultTo(false);
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.index(['segment']);
  });

  await knex.schema.createTable('products', (t) => {
    t.increments('id').primary();
    t.string('sku', 64).notNullable().unique();
    t.string('name', 200).notNullable();
    t.bigInteger('price').notNullable();
    t.string('currency', 3).notNullable();
    t.string('unit', 16).notNullable();
    t.string('tax_rate', 8).notNullable();
    t.boolean('stocked').notNullable();
    t.bigInteger('on_hand').notNullable().defaultTo(0);
    t.bigInteger('reserved').notNullable().defaultTo(0);
    t.string('created_at', 32).notNullable();
  });

  await knex.schema.createTable('stock_moves', (t) => {
    t.bigIncrements('id').primary();
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.date('date').notNullable();
    t.bigInteger('quantity').notNullable();
    t.string('kind', 16).notNullable();
    t.string('reference', 100);
    t.text('reason');
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
    t.index(['product_id', 'date']);
  });
  // A goods receipt or adjustment that names a reference is recorded once, however often it is replayed.
  await knex.raw(
    'create unique index stock_moves_reference on stock_moves (product_id, kind, reference) where reference is not null',
  );
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['stock_moves', 'products', 'customers', 'audit_log', 'users', 'settings']) {
    await knex.schema.dropTableIfExists(table);
  }
}
