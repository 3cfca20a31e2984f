import type { Knex } from 'knex';
import { NotFoundError } from '../../domain/errors.js';
import { money } from '../../domain/money/index.js';
import type { Receipt, ReceiptBalance, ReceiptMethod } from '../../domain/receivables/receipt.js';
import type { ReceiptFilter, ReceiptRepository } from '../../domain/store.js';
import { isPostgres } from './raw.js';
import { readInteger, readNullableInteger } from './rows.js';
import { streamRecords } from './stream.js';

interface ReceiptRow {
  id: number;
  number: string;
  customer_code: string | null;
  customer_name: string | null;
  receipt_date: string;
  currency: string;
  amount: unknown;
  method: string;
  bank_ref: string | null;
  memo: string | null;
  reversal_date: string | null;
  reversal_reason: string | null;
  created_at: string;
  created_by: string;
  applied?: unknown;
}

function receiptFromRow(r: ReceiptRow): Receipt {
  return {
    number: r.number,
    customer: r.customer_code,
    customerName: r.customer_name,
    date: String(r.receipt_date),
    amount: money(readInteger(r.amount), r.currency),
    method: r.method as ReceiptMethod,
    bankRef: r.bank_ref,
    memo: r.memo,
    reversal: r.reversal_date === null ? null : { date: String(r.reversal_date), reason: r.reversal_reason ?? '' },
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function receiptRepository(q: Knex): ReceiptRepository {
  function base(): Knex.QueryBuilder {
    return q('receipts as r')
      .leftJoin('customers as c', 'c.id', 'r.customer_id')
      .leftJoin('receipt_reversals as v', 'v.receipt_id', 'r.id')
      .select(
        'r.id', 'r.number', 'c.code as customer_code', 'c.name as customer_name', 'r.receipt_date', 'r.currency', 'r.amount',
        'r.method', 'r.bank_ref', 'r.memo', 'v.reversal_date', 'v.reason as reversal_reason', 'r.created_at', 'r.created_by',
      );
  }

  /**
   * Receipts with what is applied as of asOf. `scope` (a select of receipt ids) names the receipts
   * a query wants, so that the sum reads only their allocations: for the whole book it read every
   * receipt allocation (1M invoices: 0.6 s for one receipt's balance).
   */
  function withBalance(asOf: string, scope: Knex.QueryBuilder | null): Knex.QueryBuilder {
    const applied = q('allocations')
      .select('source_id')
      .sum({ applied: 'amount' })
      .where('source_kind', 'receipt')
      .andWhere('date', '<=', asOf)
      .groupBy('source_id')
      .as('a');
    if (scope !== null) applied.whereIn('source_id', scope);
    return base().leftJoin(applied, 'a.source_id', 'r.id').select('a.applied');
  }

  function balanceFromRow(r: ReceiptRow, asOf: string): ReceiptBalance {
    const receipt = receiptFromRow(r);
    const applied = readNullableInteger(r.applied) ?? 0;
    const reversed = receipt.reversal !== null && receipt.reversal.date <= asOf;
    const counted = receipt.date <= asOf && !reversed ? receipt.amount.minor : 0;
    return {
      receipt,
      applied: money(applied, receipt.amount.currency),
      unapplied: money(reversed ? 0 : counted - applied, receipt.amount.currency),
    };
  }

  function listQuery(filter: ReceiptFilter, asOf: string): Knex.QueryBuilder {
    let scope: Knex.QueryBuilder | null = null;
    if (filter.customer !== undefined) scope = q('receipts as sr').join('customers as sc', 'sc.id', 'sr.customer_id').select('sr.id').where('sc.code', filter.customer);
    else if (filter.unidentifiedOnly) scope = q('receipts').select('id').whereNull('customer_id');
    const query = withBalance(asOf, scope).orderBy('r.number');
    if (filter.customer !== undefined) query.where('c.code', filter.customer);
    if (filter.unidentifiedOnly) query.whereNull('r.customer_id');
    if (filter.unappliedOnly) {
      query.whereNull('v.id').andWhere('r.receipt_date', '<=', asOf).andWhereRaw('r.amount - coalesce(a.applied, 0) <> 0');
    }
    return query;
  }

  async function receiptId(number: string): Promise<number> {
    const row = await q('receipts').select('id').where({ number }).first();
    if (!row) throw new NotFoundError('receipt', number, 'list receipts with: owed receipt list');
    return readInteger(row.id);
  }

  return {
    async find(number) {
      const row: ReceiptRow | undefined = await base().where('r.number', number).first();
      return row ? receiptFromRow(row) : undefined;
    },
    async findByBankRef(bankRef) {
      const row: ReceiptRow | undefined = await base().where('r.bank_ref', bankRef).first();
      return row ? receiptFromRow(row) : undefined;
    },
    async insert(receipt) {
      const customer = receipt.customer === null ? null : await q('customers').select('id').where({ code: receipt.customer }).first();
      if (receipt.customer !== null && !customer) throw new NotFoundError('customer', receipt.customer);
      await q('receipts').insert({
        number: receipt.number,
        customer_id: customer?.id ?? null,
        receipt_date: receipt.date,
        currency: receipt.amount.currency,
        amount: receipt.amount.minor,
        method: receipt.method,
        bank_ref: receipt.bankRef,
        memo: receipt.memo,
        created_at: receipt.createdAt,
        created_by: receipt.createdBy,
      });
    },
    async lock(number) {
      const query = q('receipts').select('id').where({ number });
      if (isPostgres(q)) query.forUpdate();
      await query;
    },
    async balance(number, asOf) {
      const row: ReceiptRow | undefined = await withBalance(asOf, q('receipts').select('id').where({ number })).where('r.number', number).first();
      if (!row) throw new NotFoundError('receipt', number, 'list receipts with: owed receipt list');
      return balanceFromRow(row, asOf);
    },
    async list(filter: ReceiptFilter, asOf) {
      const rows: ReceiptRow[] = await listQuery(filter, asOf);
      return rows.map((r) => balanceFromRow(r, asOf));
    },
    stream(filter: ReceiptFilter, asOf) {
      return streamRecords(q, listQuery(filter, asOf), (r: ReceiptRow) => balanceFromRow(r, asOf));
    },
    async assign(number, customer) {
      const row = await q('customers').select('id').where({ code: customer }).first();
      if (!row) throw new NotFoundError('customer', customer);
      await q('receipts').where({ number }).whereNull('customer_id').update({ customer_id: row.id });
    },
    async reverse(number, date, reason, at, by) {
      await q('receipt_reversals').insert({ receipt_id: await receiptId(number), reversal_date: date, reason, created_at: at, created_by: by });
    },
  };
}
