import type { Knex } from 'knex';
import { NotFoundError } from '../../domain/errors.js';
import { money } from '../../domain/money/index.js';
import type { CustomerLedger, LedgerEntry, LedgerEntryKind } from '../../domain/store.js';
import { readInteger, readNullableInteger } from './rows.js';

/**
 * A customer's account from documents: invoices add, credit notes and write-offs subtract. It
 * does not depend on how receipts were matched, which is why a balance as of D is exact however
 * late the matching happened.
 */
export function customerLedger(q: Knex): CustomerLedger {
  async function customer(code: string): Promise<{ id: number; currency: string }> {
    const row = await q('customers').select('id', 'currency').where({ code }).first();
    if (!row) throw new NotFoundError('customer', code);
    return { id: readInteger(row.id), currency: row.currency };
  }

  function entriesQuery(customerId: number): Knex.QueryBuilder {
    const documents = q('invoices')
      .select(
        'issue_date as date',
        'number as document',
        'kind',
        q.raw("case when kind = 'invoice' then total else -total end as amount"),
        'external_ref as reference',
        'id as seq',
        // Same-day order: invoices first, then what reduces them, so the running balance never dips below zero.
        q.raw("case when kind = 'invoice' then 0 else 1 end as rank"),
      )
      .where({ customer_id: customerId });
    const receipts = q('receipts')
      .select('receipt_date as date', 'number as document', q.raw("'receipt' as kind"), q.raw('-amount as amount'), 'bank_ref as reference', 'id as seq', q.raw('2 as rank'))
      .where({ customer_id: customerId });
    const reversals = q('receipt_reversals as v')
      .join('receipts as r', 'r.id', 'v.receipt_id')
      .select('v.reversal_date as date', 'r.number as document', q.raw("'receipt_reversal' as kind"), 'r.amount as amount', 'v.reason as reference', 'v.id as seq', q.raw('3 as rank'))
      .where('r.customer_id', customerId);
    const writeOffs = q('write_offs as w')
      .join('invoices as i', 'i.id', 'w.invoice_id')
      .select('w.write_off_date as date', 'w.number as document', q.raw("'write_off' as kind"), q.raw('-w.amount as amount'), 'i.number as reference', 'w.id as seq', q.raw('4 as rank'))
      .where('i.customer_id', customerId);
    const adjustments = q('allocations as a')
      .join('invoices as i', 'i.id', 'a.invoice_id')
      .select('a.date', 'i.number as document', q.raw("'adjustment' as kind"), q.raw('-a.amount as amount'), 'a.note as reference', 'a.id as seq', q.raw('4 as rank'))
      .where('i.customer_id', customerId)
      .andWhere('a.source_kind', 'adjustment');
    return q.queryBuilder().from(documents.unionAll([receipts, reversals, writeOffs, adjustments]).as('e'));
  }

  return {
    async balance(code, asOf) {
      const c = await customer(code);
      const row = await entriesQuery(c.id).where('date', '<=', asOf).sum({ total: 'amount' }).first();
      return money(readNullableInteger(row?.total) ?? 0, c.currency);
    },
    async entries(code, from, to) {
      const c = await customer(code);
      const rows: Record<string, unknown>[] = await entriesQuery(c.id)
        .select('*')
        .whereBetween('date', [from, to])
        .orderBy([{ column: 'date' }, { column: 'rank' }, { column: 'seq' }]);
      return rows.map((r): LedgerEntry => ({
        date: String(r.date),
        document: String(r.document),
        kind: r.kind as LedgerEntryKind,
        amount: money(readInteger(r.amount), c.currency),
        reference: (r.reference as string | null) ?? null,
      }));
    },
  };
}
