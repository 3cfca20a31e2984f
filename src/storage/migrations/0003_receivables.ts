import type { Knex } from 'knex';

/**
 * Receipts and their reversals, write-offs, and reconciliation batches. A receipt is never
 * edited: the one change allowed is attaching unidentified cash to its customer; a bounced
 * payment is a reversal row of its own, dated, and its allocations are reversed by new rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('receipts', (t) => {
    t.increments('id').primary();
    t.string('number', 32).notNullable().unique();
    t.integer('customer_id').references('id').inTable('customers');
    t.date('receipt_date').notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('amount').notNullable();
    t.string('method', 16).notNullable();
    t.string('bank_ref', 100).unique();
    t.text('memo');
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
    t.index(['customer_id', 'receipt_date']);
  });

  await knex.schema.createTable('receipt_reversals', (t) => {
    t.increments('id').primary();
    t.integer('receipt_id').notNullable().unique().references('id').inTable('receipts');
    t.date('reversal_date').notNullable();
    t.text('reason').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
  });

  await knex.schema.createTable('write_offs', (t) => {
    t.increments('id').primary();
    t.string('number', 32).notNullable().unique();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.date('write_off_date').notNullable();
    t.bigInteger('amount').notNullable();
    t.text('reason').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
  });

  await knex.schema.createTable('reconcile_batches', (t) => {
    t.string('id', 32).primary();
    t.string('kind', 16).notNullable(); // auto | manual | undo | reversal
    t.string('undoes', 32);
    t.string('created_at', 32).notNullable();
    t.string('created_by', 100).notNullable();
  });

  await knex.schema.alterTable('allocations', (t) => {
    t.string('rule', 32);
  });
  await knex.raw('create index allocations_batch on allocations (batch)');
  await knex.raw('create index allocations_invoice_date_amount on allocations (invoice_id, date, amount)');

  const pg = knex.client.config.client === 'pg';
  for (const table of ['receipt_reversals', 'write_offs']) {
    if (pg) {
      await knex.raw(`create trigger ${table}_immutable before update or delete on ${table} for each row execute function owed_immutable()`);
    } else {
      for (const event of ['update', 'delete']) {
        await knex.raw(`create trigger ${table}_no_${event} before ${event} on ${table}
          begin select raise(abort, 'issued documents are immutable (${table}); correct them with a new document'); end`);
      }
    }
  }
  // Receipts: only unidentified cash may be attached to a customer, once; nothing else changes.
  if (pg) {
    await knex.raw(`create or replace function owed_receipt_guard() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then raise exception 'receipts are immutable; reverse them instead'; end if;
        if old.customer_id is not null or new.customer_id is null
          or (new.number, new.receipt_date, new.currency, new.amount, new.method, new.bank_ref, new.memo)
             is distinct from (old.number, old.receipt_date, old.currency, old.amount, old.method, old.bank_ref, old.memo)
        then raise exception 'receipts are immutable; only unidentified cash may be assigned to a customer'; end if;
        return new;
      end $$`);
    await knex.raw('create trigger receipts_guard before update or delete on receipts for each row execute function owed_receipt_guard()');
  } else {
    await knex.raw(`create trigger receipts_no_delete before delete on receipts
      begin select raise(abort, 'receipts are immutable; reverse them instead'); end`);
    await knex.raw(`create trigger receipts_assign_only before update on receipts
      when old.customer_id is not null or new.customer_id is null
        or new.number is not old.number or new.receipt_date is not old.receipt_date or new.currency is not old.currency
        or new.amount is not old.amount or new.method is not old.method or new.bank_ref is not old.bank_ref or new.memo is not old.memo
      begin select raise(abort, 'receipts are immutable; only unidentified cash may be assigned to a customer'); end`);
  }
}

export async function down(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  if (pg) {
    await knex.raw('drop trigger if exists receipts_guard on receipts');
    await knex.raw('drop function if exists owed_receipt_guard()');
    for (const table of ['receipt_reversals', 'write_offs']) await knex.raw(`drop trigger if exists ${table}_immutable on ${table}`);
  }
  await knex.raw('drop index if exists allocations_batch');
  await knex.raw('drop index if exists allocations_invoice_date_amount');
  // allocations is immutable by trigger; dropping a column rebuilds the table on SQLite, so drop the triggers around it.
  if (!pg) {
    await knex.raw('drop trigger if exists allocations_no_update');
    await knex.raw('drop trigger if exists allocations_no_delete');
  }
  await knex.schema.alterTable('allocations', (t) => t.dropColumn('rule'));
  if (!pg) {
    for (const event of ['update', 'delete']) {
      await knex.raw(`create trigger allocations_no_${event} before ${event} on allocations
        begin select raise(abort, 'issued documents are immutable (allocations); correct them with a new document'); end`);
    }
  }
  for (const table of ['reconcile_batches', 'write_offs', 'receipt_reversals', 'receipts']) await knex.schema.dropTableIfExists(table);
}
