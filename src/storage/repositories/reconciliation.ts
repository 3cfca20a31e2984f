import type { Knex } from 'knex';
import { setSqliteCache } from '../bulk/sqlite-pragma.js';
import type { AuditEntry, NamedDocument, ReceiptAssignment, ReconciliationRepository, UnidentifiedCash } from '../../domain/store.js';
import { CandidateSet, type History, type Int32Column, type Uint8Column } from '../../domain/receivables/reconcile-candidates.js';
import type { AppliedTotal, Plan } from '../../domain/receivables/reconcile-plan.js';
import type { WriteContext } from './administration.js';
import { SETTLED_NEVER } from '../migrations/0006_balances.js';
import { dropForeignKeys } from '../bulk/foreign-keys.js';
import { dropSecondaryIndexes } from '../bulk/secondary-indexes.js';
import { copyChunks, copyQuery, type CopyClient } from './pg-copy.js';
import { LIVE, UNDOABLE_IN_BATCH } from './allocations.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';

/**
 * What `reconcile auto` reads and writes, in bulk (docs/PERFORMANCE.md, "Reconcile auto").
 *
 * Reads: one statement for all unapplied cash and one for all open invoices, from the balances
 * the triggers of migration 0006 keep (what is applied per document; only documents not yet
 * settled, through the index on settled_from), streamed into a compact CandidateSet. They go in
 * date order, which is nearly the order of the rows on disk, so the receipts and invoices they
 * join are read page after page: by customer, each customer's rows are spread over the whole
 * table and every page would be read once per group of customers. Then, only for documents that
 * had an allocation undone, their allocation histories.
 * Writes: multi-row INSERTs through the driver, prepared once.
 */
/** Keys per IN list: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const KEYS_PER_STATEMENT = 5000;
const ALLOCATION_COLUMNS = ['invoice_id', 'source_kind', 'source_id', 'amount', 'date', 'batch', 'note', 'rule', 'created_at', 'created_by'] as const;
const SQLITE_ROWS_PER_INSERT = 100;
/**
 * SQLite: a batch at least this large, and at least half as large as the allocations already
 * there, is written with the secondary indexes of allocations dropped and built again afterwards,
 * from sorted keys, instead of growing entry by entry at random places.
 */
const SQLITE_REBUILD_MIN_ROWS = 20_000;
/**
 * SQLite's page cache in every step of reconcile auto, instead of the book's 64 MB: the steps
 * walk tables and indexes in key order (a daily batch touches a few hundred pages) and the index
 * builds sort, so a larger cache bought nothing measurable, while the sorter holds up to the
 * cache's size again (1M invoices: peak 452 -> 429 MB), and a cache once filled stays in the
 * process after it is made smaller (reading the unidentified cash and the candidates filled 64 MB).
 */
const SQLITE_BULK_CACHE_KB = 16384;
/** Migration 0006's SQLite row trigger that keeps the balances, one allocation at a time. */
const BALANCE_TRIGGER = 'allocations_balance';
/**
 * Rows per chunk of the COPY on PostgreSQL (about 350 KB of text). A chunk's rows and text live
 * until the stream takes it; at 10,000 rows they outlived young-generation collections and were
 * promoted (1M invoices: peak RSS 357 MB against 271, in the same 60 s).
 */
const PG_ROWS_PER_COPY = 2_000;
/**
 * What migration 0006's trigger does to a balance row for each allocation, for the sums `n`
 * (amount, last_date) of a whole batch per document: the applied amount, the latest change and
 * the date it was settled from.
 */
const INVOICE_BALANCE_CHANGES = `
  applied = invoice_balances.applied + n.amount,
  last_change = max(invoice_balances.last_change, n.last_date),
  settled_from = case when invoice_balances.total - (invoice_balances.applied + n.amount) = 0
                      then max(invoice_balances.last_change, n.last_date) else '${SETTLED_NEVER}' end`;
const SOURCE_BALANCE_CHANGES = `
  applied = source_balances.applied + n.amount,
  last_change = max(source_balances.last_change, n.last_date),
  settled_from = case when source_balances.amount - (source_balances.applied + n.amount)
                           - case when source_balances.reversal_date is null then 0 else source_balances.amount end = 0
                      then max(source_balances.last_change, n.last_date) else '${SETTLED_NEVER}' end`;
