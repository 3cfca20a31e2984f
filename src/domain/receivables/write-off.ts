import type { Actor } from '../actor.js';
import { compareDates, parseDate } from '../dates.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import { formatMoney, isPositive, parseMoney, toDecimalString } from '../money/index.js';
import { nextDocumentNumber } from '../numbering.js';
import type { Store, WriteOff } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import { minimumOpenFrom } from './open-amount.js';

/**
 * Bad debt: a dated write-off document (WO-…) that closes what the customer will not pay. Kept
 * apart from payments and credit notes, so the bad-debt ratio and the journal can tell them apart.
 */
export async function writeOffInvoice(store: Store, actor: Actor, invoiceNumber: string, input: { amount?: string; reason?: string; date?: string }): Promise<WriteOff> {
  requirePermission(actor.user, actor.role, 'finance', 'write off invoices');
  await store.allocations.lockForAllocation();
  const problems = new Problems();
  const reason = input.reason?.trim() ?? '';
  if (reason === '') problems.add('--reason', undefined, 'is required: say why the debt is written off');
  const date = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, '--date'));
  problems.throwIfAny();
  await store.invoices.lock(invoiceNumber);
  const invoice = await store.invoices.find(invoiceNumber);
  if (!invoice) throw new NotFoundError('invoice', invoiceNumber, 'list invoices with: owed invoice list');
  if (invoice.kind !== 'invoice') throw new RefusedError(`${invoiceNumber} is a credit note; only invoices are written off`);
  if (compareDates(date!, invoice.issueDate) < 0) throw new ValidationError({ field: '--date', value: date!, reason: `is before the invoice date ${invoice.issueDate}` });
  const room = minimumOpenFrom(invoice.total, await store.invoices.allocations(invoiceNumber), date!);
  const amount = input.amount === undefined ? room : parseMoney(input.amount, invoice.currency, '--amount');
  if (input.amount !== undefined && !isPositive(amount)) throw new ValidationError({ field: '--amount', value: input.amount, reason: 'must be greater than zero' });
  if (room.minor <= 0) throw new RefusedError(`${invoiceNumber} has nothing open from ${date}; nothing to write off`);
  if (amount.minor > room.minor) {
    throw new RefusedError(`${invoiceNumber} has ${formatMoney(room)} ${invoice.currency} open from ${date}; cannot write off ${formatMoney(amount)}`);
  }
  const writeOff: WriteOff = { number: await nextDocumentNumber(store, 'WO', date!), invoice: invoiceNumber, date: date!, amount, reason };
  await store.allocations.insertWriteOff(writeOff, actor.now, actor.user);
  await store.invoices.allocate(
    { invoice: invoiceNumber, sourceKind: 'write_off', sourceNumber: writeOff.number, amount, date: date!, batch: null, note: reason, rule: null },
    actor.now,
    actor.user,
  );
  await store.audit.record({ entity: 'invoice', key: invoiceNumber, action: 'write-off', detail: { write_off: writeOff.number, amount: toDecimalString(amount), currency: amount.currency, reason } });
  return writeOff;
}
