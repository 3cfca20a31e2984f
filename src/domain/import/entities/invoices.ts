import type { Customer } from '../../customers/customer.js';
import { compareDates, parseDate } from '../../dates.js';
import { parseMoney } from '../../money/index.js';
import type { Found, ImportedInvoice } from '../../store.js';
import { dueDate, findTerm, type PaymentTerm } from '../../terms.js';
import type { Problem } from '../../errors.js';
import { Problems } from '../../validation.js';
import type { CompanySettings } from '../../settings/company-settings.js';
import { isPlainDate, minorDigitsOf, plainMinor } from '../fast-parse.js';
import { BatchFindings, duplicateKey, fieldProblem, type EntityImporter, type SourceRow } from '../importer.js';

/** As typed in the file; customer-dependent defaults are filled in against the book. */
interface InvoiceRow {
  readonly number: string;
  readonly kind: 'invoice' | 'credit_note';
  readonly customer: string;
  readonly issueDate: string;
  readonly dueDate: string | null;
  readonly currency: string | null;
  readonly total: string;
  readonly net: string | null;
  readonly tax: string | null;
  readonly externalRef: string | null;
}

const COLUMNS = ['number', 'customer', 'issue_date', 'total', 'due_date', 'currency', 'net', 'tax', 'order', 'external_ref', 'kind'];
const NUMBER = /^[\p{L}\p{N}][\p{L}\p{N}._\-/]{0,31}$/u;
const OWED_NUMBER = /^(INV|CN)-(\d{4})-(\d{6})$/;

function same(a: ImportedInvoice, b: ImportedInvoice): boolean {
  return a.kind === b.kind && a.customer === b.customer && a.issueDate === b.issueDate && a.dueDate === b.dueDate && a.currency === b.currency
    && a.total === b.total && a.net === b.net && a.tax === b.tax && (a.externalRef ?? null) === (b.externalRef ?? null);
}

/** Every check of a row on its own, with its messages. */
function prepareThoroughly(row: SourceRow): { key: string; record: InvoiceRow } | Problem[] {
  const problems = new Problems(row.line);
  const f = (k: string) => row.fields.get(k)?.trim() || null;
  const number = f('number') ?? '';
  if (!NUMBER.test(number)) problems.add('number', number, 'must be 1 to 32 letters, digits or . _ - /');
  const customer = f('customer') ?? '';
  if (customer === '') problems.add('customer', customer, 'is required');
  const issue = problems.check(() => parseDate(f('issue_date') ?? '', 'issue_date'));
  const due = f('due_date') === null ? null : problems.check(() => parseDate(f('due_date')!, 'due_date')) ?? null;
  if (issue && due && compareDates(due, issue) < 0) problems.add('due_date', due, `is before the issue date ${issue}`);
  if ((f('total') ?? '') === '') problems.add('total', '', 'is required');
  const kindText = (f('kind') ?? 'invoice').toLowerCase().replace(/[\s-]/g, '_');
  if (kindText !== 'invoice' && kindText !== 'credit_note') problems.add('kind', f('kind') ?? '', 'must be invoice or credit_note');
  const ref = f('external_ref');
  if (ref !== null && ref.length > 100) problems.add('external_ref', ref, 'is longer than 100 characters');
  if (problems.any) return [...problems.all()];
  return {
    key: number,
    record: { number, kind: kindText === 'credit_note' ? 'credit_note' : 'invoice', customer, issueDate: issue!, dueDate: due, currency: f('currency')?.toUpperCase() ?? null, total: f('total')!, net: f('net'), tax: f('tax'), externalRef: ref },
  };
}

/** The common row (owed's own export, an ERP's plain CSV) without the machinery of messages; undefined for anything else. */
function prepareQuickly(row: SourceRow): { key: string; record: InvoiceRow } | undefined {
  const f = row.fields;
  const number = f.get('number') ?? '';
  const customer = f.get('customer') ?? '';
  const issueDate = f.get('issue_date') ?? '';
  const due = f.get('due_date') || null;
  const total = f.get('total') ?? '';
  const kind = f.get('kind') || 'invoice';
  const ref = f.get('external_ref') || null;
  if (customer === '' || total === '' || !isPlainDate(issueDate) || (kind !== 'invoice' && kind !== 'credit_note')) return undefined;
  if ((due !== null && (!isPlainDate(due) || due < issueDate)) || (ref !== null && ref.length > 100) || !NUMBER.test(number)) return undefined;
  const currency = f.get('currency') || null;
  return {
    key: number,
    record: { number, kind, customer, issueDate, dueDate: due, currency: currency === null ? null : currency.toUpperCase(), total, net: f.get('net') || null, tax: f.get('tax') || null, externalRef: ref },
  };
}

