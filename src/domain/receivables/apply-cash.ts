import { compareDates, maxDate, type IsoDate } from '../dates.js';
import { InvariantError, NotFoundError, RefusedError, ValidationError } from '../errors.js';
import { formatMoney, isPositive, money, type Money } from '../money/index.js';
import type { Store } from '../store.js';
import { minimumOpenFrom } from './open-amount.js';

export interface CashApplication {
  readonly receipt: string;
  readonly invoice: string;
  readonly amount: Money;
  /** Default: the later of the receipt's and the invoice's date. */
  readonly date?: IsoDate;
  readonly batch: string;
  readonly rule: string | null;
  readonly note: string | null;
  /** A difference closed as a discount or bank fee: reduces the invoice, not the receipt. */
  readonly adjustment?: Money;
}

/**
 * Applies receipt cash to an invoice, checked under lock: the receipt never applies more than it
 * has, the invoice never goes below zero on any day from the allocation's date on, and both
 * belong to the same customer and currency. Two processes reconciling at once queue on the locks.
 */
export async function applyCash(store: Store, at: string, by: string, app: CashApplication): Promise<IsoDate> {
  await store.receipts.lock(app.receipt);
  await store.invoices.lock(app.invoice);
  const receipt = await store.receipts.find(app.receipt);
  if (!receipt) throw new NotFoundError('receipt', app.receipt, 'list receipts with: owed receipt list');
  const invoice = await store.invoices.find(app.invoice);
  if (!invoice) throw new NotFoundError('invoice', app.invoice, 'list invoices with: owed invoice list');
  const f = (m: Money) => `${formatMoney(m)} ${m.currency}`;

  if (invoice.kind !== 'invoice') throw new RefusedError(`${invoice.number} is a credit note; cash is applied to invoices`);
  if (receipt.reversal) throw new RefusedError(`${receipt.number} was reversed on ${receipt.reversal.date}; it has no cash to apply`);
  if (receipt.customer === null) {
    throw new RefusedError(`${receipt.number} is unidentified cash`, `attach it to its customer first: owed receipt assign ${receipt.number} CUSTOMER`);
  }
  if (receipt.customer !== invoice.customer) {
    throw new RefusedError(`${receipt.number} is from ${receipt.customer}, but ${invoice.number} belongs to ${invoice.customer}`);
  }
  if (receipt.amount.currency !== invoice.currency) {
    throw new RefusedError(`${receipt.number} is in ${receipt.amount.currency}, ${invoice.number} in ${invoice.currency}`);
  }
  if (!isPositive(app.amount)) throw new ValidationError({ field: 'amount', value: formatMoney(app.amount), reason: 'must be greater than zero' });
  const earliest = maxDate(receipt.date, invoice.issueDate);
  if (app.date !== undefined && compareDates(app.date, earliest) < 0) {
    throw new ValidationError({ field: '--date', value: app.date, reason: `is before ${earliest}, the later of the receipt's and the invoice's date` });
  }
  const receiptAllocations = (await store.allocations.list({ receipt: receipt.number }))
    .filter((a) => a.sourceKind === 'receipt')
    .map((a) => ({ date: a.date, amount: a.amount }));
  const invoiceAllocations = await store.invoices.allocations(invoice.number);
  const reduces = app.amount.minor + (app.adjustment?.minor ?? 0);
  const fits = (d: IsoDate) =>
    app.amount.minor <= minimumOpenFrom(receipt.amount, receiptAllocations, d).minor
    && reduces <= minimumOpenFrom(invoice.total, invoiceAllocations, d).minor;
  // Without a date: the earliest day from which both sides stay free, e.g. after an undo.
  const candidates = app.date !== undefined
    ? [app.date]
    : [earliest, ...[...receiptAllocations, ...invoiceAllocations].map((a) => a.date).filter((d) => compareDates(d, earliest) > 0).sort()];
  const date = candidates.find(fits);
  if (date === undefined) {
    const on = candidates[candidates.length - 1]!;
    const cashLeft = minimumOpenFrom(receipt.amount, receiptAllocations, on);
    if (app.amount.minor > cashLeft.minor) {
      throw new RefusedError(`${receipt.number} has ${f(cashLeft)} unapplied from ${on}; cannot apply ${f(app.amount)}`);
    }
    const room = minimumOpenFrom(invoice.total, invoiceAllocations, on);
    throw new RefusedError(`${invoice.number} has ${f(room)} open from ${on}; cannot apply ${f(money(reduces, invoice.currency))}`);
  }

  await store.invoices.allocate(
    { invoice: invoice.number, sourceKind: 'receipt', sourceNumber: receipt.number, amount: app.amount, date, batch: app.batch, note: app.note, rule: app.rule },
    at,
    by,
  );
  if (app.adjustment && isPositive(app.adjustment)) {
    await store.invoices.allocate(
      { invoice: invoice.number, sourceKind: 'adjustment', sourceNumber: receipt.number, amount: app.adjustment, date, batch: app.batch, note: 'discount / bank fee within tolerance', rule: app.rule },
      at,
      by,
    );
  }
  // Asserted, not hoped: the stored state must agree with the checks above.
  const after = await store.invoices.settlement(invoice.number, date);
  if (after.open.minor < 0) throw new InvariantError(`${invoice.number} open below zero after allocation`);
  return date;
}
