import type { Knex } from 'knex';

/**
 * Running balances per document, kept by triggers, so that a report as of D reads only the
 * documents that could still be open on D instead of every document in the book.
 *
 * invoice_balances: one row per invoice. source_balances: one row per receipt and per credit note
 * (the sources of allocations). Each holds the document's amount, everything ever applied to or
 * from it, the date of its latest change (allocation or reversal; at least the document's date),
 * and `settled_from`: the date of that latest change when the balance is zero, else SETTLED_NEVER.
 * Documents are immutable and every change is a new dated row, so a document whose balance is zero
 * and whose latest change is dated ≤ D was settled on D: a report as of D skips every row with
 * settled_from ≤ D through the index on settled_from. For the rest, a row whose latest change is
 * dated ≤ D gives its balance as of D directly; only the few with later changes sum their
 * allocations as of D.
 *
 * document_day_totals: per currency and day, the sum of every document that moves a customer's
 * balance (invoices +, credit notes −, identified receipts −, their reversals +, write-offs −,
 * tolerance adjustments −): the aging's self-check for the whole book reads a few thousand rows
 * instead of every document. It is kept apart from the balances above — from the documents'
 * amounts, not from allocations — so a wrong balance still shows as a failed self-check.
 *
 * The tables are derived: they are written only by the triggers here and by rebuildBalances (the
 * backfill, also used by the bulk loader), never by the application. Allocations of kind
 * 'adjustment' reduce the invoice but not the receipt they name; write-offs reduce the invoice.
 */
export const SETTLED_NEVER = '9999-12-31';

function isPostgres(knex: Knex): boolean {
  return knex.client.config.client === 'pg';
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invoice_balances', (t) => {
    t.integer('invoice_id').primary().references('id').inTable('invoices');
    t.integer('customer_id').notNullable();
    t.string('currency', 3).notNullable();
    t.date('issue_date').notNullable();
    t.date('due_date').notNullable();
    t.bigInteger('total').notNullable();
    t.bigInteger('applied').notNullable();
    t.date('last_change').notNullable();
    t.date('settled_from').notNullable();
  });
  await knex.schema.createTable('source_balances', (t) => {
    t.string('source_kind', 16).notNullable();
    t.integer('source_id').notNullable();
    t.integer('customer_id');
    t.string('currency', 3).notNullable();
    t.date('doc_date').notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('applied').notNullable();
    t.date('reversal_date');
    t.date('last_change').notNullable();
    t.date('settled_from').notNullable();
    t.primary(['source_kind', 'source_id']);
  });
  await knex.schema.createTable('document_day_totals', (t) => {
    t.string('currency', 3).notNullable();
    t.date('day').notNullable();
    t.bigInteger('amount').notNullable();
    t.primary(['currency', 'day']);
  });
  await rebuildBalances(knex);
  await knex.raw('create index invoice_balances_settled on invoice_balances (settled_from, issue_date)');
  await knex.raw('create index invoice_balances_customer on invoice_balances (customer_id, settled_from)');
  await knex.raw('create index source_balances_settled on source_balances (settled_from, doc_date)');
  await knex.raw('create index source_balances_customer on source_balances (customer_id, settled_from)');
  for (const sql of balanceTriggers(knex)) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  for (const sql of dropBalanceTriggers(knex)) await knex.raw(sql);
  await knex.schema.dropTableIfExists('document_day_totals');
  await knex.schema.dropTableIfExists('source_balances');
  await knex.schema.dropTableIfExists('invoice_balances');
}

interface DerivedTable {
  readonly table: string;
  readonly columns: readonly string[];
  /** The table's whole content, computed from the documents. */
  readonly select: string;
}

/**
 * Documents of one table with an id above `after`: what a large import wrote while their derived
 * rows were deferred (src/storage/bulk/deferred-derivations.ts).
 */
export interface NewDocuments {
  readonly table: 'invoices' | 'receipts';
  readonly after: number;
}

