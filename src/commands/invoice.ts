import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { amountOption, collect, dateOption } from '../cli/options.js';
import { emitCreated, emitListing, emitListingStream, note, writeResult } from '../cli/output.js';
import { renderJson, renderTable, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { NotFoundError, RefusedError, UsageError } from '../domain/errors.js';
import { issueCreditNote } from '../domain/invoicing/credit-note.js';
import { daysOverdue, invoiceStatus, type Invoice, type InvoiceStatus, type Settlement } from '../domain/invoicing/invoice.js';
import { invoiceDirect, invoiceOrder } from '../domain/invoicing/issue-invoice.js';
import { formatMoney } from '../domain/money/index.js';
import { writeOffInvoice } from '../domain/receivables/write-off.js';
import type { InvoiceHeader } from '../domain/store.js';

const STATUSES = ['open', 'overdue', 'partially-paid', 'paid', 'written-off', 'credited'] as const;

const LIST_COLUMNS: Listing['columns'] = [
  { key: 'number', header: 'Number' },
  { key: 'kind', header: 'Kind' },
  { key: 'customer', header: 'Customer' },
  { key: 'name', header: 'Name' },
  { key: 'issue_date', header: 'Issued', kind: 'date' },
  { key: 'due_date', header: 'Due', kind: 'date' },
  { key: 'currency', header: 'Cur' },
  { key: 'total', header: 'Total', kind: 'money' },
  { key: 'open', header: 'Open', kind: 'money' },
  { key: 'status', header: 'Status' },
  { key: 'days_overdue', header: 'Days over', kind: 'integer' },
];

const LINE_COLUMNS: Listing['columns'] = [
  { key: 'line', header: '#', kind: 'integer' },
  { key: 'sku', header: 'SKU' },
  { key: 'description', header: 'Description' },
  { key: 'quantity', header: 'Qty', kind: 'quantity' },
  { key: 'unit_price', header: 'Price', kind: 'money' },
  { key: 'tax_rate', header: 'VAT %', kind: 'percent' },
  { key: 'net', header: 'Net', kind: 'money' },
  { key: 'tax', header: 'Tax', kind: 'money' },
];

function statusOf(invoice: InvoiceHeader, s: Settlement, asOf: string): InvoiceStatus | 'open credit' | 'applied' {
  if (invoice.kind === 'credit_note') return s.open.minor === 0 ? 'applied' : 'open credit';
  return invoiceStatus(invoice, s, asOf);
}

function listRow(invoice: InvoiceHeader, s: Settlement, asOf: string) {
  return {
    number: invoice.number,
    kind: invoice.kind === 'invoice' ? 'invoice' : 'credit note',
    customer: invoice.customer,
    name: invoice.customerName,
    issue_date: invoice.issueDate,
    due_date: invoice.dueDate,
    currency: invoice.currency,
    total: invoice.total,
    open: s.open,
    status: statusOf(invoice, s, asOf),
    days_overdue: invoice.kind === 'invoice' && s.open.minor > 0 ? daysOverdue(invoice.dueDate, asOf) : 0,
  };
}

export function invoiceListing(found: readonly { invoice: InvoiceHeader; settlement: Settlement }[], asOf: string): Listing {
  return { columns: LIST_COLUMNS, rows: found.map(({ invoice, settlement }) => listRow(invoice, settlement, asOf)) };
}

function emitInvoice(rt: Runtime, invoice: Invoice, s: Settlement): void {
  const lines = invoice.lines.map((l) => ({
    line: l.lineNo,
    sku: l.sku,
    description: l.description,
    quantity: l.quantity,
    unit_price: l.unitPrice,
    tax_rate: l.taxRate,
    net: l.net,
    tax: l.tax,
  }));
  const base = listRow(invoice, s, rt.today);
  if (rt.format === 'json') {
    writeResult(rt, renderJson({
      number: invoice.number,
      kind: invoice.kind,
      customer: invoice.customer,
      name: invoice.customerName,
      order: invoice.order,
      credit_of: invoice.creditOf,
      issue_date: invoice.issueDate,
      due_date: invoice.dueDate,
      currency: invoice.currency,
      net: invoice.net,
      tax: invoice.tax,
      total: invoice.total,
      open: s.open,
      paid: s.paid,
      credited: s.credited,
      written_off: s.writtenOff,
      status: base.status,
      days_overdue: base.days_overdue,
      tax_inclusive: invoice.taxInclusive,
      reason: invoice.reason,
      lines,
    }));
    return;
  }
  if (rt.format === 'csv') {
    emitListing(rt, { columns: LINE_COLUMNS, rows: lines });
    return;
  }
  const m = formatMoney;
  const head = [
    `${invoice.kind === 'invoice' ? 'Invoice' : 'Credit note'} ${invoice.number}  ${invoice.customer} ${invoice.customerName}`,
    `issued ${invoice.issueDate}${invoice.kind === 'invoice' ? `  due ${invoice.dueDate}` : ''}${invoice.order ? `  order ${invoice.order}` : ''}${invoice.creditOf ? `  credits ${invoice.creditOf}` : ''}`,
    invoice.reason ? `reason: ${invoice.reason}` : null,
  ].filter((x): x is string => x !== null);
  const footer = [
    `net ${m(invoice.net)}  tax ${m(invoice.tax)}  total ${m(invoice.total)} ${invoice.currency}`,
    invoice.kind === 'invoice'
      ? `paid ${m(s.paid)}  credited ${m(s.credited)}  written off ${m(s.writtenOff)}  open ${m(s.open)}  — ${base.status}${base.days_overdue > 0 ? `, ${base.days_overdue} days overdue` : ''}`
      : `applied ${m(s.credited)}  unapplied ${m(s.open)}`,
  ];
  writeResult(rt, `${head.join('\n')}\n\n${renderTable({ columns: LINE_COLUMNS, rows: lines, footer }, { color: rt.color })}`);
}

export function registerInvoice(program: Command, io: Io): void {
  const invoice = program.command('invoice').description('invoices and credit notes: issue, credit, list, show')
    .addHelpText('after', `\nExamples:\n  $ owed invoice issue --order SO-2026-000001\n  $ owed invoice list --status overdue\n  $ owed invoice credit INV-2026-000001 --amount 100 --reason "price adjustment"`);

  invoice
    .command('issue')
    .description('invoice an order’s shipped goods (--order), or bill a customer directly (--customer --line)')
    .option('--order <order>', 'invoice what this order shipped and has not invoiced yet')
    .option('--customer <code>', 'bill this customer directly (services, fees; no stock)')
    .option('--line <SKU:QTY[:PRICE]>', 'a line of a direct invoice; repeat for more', collect)
    .option('--date <YYYY-MM-DD>', 'issue date (default: today)', dateOption)
    .option('--due <YYYY-MM-DD>', 'due date (default: from the customer’s payment terms)', dateOption)
    .option('--tax-inclusive', 'direct invoice prices include VAT (default: the tax.prices_include_tax setting)')
    .option('--no-tax-inclusive', 'direct invoice prices exclude VAT')
    .addHelpText('after', `
Examples:
  $ owed invoice issue --order SO-2026-000001
  $ owed invoice issue --customer C001 --line S-INSTALL:2 --due 2026-12-31`)
    .action(action<{ order?: string; customer?: string; line?: string[]; date?: string; due?: string; taxInclusive?: boolean }>(io, async (rt, _args, o) => {
      if ((o.order === undefined) === (o.customer === undefined)) {
        throw new UsageError('give either --order SO or --customer C with --line', 'for example: owed invoice issue --order SO-2026-000001');
      }
      if (o.order !== undefined && (o.line ?? []).length > 0) throw new UsageError('--line goes with --customer; an order is invoiced from what it shipped');
      const dates = { ...(o.date !== undefined ? { date: o.date } : {}), ...(o.due !== undefined ? { due: o.due } : {}) };
      const issued = await withBook(rt, (store, actor) =>
        o.order !== undefined
          ? invoiceOrder(store, actor, o.order, dates)
          : invoiceDirect(store, actor, { customer: o.customer!, lines: o.line ?? [], ...dates, ...(o.taxInclusive !== undefined ? { taxInclusive: o.taxInclusive } : {}) }));
      emitCreated(rt, 'number', issued.number, {
        net: formatMoney(issued.net, { grouping: false }),
        tax: formatMoney(issued.tax, { grouping: false }),
        total: formatMoney(issued.total, { grouping: false }),
        currency: issued.currency,
        due_date: issued.dueDate,
      });
      note(rt, `issued ${issued.number} to ${issued.customer}: net ${formatMoney(issued.net)} + tax ${formatMoney(issued.tax)} = ${formatMoney(issued.total)} ${issued.currency}, due ${issued.dueDate}`);
    }));

  invoice
    .command('credit')
    .description('issue a credit note (CN-…) against an invoice, never above what it has open')
    .argument('<invoice>', 'invoice number')
    .option('--amount <amount>', 'gross amount to credit, split over the invoice’s VAT rates', amountOption)
    .option('--line <SKU:QTY>', 'credit this quantity at the invoice’s price; repeat', collect)
    .option('--reason <text>', 'why (required)')
    .option('--date <YYYY-MM-DD>', 'credit note date (default: today)', dateOption)
    .option('--restock', 'the goods came back: return them to stock (with --line)')
    .addHelpText('after', `
Examples:
  $ owed invoice credit INV-2026-000001 --line P-1001:1 --reason "returned, damaged" --restock
  $ owed invoice credit INV-2026-000001 --amount 100 --reason "price adjustment"`)
    .action(action<{ amount?: string; line?: string[]; reason?: string; date?: string; restock?: boolean }>(io, async (rt, args, o) => {
      const issued = await withBook(rt, (store, actor) =>
        issueCreditNote(store, actor, args[0]!, {
          ...(o.amount !== undefined ? { amount: o.amount } : {}),
          ...(o.line !== undefined ? { lines: o.line } : {}),
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
          ...(o.date !== undefined ? { date: o.date } : {}),
          ...(o.restock ? { restock: true } : {}),
        }));
      emitCreated(rt, 'number', issued.number, {
        credits: issued.creditOf,
        net: formatMoney(issued.net, { grouping: false }),
        tax: formatMoney(issued.tax, { grouping: false }),
        total: formatMoney(issued.total, { grouping: false }),
        currency: issued.currency,
      });
      note(rt, `issued ${issued.number} against ${issued.creditOf}: ${formatMoney(issued.total)} ${issued.currency}${issued.restocked ? ', goods back in stock' : ''}`);
    }));

  invoice
    .command('list')
    .description('invoices and credit notes with what is open, status and days overdue (as of --today)')
    .option('--customer <code>', 'only this customer')
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--from <YYYY-MM-DD>', 'issued on or after', dateOption)
    .option('--to <YYYY-MM-DD>', 'issued on or before', dateOption)
    .addHelpText('after', `
Examples:
  $ owed invoice list --status overdue
  $ owed invoice list --customer C001 --from 2026-01-01 --json`)
    .action(action<{ customer?: string; status?: string; from?: string; to?: string }>(io, async (rt, _args, o) => {
      if (o.status !== undefined && !(STATUSES as readonly string[]).includes(o.status)) {
        throw new UsageError(`unknown status "${o.status}"`, `use one of ${STATUSES.join(', ')}`);
      }
      const wanted = o.status?.replace(/-/g, ' ');
      const filter = {
        ...(o.customer !== undefined ? { customer: o.customer } : {}),
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
        ...(o.status !== undefined ? { kind: 'invoice' as const } : {}),
      };
      await readBook(rt, (store) => emitListingStream(rt, { columns: LIST_COLUMNS }, async function* () {
        for await (const found of store.invoices.stream(filter, rt.today)) {
          yield found
            .map(({ invoice: i, settlement }) => listRow(i, settlement, rt.today))
            .filter((r) => wanted === undefined || r.status === wanted || (wanted === 'open' && r.status !== 'paid' && r.status !== 'written off' && r.status !== 'credited'));
        }
      }));
    }));

  invoice
    .command('write-off')
    .description('write off bad debt (坏账核销): a dated WO-… document, kept apart from payments')
    .argument('<invoice>', 'invoice number')
    .option('--amount <amount>', 'how much (default: all that is open)', amountOption)
    .option('--reason <text>', 'why (required)')
    .option('--date <YYYY-MM-DD>', 'date of the write-off (default: today)', dateOption)
    .addHelpText('after', `
Example:
  $ owed invoice write-off INV-2026-000004 --reason "customer insolvent, court ruling 2026-11"`)
    .action(action<{ amount?: string; reason?: string; date?: string }>(io, async (rt, args, o) => {
      const w = await withBook(rt, (store, actor) =>
        writeOffInvoice(store, actor, args[0]!, {
          ...(o.amount !== undefined ? { amount: o.amount } : {}),
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
          ...(o.date !== undefined ? { date: o.date } : {}),
        }));
      emitCreated(rt, 'number', w.number, { invoice: w.invoice, amount: formatMoney(w.amount, { grouping: false }), currency: w.amount.currency });
      note(rt, `wrote off ${formatMoney(w.amount)} ${w.amount.currency} of ${w.invoice} as ${w.number}`);
    }));

  for (const verb of ['edit', 'delete'] as const) {
    invoice
      .command(verb)
      .description(`refused: issued invoices and credit notes are immutable`)
      .argument('<number>', 'INV-… or CN-…')
      .allowUnknownOption()
      .allowExcessArguments()
      .addHelpText('after', `
Issued documents are never ${verb === 'edit' ? 'edited' : 'deleted'}; correct an invoice with a credit note.
Example:
  $ owed invoice credit INV-2026-000001 --amount 100 --reason "price corrected"`)
      .action(action(io, async (rt, args) => {
        const found = await readBook(rt, (store) => store.invoices.find(args[0]!));
        if (!found) throw new NotFoundError('invoice', args[0]!, 'list invoices with: owed invoice list');
        throw new RefusedError(
          `${found.number} is issued and cannot be ${verb === 'edit' ? 'edited' : 'deleted'}`,
          found.kind === 'invoice'
            ? `issue a credit note instead: owed invoice credit ${found.number} --amount X --reason TEXT (then a new invoice if needed)`
            : 'issue a new invoice to reverse a credit note',
        );
      }));
  }

  invoice
    .command('show')
    .description('an invoice or credit note with its lines and what is open')
    .argument('<number>', 'INV-… or CN-…')
    .addHelpText('after', `
Example:
  $ owed invoice show INV-2026-000001 --json`)
    .action(action(io, async (rt, args) => {
      const result = await readBook(rt, async (store) => {
        const found = await store.invoices.find(args[0]!);
        return found ? { invoice: found, settlement: await store.invoices.settlement(found.number, rt.today) } : undefined;
      });
      if (!result) throw new NotFoundError('invoice', args[0]!, 'list invoices with: owed invoice list');
      emitInvoice(rt, result.invoice, result.settlement);
    }));
}
