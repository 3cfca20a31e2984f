import type { Knex } from 'knex';
import { money } from '../../domain/money/index.js';
import type { Allocation } from '../../domain/receivables/receipt.js';
import type { AllocationFilter, AllocationRepository } from '../../domain/store.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger, readNullableInteger } from './rows.js';
import { streamRecords } from './stream.js';

/** Any fixed key: every command that allocates takes this transaction-scoped lock first. */
const ALLOCATION_LOCK = 0x0_0_3d_a110c;

/** An allocation `a` of the batch bound to `?` that an undo reverses: a receipt's or its adjustment. */
export const UNDOABLE_IN_BATCH = "a.batch = ? and a.source_kind in ('receipt', 'adjustment')";
/** An allocation `a` that is neither an undo nor undone (the index of 0014 finds its undo). */
export const LIVE = 'a.reverses is null and not exists (select 1 from allocations rev where rev.reverses = a.id)';

/** Allocations with the number of their source document, whatever its kind, in one query. */
function allocationQuery(q: Knex): Knex.QueryBuilder {
  return q('allocations as a')
    .join('invoices as i', 'i.id', 'a.invoice_id')
    .join('customers as c', 'c.id', 'i.customer_id')
    .leftJoin('receipts as r', function joinReceipt() {
      this.on('r.id', '=', 'a.source_id').andOn(q.raw("a.source_kind in ('receipt', 'adjustment')"));
    })
    .leftJoin('invoices as cn', function joinCredit() {
      this.on('cn.id', '=', 'a.source_id').andOn(q.raw("a.source_kind = 'credit_note'"));
    })
    .leftJoin('write_offs as w', function joinWriteOff() {
      this.on('w.id', '=', 'a.source_id').andOn(q.raw("a.source_kind = 'write_off'"));
    })
    .leftJoin('allocations as rev', 'rev.reverses', 'a.id')
    .select(
      'a.id', 'a.date', 'i.number as invoice', 'c.code as customer', 'i.currency', 'a.source_kind', 'a.amount', 'a.batch',
      'a.rule', 'a.note', 'a.reverses', 'rev.id as reversed_by',
      q.raw('coalesce(r.number, cn.number, w.number) as source_number'),
    );
}

function fromRow(r: Record<string, unknown>): Allocation {
  return {
    id: readInteger(r.id),
    date: String(r.date),
    invoice: String(r.invoice),
    customer: String(r.customer),
    sourceKind: r.source_kind as Allocation['sourceKind'],
    sourceNumber: String(r.source_number ?? ''),
    amount: money(readInteger(r.amount), String(r.currency)),
    batch: (r.batch as string | null) ?? null,
    rule: (r.rule as string | null) ?? null,
    note: (r.note as string | null) ?? null,
    reverses: readNullableInteger(r.reverses),
    reversedBy: readNullableInteger(r.reversed_by),
  };
}

export function allocationRepository(q: Knex): AllocationRepository {
  function listQuery(filter: AllocationFilter): Knex.QueryBuilder {
    const query = allocationQuery(q).orderBy('a.id');
    if (filter.batch !== undefined) query.where('a.batch', filter.batch);
    if (filter.invoice !== undefined) query.where('i.number', filter.invoice);
    if (filter.customer !== undefined) query.where('c.code', filter.customer);
    if (filter.receipt !== undefined) query.where('r.number', filter.receipt);
    return query;
  }

  return {
    async find(id) {
      const row = await allocationQuery(q).where('a.id', id).first();
      return row ? fromRow(row) : undefined;
    },
    async list(filter: AllocationFilter) {
      return (await listQuery(filter)).map(fromRow);
    },
    stream(filter: AllocationFilter) {
      return streamRecords(q, listQuery(filter), fromRow);
    },
    async undoState(batch, date) {
      const [counts] = await rawRows<{ undoable: unknown; live: unknown }>(q, `
        select count(*) as undoable, coalesce(sum(case when ${LIVE} then 1 else 0 end), 0) as live
          from allocations a where ${UNDOABLE_IN_BATCH}`, [batch]);
      const [after] = await rawRows<{ id: unknown; date: unknown }>(q, `
        select a.id, a.date from allocations a
         where ${UNDOABLE_IN_BATCH} and ${LIVE} and a.date > ?
         order by a.id limit 1`, [batch, date]);
      return {
        undoable: readInteger(counts!.undoable),
        live: readInteger(counts!.live),
        firstAfter: after === undefined ? null : { id: readInteger(after.id), date: String(after.date) },
      };
    },
    async lockBatchReceipts(batch) {
      if (!isPostgres(q)) return;
      await q.raw(`select r.id from receipts r where r.id in (
        select a.source_id from allocations a where ${UNDOABLE_IN_BATCH}) order by r.id for update`, [batch]);
    },
    async createBatch(id, kind, undoes, at, by) {
      await q('reconcile_batches').insert({ id, kind, undoes, created_at: at, created_by: by });
    },
    async batchExists(id) {
      return (await q('reconcile_batches').select('id').where({ id }).first()) !== undefined;
    },
    async lockForAllocation() {
      if (isPostgres(q)) await q.raw('select pg_advisory_xact_lock(?)', [ALLOCATION_LOCK]);
    },
    async insertWriteOff(w, at, by) {
      const invoice = await q('invoices').select('id').where({ number: w.invoice }).first();
      await q('write_offs').insert({
        number: w.number,
        invoice_id: invoice.id,
        write_off_date: w.date,
        amount: w.amount.minor,
        reason: w.reason,
        created_at: at,
        created_by: by,
      });
    },
  };
}