/**
 * What each derived table must hold, as one SELECT over the documents per table (or part). With
 * `only`: the balance rows of those documents (with whatever was applied to them meanwhile) and
 * the day movements of their own insert triggers — receipts' with their reversals.
 */
function derivedTables(knex: Knex, only?: NewDocuments): DerivedTable[] {
  const pg = isPostgres(knex);
  // SQLite: read these documents in rowid order, as the joins on their ids want. Left to itself it
  // reads invoices through the (kind, due_date) index, a random row per invoice, and receipts
  // through the statement's covering index, in customer order, each join then a random seek
  // (1M invoices, db check: invoice balances 3.4 -> 2.7 s, receipt balances 5.6 -> 3.4 s).
  const inRowidOrder = pg ? '' : ' not indexed';
  const later = (a: string, b: string) => (pg ? `greatest(${a}, ${b})` : `max(${a}, ${b})`);
  const never = pg ? `date '${SETTLED_NEVER}'` : `'${SETTLED_NEVER}'`;
  if (only && !Number.isSafeInteger(only.after)) throw new Error(`derived rows after id ${only.after}: not an id`);
  const invoices = !only || only.table === 'invoices';
  const receipts = !only || only.table === 'receipts';
  /** `and`-clause keeping the new documents, by their id column. */
  const newer = (column: string) => (only ? ` and ${column} > ${only.after}` : '');
  const invoiceLast = later('i.issue_date', 'coalesce(a.last_date, i.issue_date)');
  const sourceApplied = (kind: string) =>
    `(select source_id, sum(amount) as applied, max(date) as last_date from allocations where source_kind = '${kind}'${newer('source_id')} group by source_id)`;
  const receiptLast = later(later('r.receipt_date', 'coalesce(a.last_date, r.receipt_date)'), 'coalesce(v.reversal_date, r.receipt_date)');
  const receiptLeft = `r.amount - coalesce(a.applied, 0) - case when v.reversal_date is null then 0 else r.amount end`;
  const creditLast = later('i.issue_date', 'coalesce(a.last_date, i.issue_date)');
  const sourceColumns = ['source_kind', 'source_id', 'customer_id', 'currency', 'doc_date', 'amount', 'applied', 'reversal_date', 'last_change', 'settled_from'];
  const receiptSources = `select 'receipt', r.id, r.customer_id, r.currency, r.receipt_date, r.amount, coalesce(a.applied, 0), v.reversal_date, ${receiptLast},
                 case when ${receiptLeft} = 0 then ${receiptLast} else ${never} end
               from receipts r${inRowidOrder}
               left join receipt_reversals v on v.receipt_id = r.id
               left join ${sourceApplied('receipt')} a on a.source_id = r.id
               where true${newer('r.id')}`;
  const creditSources = `select 'credit_note', i.id, i.customer_id, i.currency, i.issue_date, i.total, coalesce(a.applied, 0), null, ${creditLast},
                 case when i.total - coalesce(a.applied, 0) = 0 then ${creditLast} else ${never} end
               from invoices i
               left join ${sourceApplied('credit_note')} a on a.source_id = i.id
               where i.kind = 'credit_note'${newer('i.id')}`;
  // Write-offs and adjustments move the day totals through their own triggers, which stay on
  // while a table's are deferred: only the whole book's rebuild counts them here.
  const movements = [
    ...(invoices ? [
      `select i.currency, i.issue_date as day, case when i.kind = 'invoice' then i.total else -i.total end as amount from invoices i where true${newer('i.id')}`,
    ] : []),
    ...(only ? [] : [
      `select i.currency, w.write_off_date as day, -w.amount as amount from write_offs w join invoices i on i.id = w.invoice_id`,
      `select i.currency, a.date as day, -a.amount as amount from allocations a join invoices i on i.id = a.invoice_id where a.source_kind = 'adjustment'`,
    ]),
    ...(receipts ? [
      `select r.currency, r.receipt_date as day, -r.amount as amount from receipts r where r.customer_id is not null${newer('r.id')}`,
      `select r.currency, v.reversal_date as day, r.amount as amount from receipt_reversals v join receipts r on r.id = v.receipt_id where r.customer_id is not null${newer('r.id')}`,
    ] : []),
  ];
  return [
    ...(invoices ? [{
      table: 'invoice_balances',
      columns: ['invoice_id', 'customer_id', 'currency', 'issue_date', 'due_date', 'total', 'applied', 'last_change', 'settled_from'],
      select: `select i.id, i.customer_id, i.currency, i.issue_date, i.due_date, i.total, coalesce(a.applied, 0), ${invoiceLast},
                 case when i.total - coalesce(a.applied, 0) = 0 then ${invoiceLast} else ${never} end
               from invoices i${inRowidOrder}
               left join (select invoice_id, sum(amount) as applied, max(date) as last_date from allocations where true${newer('invoice_id')} group by invoice_id) a on a.invoice_id = i.id
               where i.kind = 'invoice'${newer('i.id')}`,
    }] : []),
    {
      table: 'source_balances',
      columns: sourceColumns,
      select: [...(receipts ? [receiptSources] : []), ...(invoices ? [creditSources] : [])].join('\n               union all\n               '),
    },
    {
      table: 'document_day_totals',
      columns: ['currency', 'day', 'amount'],
      select: `select currency, day, sum(amount) as amount from (${movements.join('\n  union all ')}) d where true group by currency, day`,
    },
  ];
}

