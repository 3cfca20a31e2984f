import type { Knex } from 'knex';
import type { ClosedBand, CollectionQueries, OpenAmount, SettledInvoice } from '../../domain/collections/records.js';
import { addDays } from '../../domain/dates.js';
import { SETTLED_NEVER } from '../migrations/0006_balances.js';
import { MIGRATIONS } from '../migrations/index.js';
import { openOn } from './aging.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';
import { streamRows } from './stream.js';

/** Part of a saved learning's key: a migration may change what the balances hold. */
const SCHEMA = MIGRATIONS[MIGRATIONS.length - 1]!.name;
/** PostgreSQL insufficient_privilege and read_only_sql_transaction; SQLite query_only or a read-only file. */
const READ_ONLY_CODES = new Set(['42501', '25006', 'SQLITE_READONLY']);

/**
 * The collections' reads, aggregated by the database. They read the trigger-kept balances of
 * migration 0006 (invoice_balances): an invoice whose balance is zero and whose latest change is
 * dated ≤ D was settled on that change and is still settled on D, so what closed in a window is a
 * range of settled_from (short of SETTLED_NEVER, the mark of an invoice not settled). The few
 * invoices changed after D (only in a report as of a past date) sum their allocations as of D
 * instead.
 */
export function collectionQueries(q: Knex): CollectionQueries {
  const pg = isPostgres(q);
  const date = (name: string) => (pg ? `cast(:${name} as date)` : `:${name}`);
  // Named bindings: the same date appears many times in these statements.
  async function rows(sql: string, bindings: Record<string, Knex.Value>): Promise<Record<string, unknown>[]> {
    const result: unknown = await q.raw(sql, bindings);
    if (Array.isArray(result)) return result as Record<string, unknown>[];
    return (result as { rows?: Record<string, unknown>[] }).rows ?? [];
  }
  const days = (from: string, to: string) => (pg ? `(${to} - ${from})` : `cast(julianday(${to}) - julianday(${from}) as integer)`);
  const list = (column: string) => (pg ? `string_agg(cast(${column} as text), ',')` : `group_concat(${column})`);
  /**
   * Invoices changed after D and not settled by it (few, except as of a past date), found per
   * customer in the covering index of migration 0008, which holds last_change: the open
   * invoices' rows are not read. `columns` must be in that index (PostgreSQL: index-only scan).
   */
  const changedAfter = (d: string, columns: string) => (pg
    ? { from: `customers c cross join lateral (select ${columns} from invoice_balances b
          where b.customer_id = c.id and b.settled_from > ${d} and b.last_change > ${d} offset 0) b`, where: 'true' }
    : { from: 'customers c cross join invoice_balances b', where: `b.customer_id = c.id and b.settled_from > ${d} and b.last_change > ${d}` });

  return {
    async paymentHistory(from, recentFrom, to, bounds) {
      // Σ over the invoices at or beyond each band (one comparison each), turned into per-band sums below.
      const beyond = (i: number) => (i === 0 ? '1 = 1' : `late > ${Math.trunc(bounds[i - 1]!)}`);
      const recent = `closed_on >= ${date('recent')}`;
      /**
       * Per customer: the delays of the recent ones and, per band, the count, totals and (with
       * write-offs) Σ written off. The rows come from a fenced subquery (LIMIT -1 / OFFSET 0):
       * flattened, each CASE would compute the days late again.
       */
      const sums = (writeOffs: boolean) => `${list(`case when ${recent}${writeOffs ? ' and wo <= 0' : ''} then late end`)} as delays, `
        + bounds.map((_, i) => `sum(case when ${beyond(i)} then 1 else 0 end) as n${i}, sum(case when ${beyond(i)} then total else 0 end) as t${i}, `
          + (writeOffs ? `sum(case when ${beyond(i)} then wo else 0 end)` : '0') + ` as w${i}`).join(', ');
      const grouped = (closed: string, writeOffs: boolean) => `select c.code, g.* from customers c join (
          select customer_id, ${sums(writeOffs)} from (${closed}) x group by customer_id) g on g.customer_id = c.id`;
      // Settled with nothing after `to`: closed on settled_from, read customer after customer from
      // the covering index of migration 0008. A zero invoice counts only once something was
      // allocated to it, as it would by its allocations.
      const settledOf = (customer: string) => `b.customer_id = ${customer} and b.settled_from >= ${date('from')} and b.settled_from <= ${date('to')}
          and b.settled_from < ${date('never')} and (b.total <> 0 or exists (select 1 from allocations a where a.invoice_id = b.invoice_id))`;
      const late = days('b.due_date', 'b.settled_from');
      // SQLite: CROSS JOIN keeps the customers outer, so the rows arrive grouped and nothing is
      // sorted. PostgreSQL: an aggregate per customer over an index-only scan (grouping the whole
      // range sorted it on disk).
      const settled = pg
        ? `select c.code, c.id as customer_id, g.* from customers c cross join lateral (
            select ${sums(false)} from (select b.settled_from as closed_on, ${late} as late, b.total from invoice_balances b
              where ${settledOf('c.id')} offset 0) x) g
          where g.n0 > 0`
        : grouped(`select c.id as customer_id, b.settled_from as closed_on, ${late} as late, b.total
            from customers c cross join invoice_balances b where ${settledOf('c.id')} order by c.id limit -1`, false);
      const writeOffs = `(select invoice_id, sum(amount) as wo from allocations where source_kind = 'write_off' and date <= ${date('to')} group by invoice_id)`;
      // Changed after `to` (only as of a past date): the allocations dated ≤ `to` decide.
      const changed = changedAfter(date('to'), 'b.invoice_id, b.customer_id, b.due_date, b.total');
      const changedRows = `select y.customer_id, y.closed_on, ${days('y.due_date', 'y.closed_on')} as late, y.total, coalesce(w.wo, 0) as wo
        from (select b.invoice_id, b.customer_id, b.due_date, b.total,
                     (select sum(a.amount) from allocations a where a.invoice_id = b.invoice_id and a.date <= ${date('to')}) as applied,
                     (select max(a.date) from allocations a where a.invoice_id = b.invoice_id and a.date <= ${date('to')}) as closed_on
              from ${changed.from} where ${changed.where} ${pg ? 'offset 0' : 'limit -1'}) y
        left join ${writeOffs} w on w.invoice_id = y.invoice_id
        where y.applied = y.total and y.closed_on >= ${date('from')} ${pg ? 'offset 0' : 'limit -1'}`;
      const bindings = { from, recent: recentFrom, to, never: SETTLED_NEVER };
      const perCustomer = await rows(`${settled} union all ${grouped(changedRows, true)}`, bindings);
      // The settled ones written off, few: taken out of the delays and the collected amounts here,
      // rather than joining every settled invoice to the write-offs.
      // PostgreSQL: each by its key (LATERAL), where it would hash-join the whole table.
      const writtenOff = await rows(`select c.code, b.settled_from as closed_on, ${days('b.due_date', 'b.settled_from')} as late, w.wo
        from ${writeOffs} w
        ${pg ? 'cross join lateral (select b.customer_id, b.settled_from, b.due_date from invoice_balances b where b.invoice_id = w.invoice_id offset 0) b'
    : 'join invoice_balances b on b.invoice_id = w.invoice_id'}
        join customers c on c.id = b.customer_id
        where b.settled_from >= ${date('from')} and b.settled_from <= ${date('to')} and b.settled_from < ${date('never')} and w.wo <> 0`, bindings);

      const delays = new Map<string, number[]>();
      // Cumulative first: at or beyond band i.
      const counts = bounds.map(() => ({ count: 0, total: 0, writtenOff: 0 }));
      for (const r of perCustomer) {
        const code = String(r.code);
        if (r.delays !== null && r.delays !== undefined && r.delays !== '') {
          const mine = delays.get(code) ?? [];
          pushIntegers(String(r.delays), mine);
          delays.set(code, mine);
        }
        counts.forEach((b, i) => {
          b.count += readInteger(r[`n${i}`]);
          b.total += readInteger(r[`t${i}`]);
          b.writtenOff += readInteger(r[`w${i}`]);
        });
      }
      for (const r of writtenOff) {
        const late = readInteger(r.late);
        const wo = readInteger(r.wo);
        bounds.forEach((_, i) => {
          if (i === 0 || late > bounds[i - 1]!) counts[i]!.writtenOff += wo;
        });
        if (wo > 0 && String(r.closed_on) >= recentFrom) {
          const mine = delays.get(String(r.code))!;
          mine.splice(mine.indexOf(late), 1);
          if (mine.length === 0) delays.delete(String(r.code));
        }
      }
      const bands: ClosedBand[] = counts.map((b, i) => {
        const next = counts[i + 1] ?? { count: 0, total: 0, writtenOff: 0 };
        const total = b.total - next.total;
        return { count: b.count - next.count, total, collected: total - (b.writtenOff - next.writtenOff) };
      });
      return { delays, bands };
    },

    async settledSince(since, asOf, customer) {
      const filter = customer === undefined ? '' : ' and b.customer_id = (select id from customers where code = :customer)';
      const appliedBy = (d: string, invoice: string) =>
        `coalesce((select sum(a.amount) from allocations a where a.invoice_id = ${invoice} and a.date <= ${date(d)}), 0)`;
      // Settled in (since, asOf] with nothing after asOf (the range of settled_from); or changed
      // after asOf and settled on it.
      const changed = changedAfter(date('asOf'), 'b.invoice_id, b.customer_id, b.total');
      const candidates = `select b.invoice_id from invoice_balances b
          where b.settled_from > ${date('since')} and b.settled_from <= ${date('asOf')} and b.settled_from < ${date('never')}${filter}
        union all
        select b.invoice_id from ${changed.from} where ${changed.where}${filter} and b.total = ${appliedBy('asOf', 'b.invoice_id')}`;
      // Of those, the ones issued by asOf and open as of `since` (or issued after it), with what
      // settled them; the few candidates are read first, then their invoices (CROSS JOIN keeps
      // that order on SQLite).
      const sql = `select i.number, c.code as customer, c.name, i.currency, i.due_date,
               sum(case when a.source_kind = 'receipt' then a.amount else 0 end) as paid,
               sum(case when a.source_kind = 'credit_note' then a.amount else 0 end) as credited,
               sum(case when a.source_kind = 'write_off' then a.amount else 0 end) as written_off
        from (${candidates} ${pg ? 'offset 0' : 'limit -1'}) s
        cross join invoices i
        join customers c on c.id = i.customer_id
        left join allocations a on a.invoice_id = i.id and a.date <= ${date('asOf')}
        where i.id = s.invoice_id and i.issue_date <= ${date('asOf')}
          and (i.issue_date > ${date('since')} or i.total <> ${appliedBy('since', 'i.id')})
        group by i.number, c.code, c.name, i.currency, i.due_date`;
      const result = await rows(sql, { since, asOf, never: SETTLED_NEVER, ...(customer !== undefined ? { customer } : {}) });
      return result.map((r): SettledInvoice => ({
        invoice: String(r.number),
        customer: String(r.customer),
        name: String(r.name),
        currency: String(r.currency),
        dueDate: String(r.due_date),
        paid: readInteger(r.paid),
        credited: readInteger(r.credited),
        writtenOff: readInteger(r.written_off),
      }));
    },

    async *openAmounts(asOf) {
      // The open invoices as the aging reads them (not settled by asOf, a day of settlement at a
      // time; the balance row, or the allocations dated ≤ asOf for one changed since), with no
      // lookup of the invoice itself: at 90,000 open invoices those lookups were most of the time.
      // Customer ids, turned into codes here: at 90,000 open invoices a join gave each row its
      // own copy of the code, and each a lookup. Streamed as arrays: knex's row objects, all
      // alive until the last, made young-generation collections copy them over and over (1M
      // invoices, 88,725 open: 130 ms of scavenges in a 0.5 s forecast).
      const codes = new Map((await rows('select id, code from customers', {})).map((r) => [readInteger(r.id), String(r.code)]));
      const d = pg ? 'cast(? as date)' : '?';
      const bindings: Knex.RawBinding[] = [asOf, asOf];
      const from = openOn(q, 'invoice_balances', 'b', 'b.invoice_id, b.customer_id, b.currency, b.due_date, b.last_change, b.total, b.applied',
        'issue_date', asOf, undefined, bindings);
      yield* streamRows(q, `select o.customer_id, o.currency, o.due_date, o.open
        from (select b.customer_id, b.currency, b.due_date,
                     case when b.last_change <= ${d} then b.total - b.applied
                          else b.total - cast(coalesce((select sum(a.amount) from allocations a where a.invoice_id = b.invoice_id and a.date <= ${d}), 0) as bigint)
                     end as open
              from ${from} ${pg ? 'offset 0' : 'limit -1'}) o
        where o.open <> 0`, bindings, ([customerId, currency, dueDate, open]): OpenAmount =>
        ({ customer: codes.get(readInteger(customerId))!, currency: String(currency), dueDate: String(dueDate), open: readInteger(open) }));
    },

    async orderLags(from, to) {
      // From the orders (CROSS JOIN: SQLite keeps them outer), through the partial index on
      // invoices.order_id of migration 0008: a book without orders reads nothing, where the kind
      // index led SQLite through every invoice.
      const result = await rows(`select ${days('o.order_date', 'i.issue_date')} as days
        from orders o cross join invoices i
        where i.order_id = o.id and i.order_id is not null and i.kind = 'invoice' and i.issue_date between ${date('from')} and ${date('to')}`, { from, to });
      return result.map((r) => readInteger(r.days));
    },

    async salesActivity(asOf) {
      // One pass over the year for both windows; the 90-day sums count only rows inside it. The
      // range is read from the covering index of migration 0008 in its order, summed per day
      // without a sort, and only the day sums are grouped by currency.
      const bindings = { d90: addDays(asOf, -89), d365: addDays(asOf, -364), asOf };
      const sales = await rows(`select currency, sum(n90) as n90, sum(s90) as s90, sum(s365) as s365
        from (select currency,
                     sum(case when issue_date >= ${date('d90')} then 1 else 0 end) as n90,
                     sum(case when issue_date >= ${date('d90')} then (case when kind = 'invoice' then total else -total end) else 0 end) as s90,
                     sum(case when kind = 'invoice' then total else -total end) as s365
              from invoices where issue_date between ${date('d365')} and ${date('asOf')}
              group by issue_date, currency) d
        group by currency`, bindings);
      const writeOffs = await rows(`select i.currency, sum(w.amount) as amount
        from write_offs w join invoices i on i.id = w.invoice_id
        where w.write_off_date between ${date('d365')} and ${date('asOf')} group by i.currency`, bindings);
      return {
        sales90: new Map(sales.filter((r) => readInteger(r.n90) > 0).map((r) => [String(r.currency), readInteger(r.s90)])),
        sales365: new Map(sales.map((r) => [String(r.currency), readInteger(r.s365)])),
        writeOffs365: new Map(writeOffs.map((r) => [String(r.currency), readInteger(r.amount)])),
      };
    },

    async sentLevels(since, customer) {
      // A reminder's customer is its invoice's: filter on the balance row, found by customer.
      const filter = customer === undefined ? '' : ' and b.customer_id = (select id from customers where code = :customer)';
      // From the invoices not settled by `since`, to their reminders, and only then to their
      // numbers (CROSS JOIN keeps that order on SQLite): the whole history is never read.
      const result = await rows(`select i.number, m.level
        from invoice_balances b cross join reminders m cross join invoices i
        where b.settled_from > ${date('since')} and m.invoice_id = b.invoice_id and i.id = m.invoice_id${filter}`, { since, ...(customer !== undefined ? { customer } : {}) });
      const sent = new Map<string, Set<string>>();
      for (const r of result) {
        const number = String(r.number);
        const levels = sent.get(number) ?? new Set<string>();
        levels.add(String(r.level));
        sent.set(number, levels);
      }
      return sent;
    },

    async allocationsThrough() {
      const row = (await q('allocations').max('id as id').first()) as { id: unknown } | undefined;
      return row?.id === null || row?.id === undefined ? 0 : readInteger(row.id);
    },

    async savedLearning(asOf, method, through) {
      const row = (await q('forecast_learning').where({ as_of: asOf }).first('allocations_through', 'method', 'learned')) as
        { allocations_through: unknown; method: string; learned: string } | undefined;
      if (row === undefined || row.method !== `${method}/${SCHEMA}` || readInteger(row.allocations_through) !== through) return undefined;
      return row.learned;
    },

    async saveLearning(asOf, method, through, learned) {
      const save = async (t: Knex) => {
        await t('forecast_learning').whereNot({ as_of: asOf }).delete();
        await t('forecast_learning').insert({ as_of: asOf, allocations_through: through, method: `${method}/${SCHEMA}`, learned })
          .onConflict('as_of').merge();
      };
      // A transaction that may only read gets its forecast, without the saving. PostgreSQL in a
      // savepoint (a failed statement aborts the transaction); SQLite undoes the statement alone.
      try {
        await (pg ? q.transaction(save) : save(q));
      } catch (error) {
        if (!READ_ONLY_CODES.has(String((error as { code?: unknown }).code))) throw error;
      }
    },

    async customersRemindedAt(levels) {
      if (levels.length === 0) return new Set();
      const rows: { code: string }[] = await q('customers as c')
        .select('c.code')
        .whereExists(q('reminders as m').select(q.raw('1')).whereRaw('m.customer_id = c.id').whereIn('m.level', [...levels]));
      return new Set(rows.map((r) => r.code));
    },
  };
}

/**
 * The integers of a comma-separated list (group_concat / string_agg) appended to `into`, read
 * digit by digit: a forecast at 1M invoices reads 320k delays, and a substring and a regular
 * expression each (split, readInteger) were a fifth of its time in JavaScript, most of it garbage
 * collection.
 */
export function pushIntegers(list: string, into: number[]): void {
  let value = 0;
  let negative = false;
  let digits = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = i < list.length ? list.charCodeAt(i) : 44;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits += 1;
    } else if (c === 45 && digits === 0 && !negative) {
      negative = true;
    } else if (c === 44 && digits > 0 && digits <= 15) {
      into.push(negative ? -value : value);
      value = 0;
      negative = false;
      digits = 0;
    } else {
      throw new Error(`expected a list of integers from the database, got ${JSON.stringify(list.slice(0, 80))}`);
    }
  }
}
