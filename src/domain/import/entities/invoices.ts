import { compareDates, parseDate } from '../../dates.js';
import { parseMoney } from '../../money/index.js';
import type { ImportedInvoice } from '../../store.js';
import { dueDate, findTerm } from '../../terms.js';
import type { Problem } from '../../errors.js';
import { Problems } from '../../validation.js';
import { fieldProblem, type EntityImporter, type Outcome, type SourceRow } from '../importer.js';

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

function same(a: ImportedInvoice, b: ImportedInvoice): boolean {
  return a.kind === b.kind && a.customer === b.customer && a.issueDate === b.issueDate && a.dueDate === b.dueDate && a.currency === b.currency
    && a.total === b.total && a.net === b.net && a.tax === b.tax && (a.externalRef ?? null) === (b.externalRef ?? null);
}

/**
 * Invoices issued elsewhere — opening balances, migrations — keep their own numbers. They carry
 * totals but no lines; net and tax default to the total and zero when the file has neither.
 */
export const invoiceImporter: EntityImporter<InvoiceRow> = {
  entity: 'invoices',
  columns: ['number', 'customer', 'issue_date', 'total', 'due_date', 'currency', 'net', 'tax', 'order', 'external_ref', 'kind'],
  required: ['number', 'customer', 'issue_date', 'total'],
  prepare(row) {
    const problems = new Problems(row.line);
    const f = (k: string) => row.fields.get(k)?.trim() || null;
    const number = f('number') ?? '';
    if (!/^[\p{L}\p{N}][\p{L}\p{N}._\-/]{0,31}$/u.test(number)) problems.add('number', number, 'must be 1 to 32 letters, digits or . _ - /');
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
  },
  async commit(batch, ctx) {
    const customers = await ctx.store.imports.customersByCode(batch.map((b) => b.record.customer));
    const existing = await ctx.store.imports.invoicesByNumber(batch.map((b) => b.key));
    const refs = batch.map((b) => b.record.externalRef).filter((r): r is string => r !== null);
    const byRef = refs.length > 0 ? await ctx.store.imports.invoicesByExternalRef(refs) : new Map<string, ImportedInvoice>();
    const outcomes: { row: SourceRow; outcome: Outcome }[] = [];
    const conflicts: { row: SourceRow; reason: string }[] = [];
    const problems: { row: SourceRow; problem: Problem }[] = [];
    const fresh: ImportedInvoice[] = [];
    for (const b of batch) {
      const r = b.record;
      const customer = customers.get(r.customer);
      if (!customer) {
        problems.push({ row: b.row, problem: fieldProblem(b.row, 'customer', 'unknown customer; import customers first (owed import customers)', r.customer) });
        continue;
      }
      const currency = r.currency ?? customer.currency;
      const p = new Problems(b.row.line);
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
      const term = p.check(() => findTerm(customer.terms, ctx.settings.terms));
      if (p.any || !total || !term) {
        for (const problem of p.all()) problems.push({ row: b.row, problem });
        continue;
      }
      const invoice: ImportedInvoice = {
        number: r.number,
        kind: r.kind,
        customer: customer.code,
        issueDate: r.issueDate,
        dueDate: r.kind === 'credit_note' ? r.issueDate : r.dueDate ?? dueDate(r.issueDate, term),
        currency,
        net: netMinor,
        tax: taxMinor,
        total: total.minor,
        externalRef: r.externalRef,
      };
      const old = existing.get(r.number) ?? (r.externalRef !== null ? byRef.get(r.externalRef) : undefined);
      if (!old) {
        fresh.push(invoice);
        outcomes.push({ row: b.row, outcome: 'created' });
      } else if (old.number === invoice.number && same(old, invoice)) {
        outcomes.push({ row: b.row, outcome: 'present' });
      } else {
        conflicts.push({ row: b.row, reason: `invoice ${old.number} already exists with different content (issued documents are immutable)` });
      }
    }
    if (fresh.length > 0) {
      await ctx.store.imports.insertInvoices(fresh, ctx.actor.now, ctx.actor.user);
      // Numbers in owed's own format move its series on, so the next invoice issued here is not a duplicate.
      const highest = new Map<string, number>();
      for (const i of fresh) {
        const m = /^(INV|CN)-(\d{4})-(\d{6})$/.exec(i.number);
        if (!m) continue;
        const key = `${m[1]}:${m[2]}`;
        highest.set(key, Math.max(highest.get(key) ?? 0, Number(m[3])));
      }
      for (const [key, last] of highest) {
        const [series, year] = key.split(':');
        await ctx.store.imports.raiseNumbers(series!, Number(year), last);
      }
      await ctx.store.audit.record({ entity: 'invoice', key: `${fresh[0]!.number}…${fresh[fresh.length - 1]!.number}`, action: 'import', detail: { created: fresh.length } });
    }
    return { outcomes, conflicts, problems };
  },
};