/** Fills the derived tables from the documents, set-based. They must be empty. */
export async function rebuildBalances(knex: Knex): Promise<void> {
  for (const d of derivedTables(knex)) await knex.raw(`insert into ${d.table} (${d.columns.join(', ')}) ${d.select}`);
}

/**
 * Adds the derived rows of documents written while their triggers were off: balances for each
 * new document, their movements onto the day totals. Their balance rows must not exist yet.
 */
export async function deriveNewDocuments(knex: Knex, documents: NewDocuments): Promise<void> {
  for (const d of derivedTables(knex, documents)) {
    const addTo = d.table === 'document_day_totals' ? ` ${ADD_TO_DAY}` : '';
    await knex.raw(`insert into ${d.table} (${d.columns.join(', ')}) ${d.select}${addTo}`);
  }
}

/**
 * Rows in which a derived table differs from what the documents say: none, unless a trigger is
 * wrong. A day whose movements sum to zero may or may not have a row; such rows are left out.
 */
export async function balanceDrift(knex: Knex): Promise<{ table: string; rows: number }[]> {
  const drift: { table: string; rows: number }[] = [];
  for (const d of derivedTables(knex)) {
    const columns = d.columns.join(', ');
    const nonZero = d.table === 'document_day_totals' ? ' where amount <> 0' : '';
    // The symmetric difference in one pass: each row counted +1 where stored and -1 where
    // computed; a row whose count is not 0 is on one side only (or more often on one). Two EXCEPTs
    // computed the documents' side twice and sorted it twice (1M invoices: 18.8 -> 7.4 s).
    const sql = `select count(*) as n from (
        select ${columns} from (
          select *, 1 as side from (select ${columns} from ${d.table}${nonZero}) stored
          union all
          select *, -1 from (select * from (${d.select}) c) computed${nonZero}) both_sides
        group by ${columns} having sum(side) <> 0) d`;
    const result = (await knex.raw(sql)) as unknown;
    const row = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows)[0] as { n: unknown };
    if (Number(row.n) !== 0) drift.push({ table: d.table, rows: Number(row.n) });
  }
  return drift;
}

const ADD_TO_DAY = 'on conflict (currency, day) do update set amount = document_day_totals.amount + excluded.amount';

