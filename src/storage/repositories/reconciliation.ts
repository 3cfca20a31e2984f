import type { Knex } from 'knex';
import type { AuditEntry, NamedDocument, ReceiptAssignment, ReconciliationRepository, UnidentifiedCash } from '../../domain/store.js';
import type { CandidateChunk, CashCandidate, History, InvoiceCandidate, PlannedAllocation } from '../../domain/receivables/reconcile-plan.js';
import type { WriteContext } from './administration.js';
import { SETTLED_NEVER } from '../migrations/0006_balances.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';

/**
 * What `reconcile auto` reads and writes, in bulk (docs/PERFORMANCE.md, "Reconcile auto").
 *
 * Reads go chunk by chunk of customers, so memory holds one chunk's candidates, not the book: a
 * chunk is a range of customer ids holding about CHUNK_RECEIPTS unsettled receipts, read with one
 * statement for its cash and one for its open invoices, from the balances the triggers of
 * migration 0006 keep (what is applied per document; only documents not yet settled), and, only
 * when some of them had an allocation undone, one each for those documents' allocation histories.
 * Writes are multi-row INSERTs through the driver, prepared once.
 */
const CHUNK_RECEIPTS = 40_000;
/** Keys per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const KEYS_PER_STATEMENT = 5000;
const ALLOCATION_COLUMNS = ['invoice_id', 'source_kind', 'source_id', 'amount', 'date', 'batch', 'note', 'rule', 'created_at', 'created_by'] as const;
const SQLITE_ROWS_PER_INSERT = 100;
/**
 * SQLite: a batch at least this large, and at least half as large as the allocations already
 * there, is written with the table's secondary indexes dropped and built again afterwards (from
 * sorted keys) instead of growing entry by entry at random places.
 */
const SQLITE_REBUILD_MIN_ROWS = 20_000;
/** Migration 0006's SQLite row trigger that keeps the balances, one allocation at a time. */
const BALANCE_TRIGGER = 'allocations_balance';
const PG_ROWS_PER_INSERT = 1000;
const ADJUSTMENT_NOTE = 'discount / bank fee within tolerance';

interface SqliteConnection {
  prepare(sql: string): { run(...values: unknown[]): unknown; raw(on: boolean): { all(...values: unknown[]): unknown[][] } };
}

interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[]; rowMode?: 'array' }): Promise<{ rows: unknown[][] }>;
}

interface DriverClient<C> {
  acquireConnection(): Promise<C>;
  releaseConnection(connection: C): Promise<void>;
}

/** INSERT INTO allocations of `count` rows, each parameter written by `parameter`. */
function insertText(count: number, parameter: () => string): string {
  const tuples: string[] = [];
  for (let r = 0; r < count; r++) tuples.push(`(${ALLOCATION_COLUMNS.map(parameter).join(', ')})`);
  return `insert into allocations (${ALLOCATION_COLUMNS.join(', ')}) values ${tuples.join(', ')}`;
}