/** Documents per balance update on SQLite (bound as a VALUES list, 4,000 parameters at most). */
const BALANCES_PER_STATEMENT = 1000;

interface SqliteConnection {
  prepare(sql: string): {
    run(...values: unknown[]): unknown;
    raw(on: boolean): { all(...values: unknown[]): unknown[][]; iterate(...values: unknown[]): IterableIterator<unknown[]> };
  };
}

interface PgConnection {
  escapeLiteral(value: string): string;
}

interface DriverClient<C> {
  acquireConnection(): Promise<C>;
  releaseConnection(connection: C): Promise<void>;
}

/** INSERT of `count` rows, each parameter written by `parameter`. */
function insertText(table: string, columns: readonly string[], count: number, parameter: () => string): string {
  const tuples: string[] = [];
  for (let r = 0; r < count; r++) tuples.push(`(${columns.map(parameter).join(', ')})`);
  return `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`;
}

/**
 * The rows as flat parameter lists of `per` rows each, the last one shorter. Every full list is
 * the same array, filled anew: bind it before asking for the next (a list made per statement was
 * pretenured by V8, and a million rows left their lists as garbage in the old generation).
 */
function* batches(rows: Iterable<readonly unknown[]>, per: number, width: number): Generator<{ values: unknown[]; count: number }> {
  const values = new Array<unknown>(per * width);
  let count = 0;
  let v = 0;
  for (const row of rows) {
    for (let c = 0; c < width; c++) values[v++] = row[c];
    if (++count === per) {
      yield { values, count };
      count = 0;
      v = 0;
    }
  }
  if (count > 0) yield { values: values.slice(0, v), count };
}