const SQLITE_TRIGGERS = [
  'invoices_balance', 'credit_notes_balance', 'receipts_balance', 'receipts_balance_assign', 'receipt_reversals_balance', 'allocations_balance',
  'write_offs_balance',
];
const PG_TRIGGERS: readonly [string, string, string][] = [
  ['invoices_balance', 'invoices', 'owed_invoices_balance'],
  ['receipts_balance', 'receipts', 'owed_receipts_balance'],
  ['receipts_balance_assign', 'receipts', 'owed_receipts_balance_assign'],
  ['receipt_reversals_balance', 'receipt_reversals', 'owed_receipt_reversals_balance'],
  ['allocations_balance', 'allocations', 'owed_allocations_balance'],
  ['write_offs_balance', 'write_offs', 'owed_write_offs_balance'],
];

/**
 * The statements that create the triggers. SQLite: row triggers. PostgreSQL: statement triggers
 * over transition tables, so a multi-row INSERT (import, bulk reconcile) updates each balance
 * once, set-based.
 */
export function balanceTriggers(knex: Knex): string[] {
  const never = `'${SETTLED_NEVER}'`;
  if (!isPostgres(knex)) {
    const day = (currency: string, date: string, amount: string) =>
      `insert into document_day_totals (currency, day, amount) values (${currency}, ${date}, ${amount}) ${ADD_TO_DAY}`;
    // Always with a WHERE: without one SQLite would read ON CONFLICT as part of the SELECT's join.
    const daySelect = (currency: string, date: string, amount: string, when: string, from?: string) =>
      `insert into document_day_totals (currency, day, amount) select ${currency}, ${date}, ${amount}`
      + ` ${from ? `from ${from} and` : 'where'} ${when} ${ADD_TO_DAY}`;
    const sourceSettled = (applied: string, reversal: string, last: string) =>
      `case when amount - (${applied}) - case when ${reversal} is null then 0 else amount end = 0 then ${last} else ${never} end`;
    return [
      `create trigger invoices_balance after insert on invoices when new.kind = 'invoice' begin
        insert into invoice_balances (invoice_id, customer_id, currency, issue_date, due_date, total, applied, last_change, settled_from)
        values (new.id, new.customer_id, new.currency, new.issue_date, new.due_date, new.total, 0, new.issue_date,
                case when new.total = 0 then new.issue_date else ${never} end);
        ${day('new.currency', 'new.issue_date', 'new.total')};
      end`,
      `create trigger credit_notes_balance after insert on invoices when new.kind = 'credit_note' begin
        insert into source_balances (source_kind, source_id, customer_id, currency, doc_date, amount, applied, reversal_date, last_change, settled_from)
        values ('credit_note', new.id, new.customer_id, new.currency, new.issue_date, new.total, 0, null, new.issue_date,
                case when new.total = 0 then new.issue_date else ${never} end);
        ${day('new.currency', 'new.issue_date', '-new.total')};
      end`,
      `create trigger receipts_balance after insert on receipts begin
        insert into source_balances (source_kind, source_id, customer_id, currency, doc_date, amount, applied, reversal_date, last_change, settled_from)
        values ('receipt', new.id, new.customer_id, new.currency, new.receipt_date, new.amount, 0, null, new.receipt_date,
                case when new.amount = 0 then new.receipt_date else ${never} end);
        ${daySelect('new.currency', 'new.receipt_date', '-new.amount', 'new.customer_id is not null')};
      end`,
      // Cash counts in the customers' documents from the moment it is attached to one (and leaves
      // them if it were ever detached), with its reversal, if it has one.
      `create trigger receipts_balance_assign after update of customer_id on receipts begin
        update source_balances set customer_id = new.customer_id where source_kind = 'receipt' and source_id = new.id;
        ${daySelect('new.currency', 'new.receipt_date', 'case when old.customer_id is null then -new.amount else new.amount end',
          '(old.customer_id is null) <> (new.customer_id is null)')};
        ${daySelect('new.currency', 'v.reversal_date', 'case when old.customer_id is null then new.amount else -new.amount end',
          '(old.customer_id is null) <> (new.customer_id is null)', 'receipt_reversals v where v.receipt_id = new.id')};
      end`,
      `create trigger receipt_reversals_balance after insert on receipt_reversals begin
        update source_balances
           set reversal_date = new.reversal_date,
               last_change = max(last_change, new.reversal_date),
               settled_from = ${sourceSettled('applied', 'new.reversal_date', 'max(last_change, new.reversal_date)')}
         where source_kind = 'receipt' and source_id = new.receipt_id;
        ${daySelect('r.currency', 'new.reversal_date', 'r.amount', 'r.customer_id is not null', 'receipts r where r.id = new.receipt_id')};
      end`,
      `create trigger allocations_balance after insert on allocations begin
        update invoice_balances
           set applied = applied + new.amount,
               last_change = max(last_change, new.date),
               settled_from = case when total - (applied + new.amount) = 0 then max(last_change, new.date) else ${never} end
         where invoice_id = new.invoice_id;
        update source_balances
           set applied = applied + new.amount,
               last_change = max(last_change, new.date),
               settled_from = ${sourceSettled('applied + new.amount', 'reversal_date', 'max(last_change, new.date)')}
         where source_kind = new.source_kind and source_id = new.source_id and new.source_kind in ('receipt', 'credit_note');
        ${daySelect('i.currency', 'new.date', '-new.amount', "new.source_kind = 'adjustment'", 'invoices i where i.id = new.invoice_id')};
      end`,
      `create trigger write_offs_balance after insert on write_offs begin
        ${daySelect('i.currency', 'new.write_off_date', '-new.amount', 'true', 'invoices i where i.id = new.invoice_id')};
      end`,
    ];
  }
  const neverDate = `date ${never}`;
  const sourceSettled = (applied: string, reversal: string, last: string) =>
    `case when s.amount - (${applied}) - case when ${reversal} is null then 0 else s.amount end = 0 then ${last} else ${neverDate} end`;
  // Grouped, so that one statement touches each (currency, day) once, in a fixed order.
  const days = (select: string) =>
    `insert into document_day_totals (currency, day, amount) select currency, day, sum(amount) from (${select}) d
     group by currency, day order by currency, day ${ADD_TO_DAY};`;
  const fn = (name: string, body: string) =>
    `create or replace function ${name}() returns trigger language plpgsql as $$ begin ${body} return null; end $$`;
  return [
    fn('owed_invoices_balance', `
      insert into invoice_balances (invoice_id, customer_id, currency, issue_date, due_date, total, applied, last_change, settled_from)
      select n.id, n.customer_id, n.currency, n.issue_date, n.due_date, n.total, 0, n.issue_date,
             case when n.total = 0 then n.issue_date else ${neverDate} end
      from inserted n where n.kind = 'invoice';
      insert into source_balances (source_kind, source_id, customer_id, currency, doc_date, amount, applied, reversal_date, last_change, settled_from)
      select 'credit_note', n.id, n.customer_id, n.currency, n.issue_date, n.total, 0, null, n.issue_date,
             case when n.total = 0 then n.issue_date else ${neverDate} end
      from inserted n where n.kind = 'credit_note';
      ${days("select n.currency, n.issue_date as day, case when n.kind = 'invoice' then n.total else -n.total end as amount from inserted n")}`),
    'create trigger invoices_balance after insert on invoices referencing new table as inserted for each statement execute function owed_invoices_balance()',
    fn('owed_receipts_balance', `
      insert into source_balances (source_kind, source_id, customer_id, currency, doc_date, amount, applied, reversal_date, last_change, settled_from)
      select 'receipt', n.id, n.customer_id, n.currency, n.receipt_date, n.amount, 0, null, n.receipt_date,
             case when n.amount = 0 then n.receipt_date else ${neverDate} end
      from inserted n;
      ${days('select n.currency, n.receipt_date as day, -n.amount as amount from inserted n where n.customer_id is not null')}`),
    'create trigger receipts_balance after insert on receipts referencing new table as inserted for each statement execute function owed_receipts_balance()',
    fn('owed_receipts_balance_assign', `
      update source_balances s set customer_id = n.customer_id
      from updated n where s.source_kind = 'receipt' and s.source_id = n.id;
      ${days(`select n.currency, n.receipt_date as day, case when o.customer_id is null then -n.amount else n.amount end as amount
              from updated n join before_update o on o.id = n.id where (o.customer_id is null) <> (n.customer_id is null)
              union all
              select n.currency, v.reversal_date, case when o.customer_id is null then n.amount else -n.amount end
              from updated n join before_update o on o.id = n.id join receipt_reversals v on v.receipt_id = n.id
              where (o.customer_id is null) <> (n.customer_id is null)`)}`),
    'create trigger receipts_balance_assign after update on receipts referencing old table as before_update new table as updated for each statement execute function owed_receipts_balance_assign()',
    fn('owed_receipt_reversals_balance', `
      update source_balances s
         set reversal_date = n.reversal_date,
             last_change = greatest(s.last_change, n.reversal_date),
             settled_from = ${sourceSettled('s.applied', 'n.reversal_date', 'greatest(s.last_change, n.reversal_date)')}
      from inserted n where s.source_kind = 'receipt' and s.source_id = n.receipt_id;
      ${days('select r.currency, n.reversal_date as day, r.amount from inserted n join receipts r on r.id = n.receipt_id where r.customer_id is not null')}`),
    'create trigger receipt_reversals_balance after insert on receipt_reversals referencing new table as inserted for each statement execute function owed_receipt_reversals_balance()',
    fn('owed_allocations_balance', `
      update invoice_balances b
         set applied = b.applied + n.amount,
             last_change = greatest(b.last_change, n.last_date),
             settled_from = case when b.total - (b.applied + n.amount) = 0 then greatest(b.last_change, n.last_date) else ${neverDate} end
      from (select invoice_id, sum(amount) as amount, max(date) as last_date from inserted group by invoice_id) n
      where b.invoice_id = n.invoice_id;
      update source_balances s
         set applied = s.applied + n.amount,
             last_change = greatest(s.last_change, n.last_date),
             settled_from = ${sourceSettled('s.applied + n.amount', 's.reversal_date', 'greatest(s.last_change, n.last_date)')}
      from (select source_kind, source_id, sum(amount) as amount, max(date) as last_date from inserted
            where source_kind in ('receipt', 'credit_note') group by source_kind, source_id) n
      where s.source_kind = n.source_kind and s.source_id = n.source_id;
      ${days("select i.currency, n.date as day, -n.amount as amount from inserted n join invoices i on i.id = n.invoice_id where n.source_kind = 'adjustment'")}`),
    'create trigger allocations_balance after insert on allocations referencing new table as inserted for each statement execute function owed_allocations_balance()',
    fn('owed_write_offs_balance', days('select i.currency, n.write_off_date as day, -n.amount as amount from inserted n join invoices i on i.id = n.invoice_id')),
    'create trigger write_offs_balance after insert on write_offs referencing new table as inserted for each statement execute function owed_write_offs_balance()',
  ];
}

export function dropBalanceTriggers(knex: Knex): string[] {
  if (!isPostgres(knex)) return SQLITE_TRIGGERS.map((name) => `drop trigger if exists ${name}`);
  return [
    ...PG_TRIGGERS.map(([trigger, table]) => `drop trigger if exists ${trigger} on ${table}`),
    ...PG_TRIGGERS.map(([, , fn]) => `drop function if exists ${fn}()`),
  ];
}
