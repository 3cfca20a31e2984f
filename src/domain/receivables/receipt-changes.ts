import type { Actor } from '../actor.js';
import { compareDates, parseDate } from '../dates.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import { negate } from '../money/index.js';
import { nextDocumentNumber } from '../numbering.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import type { Receipt } from './receipt.js';

/** Attaches unidentified cash to the customer who sent it; done once, and audited. */
export async function assignReceipt(store: Store, actor: Actor, number: string, customerCode: string): Promise<Receipt> {
  requirePermission(actor.user, actor.role, 'finance', 'assign receipts');
  await store.allocations.lockForAllocation();
  await store.receipts.lock(number);
  const receipt = await store.receipts.find(number);
  if (!receipt) throw new NotFoundError('receipt', number, 'list receipts with: owed receipt list');
  const customer = await store.customers.find(customerCode);
  if (!customer) throw new NotFoundError('customer', customerCode, 'list customers with: owed customer list');
  if (receipt.customer !== null) {
    if (receipt.customer === customer.code) return receipt;
    throw new RefusedError(`${number} already belongs to ${receipt.customer}`, 'reverse it and record it again if it was entered against the wrong customer');
  }
  if (receipt.amount.currency !== customer.currency) {
    throw new RefusedError(`${number} is in ${receipt.amount.currency}, but ${customer.code} is billed in ${customer.currency}`);
  }
  await store.receipts.assign(number, customer.code);
  await store.audit.record({ entity: 'receipt', key: number, action: 'assign', detail: { customer: customer.code } });
  return (await store.receipts.find(number))!;
}

/**
 * A bounced or returned payment: the receipt stays, a dated reversal is added, and each of its
 * live allocations is reversed by a new row of that date, so the invoices are open again from
 * then on — and exactly as they were before it.
 */
export async function reverseReceipt(store: Store, actor: Actor, number: string, input: { reason?: string; date?: string }): Promise<{ receipt: Receipt; batch: string | null }> {
  requirePermission(actor.user, actor.role, 'finance', 'reverse receipts');
  await store.allocations.lockForAllocation();
  const reason = input.reason?.trim() ?? '';
  if (reason === '') throw new ValidationError({ field: '--reason', reason: 'is required: say why the receipt is reversed (bounced, returned, entered twice …)' });
  const date = input.date === undefined ? actor.today : parseDate(input.date, '--date');
  await store.receipts.lock(number);
  const receipt = await store.receipts.find(number);
  if (!receipt) throw new NotFoundError('receipt', number, 'list receipts with: owed receipt list');
  if (receipt.reversal) throw new RefusedError(`${number} was already reversed on ${receipt.reversal.date}`);
  if (compareDates(date, receipt.date) < 0) throw new ValidationError({ field: '--date', value: date, reason: `is before the receipt date ${receipt.date}` });

  const all = await store.allocations.list({ receipt: number });
  // Any row dated later — even one since undone — means the cash was applied after that date.
  const latest = all.reduce<string | null>((d, a) => (d === null || compareDates(a.date, d) > 0 ? a.date : d), null);
  if (latest !== null && compareDates(latest, date) > 0) {
    throw new RefusedError(`${number} has allocations dated up to ${latest}, after ${date}`, `reverse on or after ${latest}`);
  }
  const live = all.filter((a) => a.reverses === null && a.reversedBy === null);
  let batch: string | null = null;
  if (live.length > 0) {
    batch = await nextDocumentNumber(store, 'RB', date);
    await store.allocations.createBatch(batch, 'reversal', null, actor.now, actor.user);
    for (const a of live) {
      await store.invoices.allocate(
        { invoice: a.invoice, sourceKind: a.sourceKind, sourceNumber: a.sourceNumber, amount: negate(a.amount), date, batch, note: `receipt reversed: ${reason}`, rule: null, reverses: a.id },
        actor.now,
        actor.user,
      );
    }
  }
  await store.receipts.reverse(number, date, reason, actor.now, actor.user);
  await store.audit.record({ entity: 'receipt', key: number, action: 'reverse', detail: { date, reason, batch, allocations_reversed: live.length } });
  return { receipt: (await store.receipts.find(number))!, batch };
}
