import type { Knex } from 'knex';
import { formatMoney, isCurrency, money } from '../domain/money/index.js';
import { balanceDrift } from './migrations/0006_balances.js';
import { isPostgres, rawRows } from './repositories/raw.js';

/** One of the ledger's invariants, checked over the whole book. */
export interface IntegrityCheck {
  readonly check: string;
  /** What the check asserts, in a finance user's words. */
  readonly rule: string;
  /** Rows that break it; 0 when the book keeps it. */
  readonly problems: number;
  /** Up to five of them, for a person to look at (document numbers and dates). */
  readonly examples: readonly string[];
}

const EXAMPLES = 5;
const CHECK_CACHE_KB = 16 * 1024;

/** What each query returns per offending row; `n` is how many rows offend in all. */
interface Offence {
  readonly document: string | null;
  readonly other: string | null;
  readonly date: unknown;
  readonly currency: string | null;
  readonly applied: unknown;
  readonly amount: unknown;
  readonly n: unknown;
}

type Amount = (minor: unknown, currency: string | null) => string;

/**
 * Each invariant as one set-based query, so a book of millions of documents is checked in
 * seconds. `count(*) over ()` gives the number of offending rows beside the first few.
 */
const CHECKS: readonly { check: string; rule: string; sql: string; describe: (o: Offence, amount: Amount) => string }[] = [
  {
    check: 'invoices within their total',
    rule: 'on every date, what has been applied to an invoice lies between 0 and its total',
    sql: `
      with daily as (
        select invoice_id, date, sum(amount) as amount from allocations group by invoice_id, date
      ), running as (
        select invoice_id, date, sum(amount) over (partition by invoice_id order by date rows unbounded preceding) as applied from daily
      )
      select i.number as document, null as other, r.date, i.currency, r.applied, i.total as amount, count(*) over () as n
      from running r join invoices i on i.id = r.invoice_id
      where r.applied > i.total or r.applied < 0
      order by i.number, r.date`,
    describe: (o, amount) => `${o.document} on ${day(o.date)}: ${amount(o.applied, o.currency)} applied of ${amount(o.amount, o.currency)}`,
  },
  {
    check: 'receipts and credit notes within their amount',
    rule: 'on every date, what a receipt or credit note has paid lies between 0 and its amount',
    sql: `
      with daily as (
        select source_kind, source_id, date, sum(amount) as amount from allocations
        where source_kind in ('receipt', 'credit_note') group by source_kind, source_id, date
      ), running as (
        select source_kind, source_id, date,
               sum(amount) over (partition by source_kind, source_id order by date rows unbounded preceding) as applied
        from daily
      )
      select coalesce(r.number, c.number) as document, x.source_kind || ' ' || x.source_id as other, x.date,
             coalesce(r.currency, c.currency) as currency, x.applied, coalesce(r.amount, c.total) as amount, count(*) over () as n
      from running x
      left join receipts r on x.source_kind = 'receipt' and r.id = x.source_id
      left join invoices c on x.source_kind = 'credit_note' and c.id = x.source_id
      where coalesce(r.amount, c.total) is null or x.applied > coalesce(r.amount, c.total) or x.applied < 0
      order by 1, x.date`,
    describe: (o, amount) => (o.document === null
      ? `${o.other}: allocations name a document that does not exist`
      : `${o.document} on ${day(o.date)}: ${amount(o.applied, o.currency)} paid of ${amount(o.amount, o.currency)}`),
  },
  {
    check: 'reversed receipts released',
    rule: 'a reversed (bounced) receipt pays nothing once reversed',
    sql: `
      select r.number as document, null as other, v.reversal_date as date, r.currency, sum(a.amount) as applied, r.amount, count(*) over () as n
      from receipt_reversals v
      join receipts r on r.id = v.receipt_id
      join allocations a on a.source_kind = 'receipt' and a.source_id = r.id
      group by r.number, v.reversal_date, r.currency, r.amount
      having sum(a.amount) <> 0
      order by r.number`,
    describe: (o, amount) => `${o.document}, reversed on ${day(o.date)}, still pays ${amount(o.applied, o.currency)}`,
  },
  {
    check: 'write-offs applied whole',
    rule: 'each write-off reduces its invoice by exactly its amount',
    sql: `
      select w.number as document, i.number as other, w.write_off_date as date, i.currency, coalesce(sum(a.amount), 0) as applied, w.amount,
             count(*) over () as n
      from write_offs w
      join invoices i on i.id = w.invoice_id
      left join allocations a on a.source_kind = 'write_off' and a.source_id = w.id
      group by w.number, i.number, w.write_off_date, i.currency, w.amount
      having coalesce(sum(a.amount), 0) <> w.amount
      order by w.number`,
    describe: (o, amount) => `${o.document} (${o.other}): ${amount(o.amount, o.currency)} written off, ${amount(o.applied, o.currency)} applied`,
  },
  {
    check: 'allocations dated after their documents',
    rule: 'nothing is applied before the invoice, or before the receipt, credit note or write-off, exists',
    sql: `
      select i.number as document, coalesce(r.number, c.number, w.number, a.source_kind || ' ' || a.source_id) as other, a.date,
             i.currency, a.amount as applied, null as amount, count(*) over () as n
      from allocations a
      join invoices i on i.id = a.invoice_id
      left join receipts r on a.source_kind in ('receipt', 'adjustment') and r.id = a.source_id
      left join invoices c on a.source_kind = 'credit_note' and c.id = a.source_id
      left join write_offs w on a.source_kind = 'write_off' and w.id = a.source_id
      where a.date < i.issue_date
         or a.date < coalesce(r.receipt_date, c.issue_date, w.write_off_date)
         or coalesce(r.id, c.id, w.id) is null
      order by i.number, a.date`,
    describe: (o, amount) => `${amount(o.applied, o.currency)} from ${o.other} applied to ${o.document} on ${day(o.date)}, before one of them exists`,
  },
];

/** A business date as text, whichever way the driver returned it. */
function day(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}

function formatAmount(minor: unknown, currency: string | null): string {
  const n = Number(minor);
  if (currency === null || !isCurrency(currency) || !Number.isSafeInteger(n)) return `${String(minor)} (minor units)`;
  return `${formatMoney(money(n, currency))} ${currency}`;
}

/**
 * Checks the whole book against the ledger's invariants (docs/ARCHITECTURE.md): every write
 * path asserts its own, but a book can also be changed outside owed, restored from an old
 * backup, or hit a bug; this is the same assurance the property tests give, on the real data.
 */
export async function checkIntegrity(knex: Knex): Promise<IntegrityCheck[]> {
  // Every check reads whole tables once, in index order or through sorts that spill to temporary
  // files: a big page cache buys nothing here and cost 50 MB of peak memory at 1M invoices.
  if (!isPostgres(knex)) await knex.raw(`pragma cache_size = -${CHECK_CACHE_KB}`);
  const out: IntegrityCheck[] = [];
  for (const c of CHECKS) {
    const rows = await rawRows<Offence>(knex, `${c.sql} limit ${EXAMPLES}`);
    out.push({ check: c.check, rule: c.rule, problems: rows.length === 0 ? 0 : Number(rows[0]!.n), examples: rows.map((r) => c.describe(r, formatAmount)) });
  }
  const drift = await balanceDrift(knex);
  out.push({
    check: 'derived balances',
    rule: 'the running balances the reports read equal what the documents say',
    problems: drift.reduce((sum, d) => sum + d.rows, 0),
    examples: drift.map((d) => `${d.table}: ${d.rows.toLocaleString('en')} rows differ`),
  });
  return out;
}
