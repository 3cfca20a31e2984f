#!/usr/bin/env node
// The SQLite database's own floor for importing invoices: the bulk import's steps as plain SQL
// (docs/IMPORT.md, "The database's floor"), with the rows already parsed in memory and no owed code
// between them: triggers and secondary indexes dropped, one prepared single-row INSERT per row,
// the balances and day totals derived set-based, the indexes built again on sorter threads, COMMIT.
//
//   node scripts/import-floor.cjs BOOK.sqlite INVOICES.csv [wal|delete]
//
// BOOK holds the customers only (a copy: it is written); INVOICES is the benchmark's invoices
// file (src/fixtures/book-csv.ts: number,customer,issue_date,total,due_date,currency,net,tax,…).
// KEEP=1 keeps the indexes in place instead of dropping and building them again.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Database = require(path.join(__dirname, '..', 'node_modules', 'better-sqlite3'));

const [file, csv, journal = 'wal'] = process.argv.slice(2);
if (!file || !csv) throw new Error('usage: node scripts/import-floor.cjs BOOK.sqlite INVOICES.csv [wal|delete]');
const db = new Database(file);
// The book's own connection settings (src/storage/database.ts), but for the journal mode asked for.
db.pragma(`journal_mode = ${journal}`);
db.pragma('foreign_keys = ON');
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = -65536');

const customers = new Map(db.prepare('select code, id from customers').raw().all());
const minor = (text) => (text === '' ? null : Math.round(Number(text) * 100));
let id = db.prepare('select coalesce(max(id), 0) from invoices').pluck().get();
const rows = [];
for (const line of fs.readFileSync(csv, 'utf8').split('\n').slice(1)) {
  if (line === '') continue;
  const [number, customer, issue, total, due, currency, net, tax, , externalRef, kind] = line.split(',');
  rows.push([++id, number, kind, customers.get(customer), issue, due, currency, minor(net), minor(tax), minor(total), externalRef || null]);
}

const timed = (label, work) => {
  const start = process.hrtime.bigint();
  work();
  console.log(`${label.padEnd(20)} ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0).padStart(6)} ms`);
};
const started = process.hrtime.bigint();
db.exec('BEGIN IMMEDIATE');
const triggers = db.prepare("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'invoices'").all();
const indexes = process.env.KEEP ? [] : db.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null
  and sql not like 'create unique %' and tbl_name in ('invoices', 'invoice_balances')`).all();
for (const t of triggers) db.exec(`drop trigger "${t.name}"`);
for (const i of indexes) db.exec(`drop index "${i.name}"`);
const insert = db.prepare(`insert into invoices (id, number, kind, customer_id, issue_date, due_date, currency, net, tax, total,
  tax_inclusive, restocked, external_ref, created_at, created_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, '2026-11-27T00:00:00.000Z', 'floor')`);
timed('rows', () => { for (const row of rows) insert.run(row); });
timed('invoice balances', () => db.exec(`insert into invoice_balances (invoice_id, customer_id, currency, issue_date, due_date, total, applied, last_change, settled_from)
  select id, customer_id, currency, issue_date, due_date, total, 0, issue_date, '9999-12-31' from invoices not indexed where kind = 'invoice'`));
timed('credit balances', () => db.exec(`insert into source_balances (source_kind, source_id, customer_id, currency, doc_date, amount, applied, reversal_date, last_change, settled_from)
  select 'credit_note', id, customer_id, currency, issue_date, total, 0, null, issue_date, '9999-12-31' from invoices where kind = 'credit_note'`));
timed('day totals', () => db.exec(`insert into document_day_totals (currency, day, amount)
  select currency, issue_date, sum(case when kind = 'invoice' then total else -total end) from invoices group by currency, issue_date
  on conflict (currency, day) do update set amount = document_day_totals.amount + excluded.amount`));
db.pragma('cache_size = -4096');
db.pragma('threads = 2');
if (indexes.length > 0) timed('index builds', () => { for (const i of indexes) db.exec(i.sql); });
for (const t of triggers) db.exec(t.sql);
timed('commit', () => db.exec('COMMIT'));
timed('close', () => db.close());
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(`${'total'.padEnd(20)} ${ms.toFixed(0).padStart(6)} ms: ${rows.length} rows, ${Math.round(rows.length / (ms / 1000))} rows/s`);