/**
 * What an invoice needs of its customer, looked up once per import. The fast path reads only its
 * own fields: the customers' objects come in several shapes, and reading them per row was a
 * megamorphic load (0.8 s of 1M rows).
 */
interface Billing {
  readonly customer: Found<Customer>;
  readonly code: string;
  readonly currency: string;
  readonly term: PaymentTerm | Problem;
  /** For the fast path: the minor digits of the customer's currency and its terms, when both are known. */
  readonly quick: { readonly places: number; readonly term: PaymentTerm } | undefined;
}

/**
 * Amounts and dates against the customer, every check with its message: net + tax = total,
 * nothing negative, the customer's currency and known terms.
 */
function amountsThoroughly(row: SourceRow, r: InvoiceRow, billing: Billing): ImportedInvoice | Problem[] {
  const customer = billing.customer;
  const currency = r.currency ?? customer.currency;
  const p = new Problems(row.line);
  if (currency !== customer.currency) p.add('currency', currency, `customer ${customer.code} is billed in ${customer.currency}`);
  const total = p.check(() => parseMoney(r.total, currency, 'total'));
  const net = r.net === null ? undefined : p.check(() => parseMoney(r.net!, currency, 'net'));
  const tax = r.tax === null ? undefined : p.check(() => parseMoney(r.tax!, currency, 'tax'));
  if (total && total.minor <= 0) p.add('total', r.total, 'must be greater than zero (import credit notes as such, not as negative invoices)');
  let netMinor = 0;
  let taxMinor = 0;
  if (total) {
    netMinor = net?.minor ?? (tax ? total.minor - tax.minor : total.minor);
    taxMinor = tax?.minor ?? total.minor - netMinor;
    if (netMinor + taxMinor !== total.minor) p.add('total', r.total, `is not net ${r.net} + tax ${r.tax}`);
    if (netMinor < 0 || taxMinor < 0) p.add('tax', r.tax ?? '', 'net and tax must not be negative');
  }
  const term = billing.term;
  if ('reason' in term) p.add(term.field, term.value, term.reason);
  if (p.any || !total || 'reason' in term) return [...p.all()];
  return invoiceOf(r, customer.code, currency, netMinor, taxMinor, total.minor, term);
}

/** The same for plain amounts in the customer's currency; undefined sends the row to amountsThoroughly. */
function amountsQuickly(r: InvoiceRow, billing: Billing): ImportedInvoice | undefined {
  const quick = billing.quick;
  if (quick === undefined || (r.currency !== null && r.currency !== billing.currency)) return undefined;
  const places = quick.places;
  const total = plainMinor(r.total, places);
  const net = r.net === null ? undefined : plainMinor(r.net, places);
  const tax = r.tax === null ? undefined : plainMinor(r.tax, places);
  if (total === undefined || total <= 0 || (r.net !== null && net === undefined) || (r.tax !== null && tax === undefined)) return undefined;
  const netMinor = net ?? (tax !== undefined ? total - tax : total);
  const taxMinor = tax ?? total - netMinor;
  if (netMinor + taxMinor !== total || netMinor < 0 || taxMinor < 0) return undefined;
  return invoiceOf(r, billing.code, billing.currency, netMinor, taxMinor, total, quick.term);
}

function invoiceOf(r: InvoiceRow, customer: string, currency: string, net: number, tax: number, total: number, term: PaymentTerm): ImportedInvoice {
  return {
    number: r.number,
    kind: r.kind,
    customer,
    issueDate: r.issueDate,
    dueDate: r.kind === 'credit_note' ? r.issueDate : r.dueDate ?? dueDate(r.issueDate, term),
    currency,
    net,
    tax,
    total,
    externalRef: r.externalRef,
  };
}

function billingOf(customer: Found<Customer>, settings: CompanySettings): Billing {
  const { code, currency } = customer;
  try {
    const term = findTerm(customer.terms, settings.terms);
    const places = minorDigitsOf(currency);
    return { customer, code, currency, term, quick: places === undefined ? undefined : { places, term } };
  } catch (error) {
    const problem = (error as { problems?: readonly Problem[] }).problems?.[0];
    if (!problem) throw error;
    return { customer, code, currency, term: problem, quick: undefined };
  }
}

/**
 * Invoices issued elsewhere — opening balances, migrations — keep their own numbers. They carry
 * totals but no lines; net and tax default to the total and zero when the file has neither.
 * Rows are checked on a fast path first (plain dates and amounts, the customer's currency);
 * anything else takes the full checks, which word every problem.
 */
