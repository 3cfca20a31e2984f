import { createHash } from 'node:crypto';
import { parseDate, yearOf } from '../../dates.js';
import { isPositive, parseMoney } from '../../money/index.js';
import { RECEIPT_METHODS } from '../../receivables/receipt.js';
import { reconcileAuto } from '../../receivables/reconcile.js';
import type { ImportedReceipt } from '../../store.js';
import type { Problem } from '../../errors.js';
import { Problems } from '../../validation.js';
import type { EntityImporter, ImportContext, Outcome, SourceRow } from '../importer.js';

interface ReceiptRow {
  readonly date: string;
  readonly amount: string;
  readonly customer: string | null;
  readonly currency: string | null;
  readonly reference: string | null;
  readonly memo: string | null;
  readonly method: string;
  readonly bankRef: string;
  readonly reversedOn: string | null;
}

/**
 * The idempotency key of a bank line. The bank's own id when it gives one; otherwise a
 * fingerprint of date, amount and reference plus the count of identical lines so far in the file,
 * so two equal payments on one day are two receipts, and a statement imported twice is one.
 */
export function receiptFingerprint(date: string, amount: string, reference: string, occurrence: number): string {
  const digest = createHash('sha256').update(`${date}\u0000${canonicalAmount(amount)}\u0000${reference}`).digest('hex').slice(0, 24);
  return `fp:${digest}:${occurrence}`;
}

/** The same payment written 1,000.00, 1000.00 or 1000 is one payment. */
function canonicalAmount(amount: string): string {
  return amount.trim().replace(/,/g, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function createReceiptImporter(options: { reconcile: boolean }): EntityImporter<ReceiptRow> {
  const occurrences = new Map<string, number>();
  return {
    entity: 'receipts',
    columns: ['date', 'amount', 'customer', 'currency', 'reference', 'memo', 'method', 'bank_ref', 'reversed_on'],
    required: ['date', 'amount'],
    prepare(row) {
      const problems = new Problems(row.line);
      const f = (k: string) => row.fields.get(k)?.trim() || null;
      const date = problems.check(() => parseDate(f('date') ?? '', 'date'));
      const amount = f('amount') ?? '';
      if (amount === '') problems.add('amount', '', 'is required');
      const method = (f('method') ?? 'bank').toLowerCase();
      if (!(RECEIPT_METHODS as readonly string[]).includes(method)) problems.add('method', method, `must be one of ${RECEIPT_METHODS.join(', ')}`);
      const bank = f('bank_ref');
      if (bank !== null && bank.length > 100) problems.add('bank_ref', bank, 'is longer than 100 characters');
      const reversedOn = f('reversed_on') === null ? null : problems.check(() => parseDate(f('reversed_on')!, 'reversed_on')) ?? null;
      if (reversedOn !== null && date && reversedOn < date) problems.add('reversed_on', reversedOn, `is before the receipt date ${date}`);
      if (problems.any) return [...problems.all()];
      const reference = f('reference') ?? '';
      let bankRef = bank;
      if (bankRef === null) {
        const base = `${date}|${canonicalAmount(amount)}|${reference}`;
        const n = (occurrences.get(base) ?? 0) + 1;
        occurrences.set(base, n);
        bankRef = receiptFingerprint(date!, amount, reference, n);
      }
      return {
        key: bankRef,
        record: { date: date!, amount, customer: f('customer'), currency: f('currency')?.toUpperCase() ?? null, reference: f('reference'), memo: f('memo'), method, bankRef, reversedOn },
      };
    },
    async commit(batch, ctx) {
      const names = batch.map((b) => b.record.customer).filter((c): c is string => c !== null);
      const byCode = await ctx.store.imports.customersByCode(names);
      const byName = await ctx.store.imports.customerCodesByName(names.filter((n) => !byCode.has(n)));
      const existing = await ctx.store.imports.receiptsByBankRef(batch.map((b) => b.key));
      const outcomes: { row: SourceRow; outcome: Outcome }[] = [];
      const conflicts: { row: SourceRow; reason: string }[] = [];
      const problems: { row: SourceRow; problem: Problem }[] = [];
      const fresh: { row: SourceRow; receipt: Omit<ImportedReceipt, 'number'> }[] = [];
      for (const b of batch) {
        const r = b.record;
        // An unknown payer is not an error on a bank statement: it is unidentified cash.
        const code = r.customer === null ? null : byCode.has(r.customer) ? r.customer : (byName.get(r.customer)?.length === 1 ? byName.get(r.customer)![0]! : null);
        const customer = code === null ? undefined : byCode.get(code) ?? (await ctx.store.customers.find(code));
        const currency = r.currency ?? customer?.currency ?? ctx.settings.baseCurrency;
        const p = new Problems(b.row.line);
        if (customer && currency !== customer.currency) p.add('currency', currency, `customer ${customer.code} is billed in ${customer.currency}`);
        const amount = p.check(() => parseMoney(r.amount, currency, 'amount'));
        if (amount && !isPositive(amount)) p.add('amount', r.amount, 'must be greater than zero');
        if (p.any || !amount) {
          for (const problem of p.all()) problems.push({ row: b.row, problem });
          continue;
        }
        const memo = [r.reference, r.memo, code === null && r.customer !== null ? `payer: ${r.customer}` : null].filter((x): x is string => !!x).join(' · ') || null;
        const receipt = { customer: code, date: r.date, currency, amount: amount.minor, method: r.method, bankRef: r.bankRef, memo: memo === null ? null : memo.slice(0, 1000), reversedOn: r.reversedOn };
        const old = existing.get(b.key);
        if (!old) {
          fresh.push({ row: b.row, receipt });
          outcomes.push({ row: b.row, outcome: 'created' });
        } else if (old.date === receipt.date && old.amount === receipt.amount && old.currency === receipt.currency) {
          outcomes.push({ row: b.row, outcome: 'present' });
        } else {
          conflicts.push({ row: b.row, reason: `bank reference ${b.key} is already recorded as ${old.number} with a different date or amount` });
        }
      }
      if (fresh.length > 0) {
        // Numbers are drawn in blocks per year, inside the transaction: gapless as for single receipts.
        const numbered: ImportedReceipt[] = [];
        for (const year of [...new Set(fresh.map((f) => yearOf(f.receipt.date)))].sort()) {
          const ofYear = fresh.filter((f) => yearOf(f.receipt.date) === year);
          const first = await ctx.store.imports.reserveNumbers('RC', year, ofYear.length);
          ofYear.forEach((f, i) => numbered.push({ ...f.receipt, number: `RC-${year}-${String(first + i).padStart(6, '0')}` }));
        }
        await ctx.store.imports.insertReceipts(numbered, ctx.actor.now, ctx.actor.user);
        await ctx.store.audit.record({ entity: 'receipt', key: `${numbered[0]!.number}…${numbered[numbered.length - 1]!.number}`, action: 'import', detail: { created: numbered.length } });
      }
      return { outcomes, conflicts, problems };
    },
    async finish(ctx: ImportContext) {
      if (!options.reconcile) return {};
      const result = await reconcileAuto(ctx.store, ctx.actor, {});
      return { reconcile_batch: result.batch, allocations: result.allocations.length, assigned: result.assigned.length };
    },
  };
}