/** The rows as flat parameter lists of `per` rows each, the last one shorter. */
function* batches(rows: Iterable<readonly unknown[]>, per: number): Generator<{ values: unknown[]; count: number }> {
  let values: unknown[] = [];
  let count = 0;
  for (const row of rows) {
    for (const v of row) values.push(v);
    if (++count === per) {
      yield { values, count };
      values = [];
      count = 0;
    }
  }
  if (count > 0) yield { values, count };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One string per distinct value: the plan keeps a million dates and currencies, not a million copies. */
function interner(): (value: unknown) => string {
  const seen = new Map<string, string>();
  return (value) => {
    const text = String(value);
    const known = seen.get(text);
    if (known !== undefined) return known;
    seen.set(text, text);
    return text;
  };
}

export function reconciliationRepository(q: Knex, ctx: WriteContext): ReconciliationRepository {
  const pg = isPostgres(q);
  const placeholders = (n: number) => new Array<string>(n).fill('?').join(', ');

  /**
   * Rows as arrays, straight from the driver (inside the transaction: SQLite's only connection,
   * PostgreSQL's transaction connection): a chunk is tens of thousands of rows, and each becomes a
   * candidate object without a row object or knex in between. `?` placeholders.
   */
  async function arrays(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    if (pg) {
      const client = q.client as DriverClient<PgConnection>;
      const connection = await client.acquireConnection();
      try {
        let n = 0;
        return (await connection.query({ text: sql.replace(/\?/g, () => `$${++n}`), values: [...params], rowMode: 'array' })).rows;
      } finally {
        await client.releaseConnection(connection);
      }
    }
    const client = q.client as DriverClient<SqliteConnection>;
    const connection = await client.acquireConnection();
    try {
      return connection.prepare(sql).raw(true).all(...params);
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /**
   * Documents with an allocation below zero (an undo or a reversal): the few whose allocation date
   * needs their history. One pass over a covering index each, instead of a probe per candidate.
   */
  async function irregular(): Promise<{ receipts: Set<number>; invoices: Set<number> }> {
    const receipts = await arrays("select distinct source_id from allocations where source_kind = 'receipt' and amount < 0", []);
    const invoices = await arrays('select distinct invoice_id from allocations where amount < 0', []);
    return { receipts: new Set(receipts.map((r) => readInteger(r[0]))), invoices: new Set(invoices.map((r) => readInteger(r[0]))) };
  }

  async function cash(lo: number, hi: number, undone: ReadonlySet<number>, date: (v: unknown) => string, currency: (v: unknown) => string): Promise<CashCandidate[]> {
    // source_balances.applied: the receipt's allocations (not the adjustments that name it).
    const rows = await arrays(`
      select s.source_id, r.number, s.customer_id, s.doc_date, s.currency, s.amount, r.bank_ref, r.memo, s.applied
      from source_balances s join receipts r on r.id = s.source_id
      where s.source_kind = 'receipt' and s.customer_id between ? and ? and s.settled_from = ?
        and s.reversal_date is null and s.amount - s.applied > 0`, [lo, hi, SETTLED_NEVER]);
    return rows.map(([id, number, customerId, receiptDate, cur, amount, bankRef, memo, applied]) => {
      const key = readInteger(id);
      const total = readInteger(amount);
      return {
        key,
        receipt: String(number),
        customerKey: readInteger(customerId),
        currency: currency(cur),
        date: date(receiptDate),
        amount: total,
        unapplied: total - readInteger(applied),
        text: `${(bankRef as string | null) ?? ''} ${(memo as string | null) ?? ''}`,
        irregular: undone.has(key),
      };
    });
  }

  async function invoices(lo: number, hi: number, undone: ReadonlySet<number>, date: (v: unknown) => string, currency: (v: unknown) => string): Promise<InvoiceCandidate[]> {
    // invoice_balances.applied: every allocation of the invoice, reversals included.
    const rows = await arrays(`
      select b.invoice_id, i.number, b.customer_id, b.currency, b.issue_date, b.due_date, b.total, b.applied
      from invoice_balances b join invoices i on i.id = b.invoice_id
      where b.customer_id between ? and ? and b.settled_from = ? and b.total - b.applied > 0`, [lo, hi, SETTLED_NEVER]);
    return rows.map(([id, number, customerId, cur, issueDate, dueDate, total, applied]) => {
      const key = readInteger(id);
      const amount = readInteger(total);
      return {
        key,
        invoice: String(number),
        customerKey: readInteger(customerId),
        currency: currency(cur),
        issueDate: date(issueDate),
        dueDate: date(dueDate),
        total: amount,
        open: amount - readInteger(applied),
        irregular: undone.has(key),
      };
    });
  }

  /** Allocation histories by document key, oldest first; `column` is invoice_id or source_id. */
  async function histories(keys: readonly number[], column: 'invoice_id' | 'source_id'): Promise<Map<number, History>> {
    const result = new Map<number, { date: string; amount: number }[]>();
    for (const part of chunks(keys, KEYS_PER_STATEMENT)) {
      const receiptsOnly = column === 'source_id' ? "source_kind = 'receipt' and " : '';
      const rows = await arrays(
        `select ${column}, date, amount from allocations where ${receiptsOnly}${column} in (${placeholders(part.length)}) order by ${column}, date, id`,
        part,
      );
      for (const [doc, date, amount] of rows) {
        const key = readInteger(doc);
        let own = result.get(key);
        if (own === undefined) result.set(key, (own = []));
        own.push({ date: String(date), amount: readInteger(amount) });
      }
    }
    for (const key of keys) if (!result.has(key)) result.set(key, []);
    return result;
  }

  async function insertSqlite(rows: Iterable<readonly unknown[]>): Promise<number> {
    const client = q.client as DriverClient<SqliteConnection>;
    const connection = await client.acquireConnection();
    try {
      const statement = (count: number) => connection.prepare(insertText(count, () => '?'));
      const full = statement(SQLITE_ROWS_PER_INSERT);
      let written = 0;
      for (const { values, count } of batches(rows, SQLITE_ROWS_PER_INSERT)) {
        (count === SQLITE_ROWS_PER_INSERT ? full : statement(count)).run(values);
        written += count;
      }
      return written;
    } finally {
      await client.releaseConnection(connection);
    }
  }

  async function insertPostgres(rows: Iterable<readonly unknown[]>): Promise<number> {
    // The transaction's own connection: knex's transaction client hands it out and keeps it.
    const client = q.client as DriverClient<PgConnection>;
    const connection = await client.acquireConnection();
    const numbered = (count: number) => {
      let n = 0;
      return insertText(count, () => `$${++n}`);
    };
    // Full batches reuse one prepared statement; the last, shorter one is sent unnamed.
    const full = { name: `owed_reconcile_allocations_${PG_ROWS_PER_INSERT}`, text: numbered(PG_ROWS_PER_INSERT) };
    try {
      let written = 0;
      for (const { values, count } of batches(rows, PG_ROWS_PER_INSERT)) {
        await connection.query(count === PG_ROWS_PER_INSERT ? { ...full, values } : { text: numbered(count), values });
        written += count;
      }
      return written;
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /**
   * SQLite: what the trigger allocations_balance does row by row, for a whole batch of receipt and
   * adjustment rows: invoices and receipts gain what was applied, latest change and settled date;
   * adjustments move the day totals.
   */
  async function applyToBalances(batch: string): Promise<void> {
    await q.raw(`
      update invoice_balances
         set applied = invoice_balances.applied + n.amount,
             last_change = max(invoice_balances.last_change, n.last_date),
             settled_from = case when invoice_balances.total - (invoice_balances.applied + n.amount) = 0
                                 then max(invoice_balances.last_change, n.last_date) else ? end
      from (select invoice_id, sum(amount) as amount, max(date) as last_date from allocations where batch = ? group by invoice_id) n
      where invoice_balances.invoice_id = n.invoice_id`, [SETTLED_NEVER, batch]);
    await q.raw(`
      update source_balances
         set applied = source_balances.applied + n.amount,
             last_change = max(source_balances.last_change, n.last_date),
             settled_from = case when source_balances.amount - (source_balances.applied + n.amount)
                                      - case when source_balances.reversal_date is null then 0 else source_balances.amount end = 0
                                 then max(source_balances.last_change, n.last_date) else ? end
      from (select source_id, sum(amount) as amount, max(date) as last_date from allocations
            where batch = ? and source_kind = 'receipt' group by source_id) n
      where source_balances.source_kind = 'receipt' and source_balances.source_id = n.source_id`, [SETTLED_NEVER, batch]);
    await q.raw(`
      insert into document_day_totals (currency, day, amount)
      select i.currency, a.date, -sum(a.amount) from allocations a join invoices i on i.id = a.invoice_id
      where a.batch = ? and a.source_kind = 'adjustment'
      group by i.currency, a.date
      on conflict (currency, day) do update set amount = document_day_totals.amount + excluded.amount`, [batch]);
  }

  return {
    async unidentifiedCash() {
      // Unidentified cash has no allocations (cash is applied only once it has a customer).
      const rows = await rawRows<Record<string, unknown>>(q, `
        select r.id, r.number, r.currency, r.bank_ref, r.memo from receipts r
        where r.customer_id is null and not exists (select 1 from receipt_reversals v where v.receipt_id = r.id)
        order by r.number`);
      return rows.map((r): UnidentifiedCash => ({
        key: readInteger(r.id),
        number: String(r.number),
        currency: String(r.currency),
        text: `${(r.bank_ref as string | null) ?? ''} ${(r.memo as string | null) ?? ''}`,
      }));
    },

    async documentsByNumber(numbers) {
      const found = new Map<string, NamedDocument>();
      for (const part of chunks([...new Set(numbers)], KEYS_PER_STATEMENT)) {
        const rows = await rawRows<Record<string, unknown>>(q, `
          select i.number, i.kind, i.currency, i.customer_id, c.code from invoices i join customers c on c.id = i.customer_id
          where i.number in (${placeholders(part.length)})`, part);
        for (const r of rows) {
          found.set(String(r.number), {
            number: String(r.number),
            kind: String(r.kind) as NamedDocument['kind'],
            currency: String(r.currency),
            customerKey: readInteger(r.customer_id),
            customer: String(r.code),
          });
        }
      }
      return found;
    },

    async assign(assignments: readonly ReceiptAssignment[]) {
      for (const part of chunks(assignments, 500)) {
        // Only unidentified cash may be assigned (the receipts trigger refuses anything else).
        const pairs = part.map(() => 'select cast(? as integer) as id, cast(? as integer) as customer_id').join(' union all ');
        await q.raw(
          `update receipts set customer_id = v.customer_id from (${pairs}) v where receipts.id = v.id and receipts.customer_id is null`,
          part.flatMap((a) => [a.receiptKey, a.customerKey]),
        );
      }
    },

    async recordAudit(entries: readonly AuditEntry[]) {
      for (const part of chunks(entries, 500)) {
        await q('audit_log').insert(part.map((e) => ({
          at: ctx.now,
          user_name: ctx.user,
          command: ctx.command,
          entity: e.entity,
          entity_key: e.key,
          action: e.action,
          detail: e.detail === undefined ? null : JSON.stringify(e.detail),
        })));
      }
    },

    async *candidates(customer) {
      const date = interner();
      const currency = interner();
      const customerRows = await rawRows<Record<string, unknown>>(
        q,
        `select id, code from customers${customer === undefined ? '' : ' where code = ?'}`,
        customer === undefined ? [] : [customer],
      );
      const customers = new Map(customerRows.map((r) => [readInteger(r.id), String(r.code)]));
      if (customers.size === 0) return;
      const counts = await rawRows<Record<string, unknown>>(q, `
        select customer_id, count(*) as n from source_balances
        where source_kind = 'receipt' and settled_from = ? and customer_id is not null${customer === undefined ? '' : ' and customer_id = ?'}
        group by customer_id order by customer_id`, customer === undefined ? [SETTLED_NEVER] : [SETTLED_NEVER, [...customers.keys()][0]!]);
      // Ranges of customer ids with about CHUNK_RECEIPTS unsettled receipts each (one customer may have more).
      const ranges: [number, number][] = [];
      let receipts = 0;
      for (const row of counts) {
        const id = readInteger(row.customer_id);
        const n = readInteger(row.n);
        const last = ranges[ranges.length - 1];
        if (last === undefined || receipts + n > CHUNK_RECEIPTS) {
          ranges.push([id, id]);
          receipts = n;
        } else {
          last[1] = id;
          receipts += n;
        }
      }
      const undone = await irregular();
      for (const [lo, hi] of ranges) {
        const cashInRange = await cash(lo, hi, undone.receipts, date, currency);
        if (cashInRange.length === 0) continue;
        const invoicesInRange = await invoices(lo, hi, undone.invoices, date, currency);
        const chunk: CandidateChunk = {
          customers,
          cash: cashInRange,
          invoices: invoicesInRange,
          cashHistory: await histories(cashInRange.filter((c) => c.irregular).map((c) => c.key), 'source_id'),
          invoiceHistory: await histories(invoicesInRange.filter((i) => i.irregular).map((i) => i.key), 'invoice_id'),
        };
        yield chunk;
      }
    },

    async insertAllocations(batch: string, plan: readonly PlannedAllocation[], at: string, by: string) {
      function* rows(): Generator<readonly unknown[]> {
        for (const p of plan) {
          yield [p.invoiceKey, 'receipt', p.receiptKey, p.amount, p.date, batch, p.reason, p.rule, at, by];
          if (p.adjustment > 0) yield [p.invoiceKey, 'adjustment', p.receiptKey, p.adjustment, p.date, batch, ADJUSTMENT_NOTE, p.rule, at, by];
        }
      }
      // PostgreSQL's balance triggers run once per statement, over its rows: set-based already.
      if (pg) return insertPostgres(rows());
      // SQLite's run once per row, two updates each (about 80 µs a row on the 2-core machine):
      // the trigger is set aside and the batch applied to the balances in three statements, the
      // same changes as the trigger's (test/storage/reconcile-bulk.test.ts checks balanceDrift).
      // DDL is transactional in SQLite: a failure rolls the trigger, the indexes and the rows back.
      const [trigger] = await rawRows<{ sql: string }>(q, "select sql from sqlite_master where type = 'trigger' and name = ?", [BALANCE_TRIGGER]);
      if (trigger === undefined) throw new Error(`trigger ${BALANCE_TRIGGER} is missing: run owed db migrate`);
      await q.raw(`drop trigger ${BALANCE_TRIGGER}`);
      const before = readInteger((await rawRows<Record<string, unknown>>(q, 'select coalesce(max(id), 0) as n from allocations'))[0]!.n);
      const rebuild = plan.length >= SQLITE_REBUILD_MIN_ROWS && plan.length * 2 >= before;
      const indexes = rebuild
        ? await rawRows<{ name: string; sql: string }>(q, "select name, sql from sqlite_master where type = 'index' and tbl_name = 'allocations' and sql is not null order by name")
        : [];
      for (const index of indexes) await q.raw(`drop index "${index.name.replaceAll('"', '""')}"`);
      const written = await insertSqlite(rows());
      for (const index of indexes) await q.raw(index.sql);
      await applyToBalances(batch);
      await q.raw(trigger.sql);
      return written;
    },

    async overAllocated(batch: string) {
      const rows = await rawRows<Record<string, unknown>>(q, `
        select i.number from invoices i
        where i.id in (select invoice_id from allocations where batch = ?)
          and i.total < (select sum(a.amount) from allocations a where a.invoice_id = i.id)
        union all
        select r.number from receipts r
        where r.id in (select source_id from allocations where batch = ?) -- receipt and adjustment rows both name the receipt
          and (r.amount < (select sum(a.amount) from allocations a where a.source_kind = 'receipt' and a.source_id = r.id)
               or exists (select 1 from receipt_reversals v where v.receipt_id = r.id))`, [batch, batch]);
      return rows.map((r) => String(r.number));
    },
  };
}