export function createInvoiceImporter(): EntityImporter<InvoiceRow> {
  /** Customers met so far (null: not in the book), by code: one lookup per customer per import. */
  const customers = new Map<string, Billing | null>();
  /** The highest number written per series and year ("INV-2026"), among numbers in owed's own form. */
  const highest = new Map<string, number>();
  const importer: EntityImporter<InvoiceRow> = {
    entity: 'invoices',
    documents: 'invoices',
    columns: COLUMNS,
    required: ['number', 'customer', 'issue_date', 'total'],
    prepare(row) {
      return prepareQuickly(row) ?? prepareThoroughly(row);
    },
    async commit(batch, ctx) {
      // Each row's customer looked up once (a Map of 5,000 codes costs as much as the row's checks).
      const billings = new Array<Billing | null | undefined>(batch.length);
      const unknown = new Set<string>();
      for (let k = 0; k < batch.length; k++) {
        const code = batch[k]!.record.customer;
        if ((billings[k] = customers.get(code)) === undefined) unknown.add(code);
      }
      if (unknown.size > 0) {
        const found = await ctx.store.imports.customersByCode([...unknown]);
        for (const code of unknown) {
          const c = found.get(code);
          customers.set(code, c ? billingOf(c, ctx.settings) : null);
        }
        for (let k = 0; k < batch.length; k++) billings[k] ??= customers.get(batch[k]!.record.customer);
      }
      const existing = await ctx.store.imports.invoicesByNumber(batch.map((b) => b.key));
      const refs: string[] = [];
      for (const b of batch) if (b.record.externalRef !== null) refs.push(b.record.externalRef);
      const byRef = refs.length > 0 ? await ctx.store.imports.invoicesByExternalRef(refs) : new Map<string, Found<ImportedInvoice>>();
      const found = new BatchFindings();
      const fresh: ImportedInvoice[] = [];
      const freshRows: SourceRow[] = [];
      const refLines = new Map<string, number>();
      for (let k = 0; k < batch.length; k++) {
        const b = batch[k]!;
        const r = b.record;
        const billing = billings[k];
        if (!billing) {
          found.problem(b.row, fieldProblem(b.row, 'customer', 'unknown customer; import customers first (owed import customers)', r.customer));
          continue;
        }
        const checked = amountsQuickly(r, billing) ?? amountsThoroughly(b.row, r, billing);
        if (Array.isArray(checked)) {
          for (const problem of checked) found.problem(b.row, problem);
          continue;
        }
        const invoice = checked;
        const old = existing.get(r.number) ?? (r.externalRef !== null ? byRef.get(r.externalRef) : undefined);
        if (!old) {
          const earlierRef = r.externalRef === null ? undefined : refLines.get(r.externalRef);
          if (earlierRef !== undefined) {
            found.problem(b.row, { row: b.row.line, field: 'external_ref', value: r.externalRef!, reason: `appears twice in the file (first on line ${earlierRef})` });
            continue;
          }
          if (r.externalRef !== null) refLines.set(r.externalRef, b.row.line);
          fresh.push(invoice);
          freshRows.push(b.row);
          continue;
        }
        const earlier = old.number === invoice.number ? ctx.claim(old.id, b.row) : undefined;
        if (earlier !== undefined) found.problem(b.row, duplicateKey(importer, b.row.line, r.number, earlier));
        else if (old.number === invoice.number && same(old, invoice)) found.present++;
        else found.conflict(b.row, `invoice ${old.number} already exists with different content (issued documents are immutable)`);
      }
      if (fresh.length > 0) {
        const ids = await ctx.store.imports.insertInvoices(fresh, ctx.actor.now, ctx.actor.user);
        for (let i = 0; i < ids.length; i++) ctx.claim(ids[i]!, freshRows[i]!);
        found.created += fresh.length;
        // Tested without a match array per row, and the series and year cut out only when they
        // change: most imported numbers are in owed's form, runs of them in one series and year.
        let seriesYear = '';
        for (const i of fresh) {
          if (!OWED_NUMBER.test(i.number)) continue;
          if (seriesYear === '' || i.number.length !== seriesYear.length + 7 || !i.number.startsWith(seriesYear)) seriesYear = i.number.slice(0, -7);
          const last = Number(i.number.slice(-6));
          if (last > (highest.get(seriesYear) ?? 0)) highest.set(seriesYear, last);
        }
        await ctx.store.audit.record({ entity: 'invoice', key: `${fresh[0]!.number}…${fresh[fresh.length - 1]!.number}`, action: 'import', detail: { created: fresh.length } });
      }
      return found;
    },
    // Numbers in owed's own format move its series on, so the next invoice issued here is not a
    // duplicate: once, after the last batch (nothing issues from the series meanwhile).
    async finish(ctx) {
      for (const [seriesYear, last] of highest) {
        const [series, year] = seriesYear.split('-');
        await ctx.store.imports.raiseNumbers(series!, Number(year), last);
      }
      return {};
    },
  };
  return importer;
}