/** Receipts' totals with the kind their balance rows are keyed by. */
function* ofReceipts(totals: Iterable<AppliedTotal>): Generator<readonly unknown[]> {
  for (const [key, amount, latest] of totals) yield [key, amount, latest, 'receipt'];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function reconciliationRepository(
  q: Knex,
  ctx: WriteContext,
  /** Tests lower it to take the rebuilding path with a small book. */
  options: { readonly rebuildMinRows?: number } = {},
): ReconciliationRepository {
  const rebuildMinRows = options.rebuildMinRows ?? SQLITE_REBUILD_MIN_ROWS;
  const pg = isPostgres(q);
  const placeholders = (n: number) => new Array<string>(n).fill('?').join(', ');

  /**
   * PostgreSQL: `sql` with each `?` replaced by its value as a literal, for COPY, which takes no
   * parameters. Only integers and text come here (keys, dates, batch numbers).
   */
  const inlined = (connection: PgConnection, sql: string, params: readonly unknown[]) => {
    let n = 0;
    return sql.replace(/\?/g, () => {
      const value = params[n++];
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      if (typeof value === 'string') return connection.escapeLiteral(value);
      throw new TypeError(`no literal for parameter ${n} of a reconcile query: ${JSON.stringify(value)}`);
    });
  };

  /**
   * Rows as arrays, straight from the driver (inside the transaction: SQLite's only connection,
   * PostgreSQL's transaction connection), without a row object or knex in between.
   */
  async function arrays(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    const rows: unknown[][] = [];
    await stream(sql, params, (row) => rows.push(row));
    return rows;
  }

  /**
   * Each row of a query, as an array, one at a time: SQLite steps the statement; PostgreSQL sends
   * it by COPY … TO STDOUT (pg-copy.ts), its values as text (readInteger reads them). Memory holds
   * a row (a chunk), not the result.
   */
  async function stream(sql: string, params: readonly unknown[], onRow: (row: unknown[]) => void): Promise<void> {
    if (pg) {
      const client = q.client as DriverClient<PgConnection & CopyClient>;
      const connection = await client.acquireConnection();
      try {
        await copyQuery(connection, inlined(connection, sql, params), onRow);
      } finally {
        await client.releaseConnection(connection);
      }
      return;
    }
    const client = q.client as DriverClient<SqliteConnection>;
    const connection = await client.acquireConnection();
    try {
      for (const row of connection.prepare(sql).raw(true).iterate(...params)) onRow(row);
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /**
   * Documents with an allocation below zero (an undo or a reversal): the few whose allocation date
   * needs their history. One pass over a covering index each, instead of a probe per candidate;
   * for one customer, only that customer's documents' entries (the whole book's took 140 ms of a
   * `receive --apply auto` at 1M invoices).
   */
  async function irregular(customerKey: number | undefined): Promise<{ receipts: Set<number>; invoices: Set<number> }> {
    const one = customerKey === undefined ? [] : [customerKey];
    const receipts = await arrays(`select distinct source_id from allocations where source_kind = 'receipt' and amount < 0${
      customerKey === undefined ? '' : ' and source_id in (select id from receipts where customer_id = ?)'}`, one);
    const invoices = await arrays(`select distinct invoice_id from allocations where amount < 0${
      customerKey === undefined ? '' : ' and invoice_id in (select id from invoices where customer_id = ?)'}`, one);
    return { receipts: new Set(receipts.map((r) => readInteger(r[0]))), invoices: new Set(invoices.map((r) => readInteger(r[0]))) };
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
      const statement = (count: number) => connection.prepare(insertText('allocations', ALLOCATION_COLUMNS, count, () => '?'));
      const full = statement(SQLITE_ROWS_PER_INSERT);
      let written = 0;
      for (const { values, count } of batches(rows, SQLITE_ROWS_PER_INSERT, ALLOCATION_COLUMNS.length)) {
        (count === SQLITE_ROWS_PER_INSERT ? full : statement(count)).run(values);
        written += count;
      }
      return written;
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /**
   * PostgreSQL: the rows by COPY straight into allocations, in plan order (so their ids are), as
   * one statement sent a chunk at a time: the balance trigger of 0006 runs once over them all.
   * (A statement per chunk ran it per chunk, and each run joined the whole balance tables.)
   */
  async function copyPostgres(rows: Iterable<readonly unknown[]>): Promise<number> {
    // The transaction's own connection: knex's transaction client hands it out and keeps it.
    const client = q.client as DriverClient<CopyClient>;
    const connection = await client.acquireConnection();
    try {
      return await copyChunks(connection, 'allocations', ALLOCATION_COLUMNS, (function* () {
        let chunk: (readonly unknown[])[] = [];
        for (const row of rows) {
          chunk.push(row);
          if (chunk.length === PG_ROWS_PER_COPY) {
            yield chunk;
            chunk = [];
          }
        }
        if (chunk.length > 0) yield chunk;
      })());
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /**
   * SQLite: runs `work` with a page cache of `kb`, and gives the connection its own back after.
   */
  async function withCache<T>(kb: number, work: () => Promise<T>): Promise<T> {
    const restore = await setSqliteCache(q, kb);
    try {
      return await work();
    } finally {
      await restore();
    }
  }

  /** Runs `work` with the secondary indexes of `tables` dropped, and builds them again after. */
  async function withIndexesRebuilt<T>(tables: readonly string[], work: () => Promise<T>): Promise<T> {
    const rebuild = await dropSecondaryIndexes(q, tables);
    const result = await work();
    await rebuild();
    return result;
  }

  /**
   * SQLite: what the trigger allocations_balance does row by row, for a whole batch of receipt and
   * adjustment rows: invoices and receipts gain what was applied, latest change and settled date;
   * adjustments move the day totals. The sums per document come from the plan, in key order, a
   * thousand documents per statement, bound as a VALUES list (prepared once: half the cost of the
   * same rows as one JSON array each statement): reading them back from the batch's rows cost a
   * sort of the batch, and for the receipts SQLite chose to walk every receipt allocation of the book.
   */
  async function applyToBalances(batch: string, plan: Plan): Promise<void> {
    const client = q.client as DriverClient<SqliteConnection>;
    const connection = await client.acquireConnection();
    try {
      // The kind comes with each row, not as a constant: with a constant SQLite walks every
      // receipt's balance and searches the list for each.
      const updates = [
        { side: 'invoices' as const, width: 3, sql: (values: string) => `
          update invoice_balances set ${INVOICE_BALANCE_CHANGES}
          from (select column1 as id, column2 as amount, column3 as last_date from (values ${values})) n
          where invoice_balances.invoice_id = n.id` },
        { side: 'receipts' as const, width: 4, sql: (values: string) => `
          update source_balances set ${SOURCE_BALANCE_CHANGES}
          from (select column1 as id, column2 as amount, column3 as last_date, column4 as kind from (values ${values})) n
          where source_balances.source_kind = n.kind and source_balances.source_id = n.id` },
      ];
      for (const { side, width, sql } of updates) {
        const statement = (count: number) => connection.prepare(sql(new Array<string>(count).fill(`(${placeholders(width)})`).join(', ')));
        const full = statement(BALANCES_PER_STATEMENT);
        const totals = plan.appliedPerDocument(side);
        for (const { values, count } of batches(side === 'receipts' ? ofReceipts(totals) : totals, BALANCES_PER_STATEMENT, width)) {
          (count === BALANCES_PER_STATEMENT ? full : statement(count)).run(values);
        }
      }
    } finally {
      await client.releaseConnection(connection);
    }
    await applyToDayTotals(batch);
  }

  /** The batch's adjustments into the day totals, as the trigger would add them row by row. */
  async function applyToDayTotals(batch: string): Promise<void> {
    await q.raw(`
      insert into document_day_totals (currency, day, amount)
      select i.currency, a.date, -sum(a.amount) from allocations a join invoices i on i.id = a.invoice_id
      where a.batch = ? and a.source_kind = 'adjustment'
      group by i.currency, a.date
      on conflict (currency, day) do update set amount = document_day_totals.amount + excluded.amount`, [batch]);
  }

  /**
   * SQLite: what the trigger does row by row for the rows of a batch already written, summed per
   * document from the batch's own rows (an undo's: it has no plan). `+source_kind` keeps SQLite
   * on the batch's index rather than walking every receipt allocation of the book.
   */
  async function applyBatchToBalances(batch: string): Promise<void> {
    await q.raw(`
      update invoice_balances set ${INVOICE_BALANCE_CHANGES}
      from (select invoice_id as id, sum(amount) as amount, max(date) as last_date from allocations where batch = ? group by invoice_id) n
      where invoice_balances.invoice_id = n.id`, [batch]);
    await q.raw(`
      update source_balances set ${SOURCE_BALANCE_CHANGES}
      from (select source_id as id, sum(amount) as amount, max(date) as last_date, source_kind as kind from allocations
            where batch = ? and +source_kind = 'receipt' group by source_id) n
      where source_balances.source_kind = n.kind and source_balances.source_id = n.id`, [batch]);
    await applyToDayTotals(batch);
  }

  /** SQLite: runs `work` with the balance trigger set aside (DDL is transactional: a failure puts it back). */
  async function withoutBalanceTrigger<T>(work: () => Promise<T>): Promise<T> {
    const [trigger] = await rawRows<{ sql: string }>(q, "select sql from sqlite_master where type = 'trigger' and name = ?", [BALANCE_TRIGGER]);
    if (trigger === undefined) throw new Error(`trigger ${BALANCE_TRIGGER} is missing: run owed db migrate`);
    await q.raw(`drop trigger ${BALANCE_TRIGGER}`);
    const result = await work();
    await q.raw(trigger.sql);
    return result;
  }

  /** Whether a batch of `rows` is large enough to rebuild the balances' indexes rather than update them in place. */
  async function rebuildsBalances(rows: number): Promise<boolean> {
    const documents = readInteger((await arrays('select coalesce(max(invoice_id), 0) from invoice_balances', []))[0]![0]);
    return rows >= rebuildMinRows && rows * 4 >= documents;
  }

  const repository: ReconciliationRepository = {
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
      // Only unidentified cash may be assigned (the receipts trigger refuses anything else).
      if (pg) {
        // One statement, so that the balance trigger of 0006 runs once: each run joined its rows
        // with the whole of source_balances (1M invoices: 26 statements, 4-5 s).
        if (assignments.length > 0) {
          await q.raw(`update receipts set customer_id = v.customer_id from unnest(?::integer[], ?::integer[]) as v(id, customer_id)
            where receipts.id = v.id and receipts.customer_id is null`, [assignments.map((a) => a.receiptKey), assignments.map((a) => a.customerKey)]);
        }
        return;
      }
      for (const part of chunks(assignments, 500)) {
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

    async candidates(customer) {
      const customerRows = await arrays(`select id, code from customers${customer === undefined ? '' : ' where code = ?'}`, customer === undefined ? [] : [customer]);
      if (customerRows.length === 0) return new CandidateSet();
      const one = customer === undefined ? [] : [readInteger(customerRows[0]![0])];
      // Unsettled documents, counted from the index alone: an upper bound that sizes the columns.
      const unsettled = async (table: string) => readInteger((await arrays(
        `select count(*) from ${table} where settled_from = ?${customer === undefined ? '' : ' and customer_id = ?'}`,
        [SETTLED_NEVER, ...one],
      ))[0]![0]);
      const set = new CandidateSet({ cash: await unsettled('source_balances'), invoices: await unsettled('invoice_balances') });
      for (const [id, code] of customerRows) set.customers.set(readInteger(id), String(code));
      const undone = await irregular(one[0]);
      // source_balances.applied: the receipt's own allocations (not the adjustments that name it).
      // All customers: in date order through the index on (settled_from, doc_date); `+` keeps
      // SQLite from walking the customer index instead.
      await stream(`
        select s.source_id, r.number, s.customer_id, s.currency, s.doc_date, s.amount, s.applied, r.bank_ref, r.memo
        from source_balances s join receipts r on r.id = s.source_id
        where s.source_kind = 'receipt' and s.settled_from = ? and s.reversal_date is null and s.amount - s.applied > 0
          and ${customer === undefined ? '+s.customer_id is not null' : 's.customer_id = ?'}`, [SETTLED_NEVER, ...one],
      ([id, number, customerId, currency, date, amount, applied, bankRef, memo]) => {
        const key = readInteger(id);
        const total = readInteger(amount);
        set.addCash(key, readInteger(customerId), String(currency), String(number), String(date), total, total - readInteger(applied),
          `${(bankRef as string | null) ?? ''} ${(memo as string | null) ?? ''}`, undone.receipts.has(key));
      });
      const withCash = new Set<number>();
      for (let slot = 0; slot < set.cash.length; slot++) withCash.add(set.cash.customerKey.get(slot));
      // invoice_balances.applied: every allocation of the invoice, reversals included.
      await stream(`
        select b.invoice_id, i.number, b.customer_id, b.currency, b.issue_date, b.due_date, b.total, b.applied
        from invoice_balances b join invoices i on i.id = b.invoice_id
        where b.settled_from = ? and b.total - b.applied > 0 and ${customer === undefined ? '+b.customer_id is not null' : 'b.customer_id = ?'}`,
      [SETTLED_NEVER, ...one],
      ([id, number, customerId, currency, issueDate, dueDate, total, applied]) => {
        const customerKey = readInteger(customerId);
        if (!withCash.has(customerKey)) return;
        const key = readInteger(id);
        const amount = readInteger(total);
        set.addInvoice(key, customerKey, String(currency), String(number), String(issueDate), String(dueDate), amount, amount - readInteger(applied), undone.invoices.has(key));
      });
      const irregularKeys = (columns: { length: number; key: Int32Column; irregular: Uint8Column }) => {
        const keys: number[] = [];
        for (let slot = 0; slot < columns.length; slot++) if (columns.irregular.get(slot) === 1) keys.push(columns.key.get(slot));
        return keys;
      };
      for (const [key, h] of await histories(irregularKeys(set.cash), 'source_id')) set.cashHistory.set(key, h);
      for (const [key, h] of await histories(irregularKeys(set.invoices), 'invoice_id')) set.invoiceHistory.set(key, h);
      return set;
    },

    async insertAllocations(batch: string, plan: Plan, at: string, by: string) {
      function* rows(): Generator<readonly unknown[]> {
        for (const [invoiceKey, kind, receiptKey, amount, date, note, rule] of plan.rows()) {
          yield [invoiceKey, kind, receiptKey, amount, date, batch, note, rule, at, by];
        }
      }
      const before = readInteger((await arrays('select coalesce(max(id), 0) from allocations', []))[0]![0]);
      const rebuild = plan.length >= rebuildMinRows && plan.length * 2 >= before;
      // The balances of a batch that settles a large share of the book: each updated row moves in
      // the covering indexes of its table, at random places for the one by customer. Dropped and
      // built again from sorted keys. At 1M invoices (1.09M allocations), SQLite: 23 s of updates
      // -> 5 s, plus 8 s to build the four indexes.
      const balances = (await rebuildsBalances(plan.length)) ? ['invoice_balances', 'source_balances'] : [];
      // PostgreSQL's balance trigger runs once per statement, over its rows: set-based already.
      // A batch as large as the book goes in without the foreign keys of allocations, which are
      // then added again, checking every row at once.
      if (pg) {
        return withIndexesRebuilt(balances, () => withIndexesRebuilt(rebuild ? ['allocations'] : [], async () => {
          const restoreForeignKeys = await dropForeignKeys(q, rebuild ? ['allocations'] : []);
          const written = await copyPostgres(rows());
          await restoreForeignKeys();
          return written;
        }));
      }
      // SQLite's run once per row, two updates each (about 80 µs a row on the 2-core machine):
      // the trigger is set aside and the batch applied to the balances set-based, the same
      // changes as the trigger's (test/storage/reconcile-bulk.test.ts checks balanceDrift).
      // DDL is transactional in SQLite: a failure rolls the trigger, the indexes and the rows back.
      return withoutBalanceTrigger(() => withIndexesRebuilt(balances, async () => {
        const inserted = await withIndexesRebuilt(rebuild ? ['allocations'] : [], () => insertSqlite(rows()));
        await applyToBalances(batch, plan);
        return inserted;
      }));
    },

    async undoBatch(batch, undo, date, live, at, by) {
      const insert = () => q.raw(`
        insert into allocations (invoice_id, source_kind, source_id, amount, date, batch, note, rule, reverses, created_at, created_by)
        select a.invoice_id, a.source_kind, a.source_id, -a.amount, ?, ?, 'undo of allocation ' || a.id, null, a.id, ?, ?
          from allocations a
         where ${UNDOABLE_IN_BATCH} and ${LIVE}
         order by a.id`, [date, undo, at, by, batch]);
      if (pg || live < rebuildMinRows) {
        // PostgreSQL's balance trigger runs once for the statement; SQLite's, row by row, is
        // cheaper than setting it aside for a small batch.
        await insert();
      } else {
        // SQLite, a large batch (1.09M allocations: 327 s through the row trigger, which moved
        // each balance in its covering indexes at random places): as insertAllocations does.
        const balances = (await rebuildsBalances(live)) ? ['invoice_balances', 'source_balances'] : [];
        await withoutBalanceTrigger(() => withIndexesRebuilt(balances, async () => {
          await insert();
          await applyBatchToBalances(undo);
        }));
      }
      const reversed: number[] = [];
      await stream('select reverses from allocations where batch = ? order by id', [undo], (row) => reversed.push(readInteger(row[0])));
      return reversed;
    },

    async checkBatch(batch: string | null, assigned: readonly number[]) {
      const unknown: string[] = [];
      for (const part of chunks(assigned, KEYS_PER_STATEMENT)) {
        const rows = await arrays(`select r.number, r.customer_id from receipts r where r.id in (${placeholders(part.length)})
          and not exists (select 1 from customers c where c.id = r.customer_id)`, part);
        for (const [number, customerId] of rows) unknown.push(`${String(number)} assigned to customer key ${String(customerId)}`);
      }
      if (batch === null) return { over: [], unknown };
      const [first, last] = (await arrays('select (select min(id) from allocations where batch = ?), (select max(id) from allocations)', [batch]))[0]!;
      if (first === null) return { over: [], unknown };
      const rows = readInteger(last) - readInteger(first) + 1;
      // Every allocation of each document the batch touched, summed (not the balances the plan
      // was made from: an independent check). Receipt and adjustment rows both name the receipt.
      if (rows >= rebuildMinRows && rows * 2 >= readInteger(first) - 1) {
        // A batch as large as the rest of the book: every allocation summed by document (SQLite
        // reads the covering indexes whole, in document order, and looks each document up in
        // key order; 1M invoices: 5 s through the batch's rows, each a random read, -> 1.3 s).
        // The batch is the last rows: a document it touched has its latest allocation at or
        // after the batch's first id.
        const documents = await arrays(`
          select x.invoice_id, i.number, case when x.applied > i.total then 1 else 0 end from (
            select invoice_id, sum(amount) as applied, max(id) as latest from allocations group by invoice_id) x
          left join invoices i on i.id = x.invoice_id
          where x.latest >= ? and (i.id is null or x.applied > i.total)`, [first]);
        const receipts = await arrays(`
          select x.source_id, r.number, case when x.applied > r.amount or exists (select 1 from receipt_reversals v where v.receipt_id = r.id) then 1 else 0 end from (
            select source_id, sum(amount) as applied, max(id) as latest from allocations where source_kind = 'receipt' group by source_id) x
          left join receipts r on r.id = x.source_id
          where x.latest >= ? and (r.id is null or x.applied > r.amount or exists (select 1 from receipt_reversals v where v.receipt_id = r.id))`, [first]);
        const over: string[] = [];
        for (const [key, number, isOver] of documents) {
          if (number === null) unknown.push(`invoice key ${String(key)}`);
          else if (readInteger(isOver) === 1) over.push(String(number));
        }
        for (const [key, number, isOver] of receipts) {
          if (number === null) unknown.push(`receipt key ${String(key)}`);
          else if (readInteger(isOver) === 1) over.push(String(number));
        }
        // The few adjustments, by the index on the source (`+` keeps SQLite off the id range).
        for (const [key] of await arrays(`select distinct a.source_id from allocations a where a.source_kind = 'adjustment' and +a.id >= ?
          and not exists (select 1 from receipts r where r.id = a.source_id)`, [first])) unknown.push(`receipt key ${String(key)}`);
        return { over, unknown };
      }
      for (const [key, invoice, source] of await arrays(`select a.id, a.invoice_id, a.source_id from allocations a where a.batch = ?
        and (not exists (select 1 from invoices i where i.id = a.invoice_id) or not exists (select 1 from receipts r where r.id = a.source_id))`, [batch])) {
        unknown.push(`allocation ${String(key)} (invoice key ${String(invoice)}, receipt key ${String(source)})`);
      }
      // As joins rather than a subquery per document, which PostgreSQL ran one by one.
      const over = await rawRows<Record<string, unknown>>(q, `
        select i.number from invoices i
        join (select a.invoice_id, sum(a.amount) as applied from allocations a
              where a.invoice_id in (select invoice_id from allocations where batch = ?)
              group by a.invoice_id) x on x.invoice_id = i.id
        where x.applied > i.total
        union all
        select r.number from receipts r
        join (select a.source_id, sum(a.amount) as applied from allocations a
              where a.source_kind = 'receipt' and a.source_id in (select source_id from allocations where batch = ?)
              group by a.source_id) x on x.source_id = r.id
        where x.applied > r.amount or exists (select 1 from receipt_reversals v where v.receipt_id = r.id)`, [batch, batch]);
      return { over: over.map((r) => String(r.number)), unknown };
    },
  };
  if (pg) return repository;
  // SQLite: each step with the page cache of SQLITE_BULK_CACHE_KB, the connection's own back after.
  const bulk = <A extends unknown[], R>(step: (...args: A) => Promise<R>) => (...args: A) => withCache(SQLITE_BULK_CACHE_KB, () => step(...args));
  return {
    unidentifiedCash: bulk(repository.unidentifiedCash),
    documentsByNumber: bulk(repository.documentsByNumber),
    assign: bulk(repository.assign),
    recordAudit: repository.recordAudit,
    candidates: bulk(repository.candidates),
    insertAllocations: bulk(repository.insertAllocations),
    undoBatch: bulk(repository.undoBatch),
    checkBatch: bulk(repository.checkBatch),
  };
}
