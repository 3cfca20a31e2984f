import type { Knex } from 'knex';

/**
 * Orders, shipments, invoices and credit notes, gapless number series, and allocations: the
 * signed, dated rows that reduce an invoice's open amount. Documents are never updated once
 * issued; an invoice's open amount as of D is its total less its allocations dated ≤ D.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('number_series', (t) => {
    t.string('series', 16).notNullable();
    t.integer('year').notNullable();
    t.bigInteger('last').notNullable();
    t.primary(['series', 'year']);
  });

  await knex.schema.createTable('orders', (t) => {
    t.increments('id').primary();
    t.string('number', 32).notNullable().unique();
    t.integer('customer_id').notNullable().references('id').inTable('customers');
    t.date('order_date').notNullable();
    t.string('currency', 3).notNullable();
    t.string('state', 16).notNullable();
    t.string('reference', 100);
    t.boolean('tax_inclusive').notNullable();
    t.bigInteger('net').notNullable();
    t.bigInteger('tax').notNullable();
    t.bigInteger('total').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
    t.string('approved_at', 32);
    t.string('approved_by', 100);
    t.text('override_reason');
    t.string('cancelled_at', 32);
    t.text('cancel_reason');
    t.index(['customer_id', 'state']);
  });

  await knex.schema.createTable('order_lines', (t) => {
    t.increments('id').primary();
    t.integer('order_id').notNullable().references('id').inTable('orders');
    t.integer('line_no').notNullable();
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.bigInteger('quantity').notNullable();
    t.bigInteger('unit_price').notNullable();
    t.string('tax_rate', 8).notNullable();
    t.bigInteger('net').notNullable();
    t.bigInteger('tax').notNullable();
    t.bigInteger('shipped').notNullable().defaultTo(0);
    t.bigInteger('invoiced').notNullable().defaultTo(0);
    t.bigInteger('reserved').notNullable().defaultTo(0);
    t.bigInteger('returned').notNullable().defaultTo(0);
    t.unique(['order_id', 'line_no']);
  });

  await knex.schema.createTable('shipments', (t) => {
    t.increments('id').primary();
    t.string('number', 32).notNullable().unique();
    t.integer('order_id').notNullable().references('id').inTable('orders');
    t.date('ship_date').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
  });

  await knex.schema.createTable('shipment_lines', (t) => {
    t.increments('id').primary();
    t.integer('shipment_id').notNullable().references('id').inTable('shipments');
    t.integer('order_line_id').notNullable().references('id').inTable('order_lines');
    t.bigInteger('quantity').notNullable();
  });

  await knex.schema.createTable('invoices', (t) => {
    t.increments('id').primary();
    t.string('number', 32).notNullable().unique();
    t.string('kind', 16).notNullable(); // invoice | credit_note
    t.integer('customer_id').notNullable().references('id').inTable('customers');
    t.integer('order_id').references('id').inTable('orders');
    t.integer('credit_of').references('id').inTable('invoices');
    t.date('issue_date').notNullable();
    t.date('due_date').notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('net').notNullable();
    t.bigInteger('tax').notNullable();
    t.bigInteger('total').notNullable();
    t.boolean('tax_inclusive').notNullable();
    t.text('reason');
    t.boolean('restocked').notNullable().defaultTo(false);
    t.string('external_ref', 100).unique();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
    t.index(['customer_id', 'issue_date']);
    t.index(['kind', 'due_date']);
  });

  await knex.schema.createTable('invoice_lines', (t) => {
    t.increments('id').primary();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.integer('line_no').notNullable();
    t.integer('product_id').references('id').inTable('products');
    t.string('description', 200).notNullable();
    t.bigInteger('quantity').notNullable();
    t.bigInteger('unit_price').notNullable();
    t.string('tax_rate', 8).notNullable();
    t.bigInteger('net').notNullable();
    t.bigInteger('tax').notNullable();
    t.integer('order_line_id').references('id').inTable('order_lines');
    t.unique(['invoice_id', 'line_no']);
  });

  await knex.schema.createTable('allocations', (t) => {
    t.bigIncrements('id').primary();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.string('source_kind', 16).notNullable(); // credit_note | receipt | write_off | adjustment
    t.integer('source_id').notNullable();
    // Positive reduces the invoice's open amount; a reversal is a negative row of its own.
    t.bigInteger('amount').notNullable();
    t.date('date').notNullable();
    t.string('batch', 40);
    t.bigInteger('reverses').references('id').inTable('allocations');
    t.text('note');
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
    t.index(['invoice_id', 'date']);
    t.index(['source_kind', 'source_id']);
  });

  // Issued documents are corrected by new documents, never edited: the database refuses too.
  for (const table of ['invoices', 'invoice_lines', 'allocations']) {
    if (knex.client.config.client === 'pg') {
      await knex.raw(`create or replace function owed_immutable() returns trigger language plpgsql as $$
        begin raise exception 'issued documents are immutable (%); correct them with a new document', tg_table_name; end $$`);
      await knex.raw(`create trigger ${table}_immutable before update or delete on ${table} for each row execute function owed_immutable()`);
    } else {
      for (const event of ['update', 'delete']) {
        await knex.raw(`create trigger ${table}_no_${event} before ${event} on ${table}
          begin select raise(abort, 'issued documents are immutable (${table}); correct them with a new document'); end`);
      }
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    for (const table of ['invoices', 'invoice_lines', 'allocations']) await knex.raw(`drop trigger if exists ${table}_immutable on ${table}`);
    await knex.raw('drop function if exists owed_immutable()');
  }
  for (const table of ['allocations', 'invoice_lines', 'invoices', 'shipment_lines', 'shipments', 'order_lines', 'orders', 'number_series']) {
    await knex.schema.dropTableIfExists(table);
  }
}
