import type { Actor } from '../actor.js';
import { compareDates, parseDate } from '../dates.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import { allocate, formatMoney, isPositive, money, parseMoney, type Money, toDecimalString } from '../money/index.js';
import { roundToMinor } from '../money/exact.js';
import { nextDocumentNumber } from '../numbering.js';
import { minimumOpenFrom } from '../receivables/open-amount.js';
import { parseLineSpecs } from '../sales/line-spec.js';
import { documentTotals, lineAmounts } from '../sales/pricing.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import Big from 'big.js';
import type { Invoice, InvoiceLine } from './invoice.js';

export interface CreditNoteInput {
  /** Gross amount to credit, in the invoice's currency. */
  readonly amount?: string;
  /** SKU:QTY to credit at the invoice's price and rate. */
  readonly lines?: readonly string[];
  readonly reason?: string;
  readonly date?: string;
  /** Goods came back: put them into stock again. */
  readonly restock?: boolean;
}

/**
 * Splits a gross amount over the invoice's VAT rates in proportion to their gross, then takes the
 * tax out of each part, so the credit note carries the same rates as the invoice.
 */
function linesForAmount(invoice: Invoice, gross: Money, reason: string): InvoiceLine[] {
  const byRate = new Map<string, number>();
  for (const l of invoice.lines) byRate.set(l.taxRate, (byRate.get(l.taxRate) ?? 0) + l.net.minor + l.tax.minor);
  const rates = [...byRate.keys()];
  const parts = allocate(gross, rates.map((r) => String(byRate.get(r)!)));
  return rates
    .map((rate, i) => {
      const part = parts[i]!;
      const net = roundToMinor(new Big(part.minor).div(new Big(rate).div(100).plus(1)), 'half-up');
      return {
        lineNo: i + 1,
        sku: null,
        description: `Credit: ${reason}`,
        quantity: 1,
        unitPrice: money(net, gross.currency),
        taxRate: rate,
        net: money(net, gross.currency),
        tax: money(part.minor - net, gross.currency),
        orderLineNo: null,
      };
    })
    .filter((l) => l.net.minor + l.tax.minor !== 0);
}

