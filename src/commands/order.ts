import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { collect, dateOption } from '../cli/options.js';
import { emitCreated, emitListing, note, writeResult } from '../cli/output.js';
import { formatMoney } from '../domain/money/index.js';
import { renderJson, renderTable, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { NotFoundError, UsageError } from '../domain/errors.js';
import { approveOrder } from '../domain/sales/approve-order.js';
import { cancelOrder } from '../domain/sales/cancel-order.js';
import { createOrder } from '../domain/sales/create-order.js';
import { ORDER_STATUSES, orderStatus, type Order, type OrderStatus } from '../domain/sales/order.js';
import { shipOrder } from '../domain/sales/ship-order.js';
import { promptOrder } from './order-prompt.js';

const LIST_COLUMNS: Listing['columns'] = [
  { key: 'number', header: 'Order' },
  { key: 'date', header: 'Date', kind: 'date' },
  { key: 'customer', header: 'Customer' },
  { key: 'name', header: 'Name' },
  { key: 'status', header: 'Status' },
  { key: 'currency', header: 'Cur' },
  { key: 'net', header: 'Net', kind: 'money' },
  { key: 'tax', header: 'Tax', kind: 'money' },
  { key: 'total', header: 'Total', kind: 'money' },
  { key: 'reference', header: 'Ref' },
];

const LINE_COLUMNS: Listing['columns'] = [
  { key: 'line', header: '#', kind: 'integer' },
  { key: 'sku', header: 'SKU' },
  { key: 'description', header: 'Description' },
  { key: 'quantity', header: 'Ordered', kind: 'quantity' },
  { key: 'shipped', header: 'Shipped', kind: 'quantity' },
  { key: 'invoiced', header: 'Invoiced', kind: 'quantity' },
  { key: 'reserved', header: 'Reserved', kind: 'quantity' },
  { key: 'returned', header: 'Returned', kind: 'quantity' },
  { key: 'unit_price', header: 'Price', kind: 'money' },
  { key: 'tax_rate', header: 'VAT %', kind: 'percent' },
  { key: 'net', header: 'Net', kind: 'money' },
  { key: 'tax', header: 'Tax', kind: 'money' },
];

function orderRow(o: Order) {
  return {
    number: o.number,
    date: o.date,
    customer: o.customer,
    name: o.customerName,
    status: orderStatus(o),
    currency: o.currency,
    net: o.net,
    tax: o.tax,
    total: o.total,
    reference: o.reference,
  };
}

function lineRows(o: Order) {
  return o.lines.map((l) => ({
    line: l.lineNo,
    sku: l.sku,
    description: l.description,
    quantity: l.quantity,
    shipped: l.shipped,
    invoiced: l.invoiced,
    reserved: l.reserved,
    returned: l.returned,
    unit_price: l.unitPrice,
    tax_rate: l.taxRate,
    net: l.net,
    tax: l.tax,
  }));
}

export function emitOrder(rt: Runtime, o: Order): void {
  const json = {
    ...orderRow(o),
    tax_inclusive: o.taxInclusive,
    approved_by: o.approvedBy,
    override_reason: o.overrideReason,
    cancel_reason: o.cancelReason,
    lines: lineRows(o),
  };
  if (rt.format === 'json') {
    writeResult(rt, renderJson(json));
    return;
  }
  if (rt.format === 'csv') {
    emitListing(rt, { columns: LINE_COLUMNS, rows: lineRows(o) });
    return;
  }
  const m = (x: Order['total']) => formatMoney(x);
  const header = [
    `${o.number}  ${o.date}  ${o.customer} ${o.customerName}  ${orderStatus(o)}${o.reference ? `  ref ${o.reference}` : ''}`,
    o.overrideReason ? `approved over the credit check by ${o.approvedBy}: ${o.overrideReason}` : null,
    o.cancelReason ? `cancelled: ${o.cancelReason}` : null,
  ].filter((x): x is string => x !== null);
  writeResult(rt, `${header.join('\n')}\n\n${renderTable({
    columns: LINE_COLUMNS,
    rows: lineRows(o),
    footer: [`net ${m(o.net)}  tax ${m(o.tax)}  total ${m(o.total)} ${o.currency}${o.taxInclusive ? '  (prices include tax)' : ''}`],
  }, { color: rt.color })}`);
}

export function orderListing(orders: readonly Order[]): Listing {
  return { columns: LIST_COLUMNS, rows: orders.map(orderRow) };
}

function statusOption(value: string): OrderStatus {
  const v = value.replace(/-/g, ' ');
  if ((ORDER_STATUSES as readonly string[]).includes(v)) return v as OrderStatus;
  throw new UsageError(`unknown status "${value}"`, `use one of ${ORDER_STATUSES.map((s) => s.replace(/ /g, '-')).join(', ')}`);
}

export function registerOrder(program: Command, io: Io): void {
  const order = program.command('order').description('sales orders: create, approve (credit check, stock), ship, cancel')
    .addHelpText('after', `\nExamples:\n  $ owed order create --customer C001 --line P-1001:5\n  $ owed order approve SO-2026-000001\n  $ owed order ship SO-2026-000001 --line P-1001:2`);

  order
    .command('create')
    .description('create a draft order; on a terminal with no --line it walks you through it')
    .option('--customer <code>', 'customer code')
    .option('--line <SKU:QTY[:PRICE]>', 'a line; repeat for more (price in the customer’s currency, default the list price)', collect)
    .option('--date <YYYY-MM-DD>', 'order date (default: today)', dateOption)
    .option('--ref <text>', 'the customer’s purchase order number')
    .option('--tax-inclusive', 'prices include VAT (default: the tax.prices_include_tax setting)')
    .option('--no-tax-inclusive', 'prices exclude VAT')
    .addHelpText('after', `
Examples:
  $ owed order create --customer C001 --line P-1001:5 --line P-2002:10:9.80 --ref PO-88341
  $ owed order create            # on a terminal: pick the customer and lines interactively`)
    .action(action<{ customer?: string; line?: string[]; date?: string; ref?: string; taxInclusive?: boolean }>(io, async (rt, _args, o) => {
      let customer = o.customer;
      let lines = o.line ?? [];
      if (customer === undefined || lines.length === 0) {
        if (!rt.interactive) {
          const missing = [customer === undefined ? '--customer' : null, lines.length === 0 ? '--line' : null].filter(Boolean);
          throw new UsageError(`missing required ${missing.join(', ')}`, 'for example: owed order create --customer C001 --line P-1001:5');
        }
        ({ customer, lines } = await promptOrder(rt, customer, lines, Boolean(o.taxInclusive)));
      }
      const created = await withBook(rt, (store, actor) =>
        createOrder(store, actor, {
          customer: customer!,
          lines,
          ...(o.date !== undefined ? { date: o.date } : {}),
          ...(o.ref !== undefined ? { reference: o.ref } : {}),
          ...(o.taxInclusive !== undefined ? { taxInclusive: o.taxInclusive } : {}),
        }));
      emitCreated(rt, 'number', created.number, { total: formatMoney(created.total, { grouping: false }), currency: created.currency });
      note(rt, `draft ${created.number} for ${created.customer}: total ${formatMoney(created.total)} ${created.currency}; approve with: owed order approve ${created.number}`);
    }));

  order
    .command('approve')
    .description('approve a draft: credit check and stock reservation')
    .argument('<order>', 'order number, e.g. SO-2026-000001')
    .option('--override', 'approve although the credit check refuses (finance or admin)')
    .option('--reason <text>', 'why the credit check is overridden (required with --override)')
    .addHelpText('after', `
The credit check: exposure = open receivables (net of unapplied cash) + approved orders not yet
invoiced + this order, gross of tax, must not exceed the credit limit; no invoice may be overdue
by more than credit.block_overdue_days; the customer must not be on credit hold.
Examples:
  $ owed order approve SO-2026-000001
  $ owed order approve SO-2026-000002 --override --reason "CFO approved, payment promised 12-05"`)
    .action(action<{ override?: boolean; reason?: string }>(io, async (rt, args, o) => {
      const result = await withBook(rt, (store, actor) =>
        approveOrder(store, actor, args[0]!, { ...(o.override ? { override: true } : {}), ...(o.reason !== undefined ? { reason: o.reason } : {}) }));
      emitCreated(rt, 'number', result.order.number, {
        status: orderStatus(result.order),
        overridden: result.overridden,
        exposure: formatMoney(result.credit.exposure, { grouping: false }),
        limit: result.credit.limit === null ? null : formatMoney(result.credit.limit, { grouping: false }),
        currency: result.order.currency,
      });
      const c = result.credit;
      note(rt, `approved ${result.order.number}${result.overridden ? ' over the credit check' : ''}: exposure ${formatMoney(c.exposure)} of limit ${c.limit === null ? 'none' : formatMoney(c.limit)} ${result.order.currency}`);
    }));

  order
    .command('ship')
    .description('ship all or part of an approved order (SH-… number)')
    .argument('<order>', 'order number')
    .option('--line <SKU:QTY>', 'ship this much of a SKU; repeat; none ships everything left', collect)
    .option('--date <YYYY-MM-DD>', 'shipping date (default: today)', dateOption)
    .addHelpText('after', `
Examples:
  $ owed order ship SO-2026-000001 --line P-1001:3
  $ owed order ship SO-2026-000001          # the rest`)
    .action(action<{ line?: string[]; date?: string }>(io, async (rt, args, o) => {
      const result = await withBook(rt, (store, actor) =>
        shipOrder(store, actor, args[0]!, { lines: o.line ?? [], ...(o.date !== undefined ? { date: o.date } : {}) }));
      emitCreated(rt, 'number', result.shipment.number, { order: result.order.number, status: orderStatus(result.order) });
      note(rt, `shipped ${result.shipment.lines.reduce((n, l) => n + l.quantity, 0)} units on ${result.shipment.number}; ${result.order.number} is ${orderStatus(result.order)}`);
    }));

  order
    .command('cancel')
    .description('cancel an order and release its stock reservation')
    .argument('<order>', 'order number')
    .option('--reason <text>', 'why (required)')
    .addHelpText('after', `
Example:
  $ owed order cancel SO-2026-000003 --reason "customer withdrew"`)
    .action(action<{ reason?: string }>(io, async (rt, args, o) => {
      const cancelled = await withBook(rt, (store, actor) => cancelOrder(store, actor, args[0]!, o.reason));
      emitCreated(rt, 'number', cancelled.number, { status: 'cancelled' });
      note(rt, `cancelled ${cancelled.number}`);
    }));

  order
    .command('list')
    .description('orders with their status')
    .option('--status <status>', `only this status: ${ORDER_STATUSES.map((s) => s.replace(/ /g, '-')).join(', ')}`, statusOption)
    .option('--customer <code>', 'only this customer')
    .addHelpText('after', `
Example:
  $ owed order list --status partially-shipped --customer C001`)
    .action(action<{ status?: OrderStatus; customer?: string }>(io, async (rt, _args, o) => {
      const orders = await readBook(rt, (store) => store.orders.list(o.customer !== undefined ? { customer: o.customer } : {}));
      const rows = orders.filter((x) => o.status === undefined || orderStatus(x) === o.status).map(orderRow);
      emitListing(rt, { columns: LIST_COLUMNS, rows });
    }));

  order
    .command('show')
    .description('an order with its lines: ordered, shipped, invoiced, reserved')
    .argument('<order>', 'order number')
    .addHelpText('after', `
Example:
  $ owed order show SO-2026-000001 --json`)
    .action(action(io, async (rt, args) => {
      const found = await readBook(rt, (store) => store.orders.find(args[0]!));
      if (!found) throw new NotFoundError('order', args[0]!, 'list orders with: owed order list');
      emitOrder(rt, found);
    }));
}
