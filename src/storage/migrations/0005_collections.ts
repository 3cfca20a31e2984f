import type { Knex } from 'knex';

/**
 * Collections: the state of risk alerts between nightly runs, the history of reminders sent (each
 * invoice and level at most once, ever), and disputes that stop an invoice being chased.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alerts', (t) => {
    t.string('key', 200).primary(); // rule:subject, stable across runs
    t.string('rule', 40).notNullable();
    t.string('subject', 120).notNullable();
    t.string('level', 16).notNullable(); // warn | critical
    t.string('state', 16).notNullable(); // new | ongoing | escalated | resolved | acknowledged
    t.text('message').notNullable();
    t.date('first_seen').notNullable();
    t.date('last_seen').notNullable();
    t.date('changed_on').notNullable();
    t.date('resolved_on');
    t.string('acknowledged_at', 32);
    t.string('acknowledged_by', 100);
    t.text('ack_note');
    t.string('notified_level', 16);
    t.string('notified_at', 32);
    t.index(['state']);
  });

  await knex.schema.createTable('alert_events', (t) => {
    t.bigIncrements('id').primary();
    t.string('alert_key', 200).notNullable().references('key').inTable('alerts');
    t.date('date').notNullable();
    t.string('state', 16).notNullable();
    t.string('level', 16).notNullable();
    t.text('message').notNullable();
    t.string('created_at', 32).notNullable();
    t.index(['alert_key', 'date']);
  });

  await knex.schema.createTable('reminders', (t) => {
    t.bigIncrements('id').primary();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.string('level', 32).notNullable();
    t.integer('level_days').notNullable();
    t.integer('customer_id').notNullable().references('id').inTable('customers');
    t.date('sent_on').notNullable();
    t.string('sent_at', 32).notNullable();
    t.string('channel', 16).notNullable(); // smtp | outbox
    t.string('message_id', 200);
    t.string('recipient', 200).notNullable();
    t.unique(['invoice_id', 'level']);
    t.index(['customer_id', 'sent_on']);
  });

  await knex.schema.createTable('invoice_disputes', (t) => {
    t.bigIncrements('id').primary();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.date('date').notNullable();
    t.string('action', 8).notNullable(); // open | close
    t.text('reason').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
    t.index(['invoice_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['invoice_disputes', 'reminders', 'alert_events', 'alerts']) await knex.schema.dropTableIfExists(table);
}