export async function issueCreditNote(store: Store, actor: Actor, invoiceNumber: string, input: CreditNoteInput): Promise<Invoice> {
  requirePermission(actor.user, actor.role, 'finance', 'issue credit notes');
  await store.allocations.lockForAllocation();
  const problems = new Problems();
  const reason = input.reason?.trim() ?? '';
  if (reason === '') problems.add('--reason', undefined, 'is required: say why the invoice is credited');
  const hasAmount = input.amount !== undefined;
  const hasLines = (input.lines ?? []).length > 0;
  if (hasAmount === hasLines) problems.add('--amount / --line', undefined, 'give exactly one: --amount X, or --line SKU:QTY …');
  if (input.restock && !hasLines) problems.add('--restock', undefined, 'needs --line SKU:QTY: say which goods came back');
  const specs = hasLines ? parseLineSpecs(input.lines!, '--line', problems) : [];
  const date = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, '--date'));
  problems.throwIfAny();

  const invoice = await store.invoices.find(invoiceNumber);
  if (!invoice) throw new NotFoundError('invoice', invoiceNumber, 'list invoices with: owed invoice list');
  if (invoice.kind !== 'invoice') throw new RefusedError(`${invoiceNumber} is a credit note; credit the invoice it belongs to`);
  if (input.restock && invoice.order === null) {
    throw new RefusedError(`${invoiceNumber} was billed directly, not shipped from stock; there is nothing to restock`, 'credit it without --restock, and receive returned goods with owed stock receive');
  }
  if (compareDates(date!, invoice.issueDate) < 0) {
    throw new ValidationError({ field: '--date', value: date!, reason: `is before the invoice date ${invoice.issueDate}` });
  }
  await store.invoices.lock(invoiceNumber);

  let lines: InvoiceLine[];
  if (hasAmount) {
    const gross = parseMoney(input.amount!, invoice.currency, '--amount');
    if (!isPositive(gross)) throw new ValidationError({ field: '--amount', value: input.amount!, reason: 'must be greater than zero' });
    lines = linesForAmount(invoice, gross, reason);
  } else {
    // Units already credited are taken from a SKU's invoice lines in order, as they were credited.
    const credited = await store.invoices.creditedQuantities(invoiceNumber);
    const left = new Map<number, number>();
    for (const [sku, qty] of credited) {
      let used = qty;
      for (const l of invoice.lines.filter((x) => x.sku === sku)) {
        const take = Math.min(used, l.quantity);
        left.set(l.lineNo, l.quantity - take);
        used -= take;
      }
    }
    const remaining = (l: InvoiceLine) => left.get(l.lineNo) ?? l.quantity;
    lines = [];
    for (const spec of specs) {
      if (spec.price !== undefined) throw new ValidationError({ field: '--line', value: `${spec.sku}:${spec.quantity}:${spec.price}`, reason: 'a credit line is SKU:QTY; the price is the invoice’s' });
      const sources = invoice.lines.filter((l) => l.sku === spec.sku);
      if (sources.length === 0) throw new RefusedError(`${invoiceNumber} has no line for ${spec.sku}`);
      const available = sources.reduce((n, l) => n + remaining(l), 0);
      if (spec.quantity > available) {
        const invoicedQty = sources.reduce((n, l) => n + l.quantity, 0);
        throw new RefusedError(`cannot credit ${spec.quantity} of ${spec.sku}: ${invoicedQty} invoiced on ${invoiceNumber}, ${invoicedQty - available} already credited`);
      }
      let want = spec.quantity;
      for (const source of sources) {
        const take = Math.min(want, remaining(source));
        if (take <= 0) continue;
        left.set(source.lineNo, remaining(source) - take);
        want -= take;
        lines.push({
          lineNo: lines.length + 1,
          sku: spec.sku,
          description: source.description,
          quantity: take,
          unitPrice: source.unitPrice,
          taxRate: source.taxRate,
          ...lineAmounts(take, source.unitPrice, source.taxRate, invoice.taxInclusive),
          orderLineNo: source.orderLineNo,
        });
        if (want === 0) break;
      }
    }
  }
  const totals = documentTotals(lines, invoice.currency);
  const allocations = await store.invoices.allocations(invoiceNumber);
  const room = minimumOpenFrom(invoice.total, allocations, date!);
  if (totals.total.minor > room.minor) {
    throw new RefusedError(
      `a credit note of ${formatMoney(totals.total)} ${invoice.currency} exceeds what ${invoiceNumber} has open (${formatMoney(room)} ${invoice.currency} from ${date})`,
      'credit at most the open amount; unapply receipts first if the customer is owed a refund',
    );
  }

  const note: Invoice = {
    number: await nextDocumentNumber(store, 'CN', date!),
    kind: 'credit_note',
    customer: invoice.customer,
    customerName: invoice.customerName,
    order: invoice.order,
    creditOf: invoice.number,
    issueDate: date!,
    dueDate: date!,
    currency: invoice.currency,
    ...totals,
    taxInclusive: invoice.taxInclusive,
    reason,
    restocked: Boolean(input.restock),
    externalRef: null,
    createdAt: actor.now,
    createdBy: actor.user,
    lines,
  };
  await store.invoices.insert(note);
  await store.invoices.allocate(
    { invoice: invoice.number, sourceKind: 'credit_note', sourceNumber: note.number, amount: note.total, date: note.issueDate, batch: null, note: reason },
    actor.now,
    actor.user,
  );
  if (input.restock) await restock(store, actor, note);
  await store.audit.record({
    entity: 'invoice',
    key: note.number,
    action: 'credit',
    detail: { invoice: invoice.number, total: toDecimalString(note.total), currency: note.currency, reason, restocked: note.restocked },
  });
  return note;
}

async function restock(store: Store, actor: Actor, note: Invoice): Promise<void> {
  const order = note.order === null ? undefined : await store.orders.find(note.order);
  const returned = new Map(order?.lines.map((l) => [l.lineNo, l.returned]) ?? []);
  for (const line of note.lines) {
    if (line.sku === null) continue;
    const product = await store.products.find(line.sku);
    if (!product?.stocked) continue;
    await store.stock.move({ sku: line.sku, date: note.issueDate, quantity: line.quantity, kind: 'return', reference: `${note.number}/${line.lineNo}`, reason: note.reason }, actor.now);
    if (order && line.orderLineNo !== null && returned.has(line.orderLineNo)) {
      const total = returned.get(line.orderLineNo)! + line.quantity;
      returned.set(line.orderLineNo, total);
      await store.orders.setLineQuantities(order.number, line.orderLineNo, { returned: total });
    }
  }
}
