import { toDecimalString } from '../money/index.js';
import type { Actor } from '../actor.js';
import { compareDates, parseDate, type IsoDate } from '../dates.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import { nextDocumentNumber } from '../numbering.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Customer } from '../customers/customer.js';
import { parseLineSpecs } from '../sales/line-spec.js';
import { priceLines } from '../sales/price-lines.js';
import { documentTotals, lineAmounts } from '../sales/pricing.js';
import type { Store } from '../store.js';
import { dueDate, findTerm } from '../terms.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import type { Invoice, InvoiceLine } from './invoice.js';

export interface InvoiceDates {
  readonly date?: string;
  readonly due?: string;
}

function resolveDates(actor: Actor, input: InvoiceDates, problems: Problems): { issue: IsoDate | undefined; due: IsoDate | undefined } {
  const issue = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, '--date'));
  const due = input.due === undefined ? undefined : problems.check(() => parseDate(input.due!, '--due'));
  if (issue !== undefined && due !== undefined && compareDates(due, issue) < 0) {
    problems.add('--due', input.due, `is before the issue date ${issue}`);
  }
  return { issue, due };
}

async function dueFor(store: Store, customer: Customer, issue: IsoDate, explicit: IsoDate | undefined): Promise<IsoDate> {
  if (explicit !== undefined) return explicit;
  const settings = await loadSettings(store);
  return dueDate(issue, findTerm(customer.terms, settings.terms));
}

async function issue(store: Store, actor: Actor, draft: Omit<Invoice, 'number' | 'createdAt' | 'createdBy'>): Promise<Invoice> {
  const invoice: Invoice = {
    ...draft,
    number: await nextDocumentNumber(store, 'INV', draft.issueDate),
    createdAt: actor.now,
    createdBy: actor.user,
  };
  await store.invoices.insert(invoice);
  await store.audit.record({
    entity: 'invoice',
    key: invoice.number,
    action: 'issue',
    detail: { customer: invoice.customer, order: invoice.order, total: toDecimalString(invoice.total), net: toDecimalString(invoice.net), tax: toDecimalString(invoice.tax), currency: invoice.currency },
  });
  return invoice;
}

/** Invoices what the order has shipped and not yet invoiced, at the order's prices and rates. */
export async function invoiceOrder(store: Store, actor: Actor, orderNumber: string, input: InvoiceDates): Promise<Invoice> {
  requirePermission(actor.user, actor.role, 'finance', 'issue invoices');
  const problems = new Problems();
  const dates = resolveDates(actor, input, problems);
  problems.throwIfAny();
  const order = await store.orders.find(orderNumber);
  if (!order) throw new NotFoundError('order', orderNumber, 'list orders with: owed order list');
  if (order.state !== 'approved') throw new RefusedError(`order ${orderNumber} is ${order.state}; only an approved order is invoiced`);
  if (compareDates(dates.issue!, order.date) < 0) {
    throw new ValidationError({ field: '--date', value: dates.issue!, reason: `is before the order date ${order.date}` });
  }
  const lines: InvoiceLine[] = [];
  for (const line of order.lines) {
    const quantity = line.shipped - line.invoiced;
    if (quantity <= 0) continue;
    const amounts = lineAmounts(quantity, line.unitPrice, line.taxRate, order.taxInclusive);
    lines.push({
      lineNo: lines.length + 1,
      sku: line.sku,
      description: line.description,
      quantity,
      unitPrice: line.unitPrice,
      taxRate: line.taxRate,
      ...amounts,
      orderLineNo: line.lineNo,
    });
  }
  if (lines.length === 0) {
    throw new RefusedError(`order ${orderNumber} has nothing shipped and not yet invoiced`, `ship first: owed order ship ${orderNumber}`);
  }
  const customer = (await store.customers.find(order.customer))!;
  const invoice = await issue(store, actor, {
    kind: 'invoice',
    customer: customer.code,
    customerName: customer.name,
    order: order.number,
    creditOf: null,
    issueDate: dates.issue!,
    dueDate: await dueFor(store, customer, dates.issue!, dates.due),
    currency: order.currency,
    ...documentTotals(lines, order.currency),
    taxInclusive: order.taxInclusive,
    reason: null,
    restocked: false,
    externalRef: null,
    lines,
  });
  for (const line of lines) {
    const orderLine = order.lines.find((l) => l.lineNo === line.orderLineNo)!;
    await store.orders.setLineQuantities(order.number, orderLine.lineNo, { invoiced: orderLine.invoiced + line.quantity });
  }
  return invoice;
}

export interface DirectInvoiceInput extends InvoiceDates {
  readonly customer: string;
  readonly lines: readonly string[];
  readonly taxInclusive?: boolean;
}

/** An invoice without an order (services, fees): no stock moves. */
export async function invoiceDirect(store: Store, actor: Actor, input: DirectInvoiceInput): Promise<Invoice> {
  requirePermission(actor.user, actor.role, 'finance', 'issue invoices');
  const problems = new Problems();
  const specs = parseLineSpecs(input.lines, '--line', problems);
  if (input.lines.length === 0) problems.add('--line', undefined, 'at least one line is required: --line SKU:QTY[:PRICE]');
  const dates = resolveDates(actor, input, problems);
  problems.throwIfAny();
  const customer = await store.customers.find(input.customer);
  if (!customer) throw new NotFoundError('customer', input.customer, 'list customers with: owed customer list');
  const taxInclusive = input.taxInclusive ?? (await loadSettings(store)).pricesIncludeTax;
  const priced = await priceLines(store, specs, customer.currency, taxInclusive);
  const lines: InvoiceLine[] = priced.map((l) => ({
    lineNo: l.lineNo,
    sku: l.product.sku,
    description: l.product.name,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    taxRate: l.product.taxRate,
    net: l.net,
    tax: l.tax,
    orderLineNo: null,
  }));
  return issue(store, actor, {
    kind: 'invoice',
    customer: customer.code,
    customerName: customer.name,
    order: null,
    creditOf: null,
    issueDate: dates.issue!,
    dueDate: await dueFor(store, customer, dates.issue!, dates.due),
    currency: customer.currency,
    ...documentTotals(lines, customer.currency),
    taxInclusive,
    reason: null,
    restocked: false,
    externalRef: null,
    lines,
  });
}
