import Big from 'big.js';
import { parseDate, daysBetween, type IsoDate } from '../dates.js';
import { InvariantError, NotFoundError } from '../errors.js';
import { money, type Money } from '../money/index.js';
import { roundToMinor } from '../money/exact.js';
import { loadSettings } from '../settings/load-settings.js';
import type { AgingBasis, Store } from '../store.js';
import { ValidationError } from '../errors.js';
import { bucketIndex, bucketLabels } from './buckets.js';

export interface AgingRow {
  /** null: unidentified cash, not yet attached to a customer. */
  readonly customer: string | null;
  readonly name: string | null;
  readonly currency: string;
  readonly buckets: readonly Money[];
  /** Unapplied cash and open credit notes: ≤ 0. */
  readonly unapplied: Money;
  readonly total: Money;
  /** Allowance for doubtful accounts per bucket, when asked for. */
  readonly provision?: readonly Money[];
  readonly provisionTotal?: Money;
}

export interface AgingReport {
  readonly asOf: IsoDate;
  readonly basis: AgingBasis;
  readonly labels: readonly string[];
  readonly rows: readonly AgingRow[];
  readonly totals: readonly AgingRow[];
  readonly provisionRates?: readonly string[];
}

export interface AgingInvoice {
  readonly invoice: string;
  readonly customer: string;
  readonly name: string;
  readonly currency: string;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  readonly daysOverdue: number;
  readonly bucket: string;
  readonly open: Money;
}

export interface AgingOptions {
  readonly asOf: IsoDate;
  readonly basis?: AgingBasis;
  /** Overrides the aging.buckets setting: '30,60,90'. */
  readonly buckets?: string;
  readonly customer?: string;
  readonly provision?: boolean;
}

function parseBounds(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const bounds = parts.map(Number);
  if (parts.some((p) => !/^\d+$/.test(p)) || bounds.some((b) => b < 1) || bounds.some((b, i) => i > 0 && b <= bounds[i - 1]!)) {
    throw new ValidationError({ field: '--buckets', value: text, reason: 'must be ascending whole days, e.g. 30,60,90,120' });
  }
  return bounds;
}

export function agingLabels(basis: AgingBasis, bounds: readonly number[]): string[] {
  if (basis === 'due') return bucketLabels(bounds);
  const labels: string[] = [];
  let lower = 0;
  for (const b of bounds) {
    labels.push(`${lower}-${b}`);
    lower = b + 1;
  }
  labels.push(`>${bounds[bounds.length - 1]}`);
  return labels;
}

function provisionFor(amounts: readonly Money[], rates: readonly string[]): Money[] {
  return amounts.map((m, i) => money(roundToMinor(new Big(Math.max(m.minor, 0)).times(rates[i] ?? '0').div(100), 'half-up'), m.currency));
}

/**
 * What was owed on a date, per customer and bucket, from set-based queries. It checks itself:
 * buckets + unapplied must equal the sum of every document dated ≤ D, per currency; a mismatch
 * is a bug, reported as such rather than printed as a wrong report.
 */
export async function agingReport(store: Store, options: AgingOptions): Promise<AgingReport> {
  const settings = await loadSettings(store);
  const basis = options.basis ?? 'due';
  const bounds = options.buckets !== undefined ? parseBounds(options.buckets) : [...settings.agingBuckets];
  const labels = agingLabels(basis, bounds);
  if (options.customer !== undefined && !(await store.customers.find(options.customer))) {
    throw new NotFoundError('customer', options.customer, 'list customers with: owed customer list');
  }
  const rates = settings.provisionRates;
  if (options.provision && rates.length !== labels.length) {
    throw new ValidationError(
      { field: 'provision.rates', value: rates.join(','), reason: `has ${rates.length} rates for ${labels.length} buckets (${labels.join(', ')})` },
      `set one rate per bucket: owed settings set provision.rates ${labels.map(() => '…').join(',')}`,
    );
  }

  const rows = new Map<string, { customer: string | null; name: string | null; currency: string; buckets: number[]; unapplied: number }>();
  const rowFor = (customer: string | null, name: string | null, currency: string) => {
    const key = `${customer ?? ''}\u0000${currency}`;
    let row = rows.get(key);
    if (!row) {
      row = { customer, name, currency, buckets: labels.map(() => 0), unapplied: 0 };
      rows.set(key, row);
    }
    return row;
  };
  for (const t of await store.aging.bucketTotals(options.asOf, basis, bounds, options.customer)) {
    rowFor(t.customer, t.name, t.currency).buckets[t.bucket]! += t.amount;
  }
  for (const u of await store.aging.unapplied(options.asOf, options.customer)) {
    rowFor(u.customer, u.name, u.currency).unapplied -= u.amount;
  }

  const toRow = (r: { customer: string | null; name: string | null; currency: string; buckets: number[]; unapplied: number }): AgingRow => {
    const buckets = r.buckets.map((b) => money(b, r.currency));
    const total = money(r.buckets.reduce((s, b) => s + b, 0) + r.unapplied, r.currency);
    const row: AgingRow = { customer: r.customer, name: r.name, currency: r.currency, buckets, unapplied: money(r.unapplied, r.currency), total };
    if (!options.provision) return row;
    const provision = provisionFor(buckets, rates);
    return { ...row, provision, provisionTotal: money(provision.reduce((s, p) => s + p.minor, 0), r.currency) };
  };
  const customerRows = [...rows.values()]
    .sort((a, b) => (a.customer ?? '\uffff').localeCompare(b.customer ?? '\uffff') || a.currency.localeCompare(b.currency))
    .map(toRow);

  const totalsByCurrency = new Map<string, { customer: null; name: null; currency: string; buckets: number[]; unapplied: number }>();
  for (const r of customerRows) {
    let t = totalsByCurrency.get(r.currency);
    if (!t) {
      t = { customer: null, name: null, currency: r.currency, buckets: labels.map(() => 0), unapplied: 0 };
      totalsByCurrency.set(r.currency, t);
    }
    r.buckets.forEach((b, i) => (t!.buckets[i]! += b.minor));
    t.unapplied += r.unapplied.minor;
  }
  const totals = [...totalsByCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)).map((t) => {
    const row = toRow(t);
    if (!options.provision) return row;
    // The total allowance is the sum of the customers' rounded allowances, not a re-rounding.
    const provision = labels.map((_, i) => money(customerRows.filter((r) => r.currency === t.currency).reduce((s, r) => s + r.provision![i]!.minor, 0), t.currency));
    return { ...row, provision, provisionTotal: money(provision.reduce((s, p) => s + p.minor, 0), t.currency) };
  });

  // Self-check against the documents (unidentified cash belongs to no customer's documents).
  const expected = new Map((await store.aging.documentTotals(options.asOf, options.customer)).map((d) => [d.currency, d.amount]));
  const identified = new Map<string, number>();
  for (const r of customerRows) if (r.customer !== null) identified.set(r.currency, (identified.get(r.currency) ?? 0) + r.total.minor);
  for (const currency of new Set([...expected.keys(), ...identified.keys()])) {
    const a = identified.get(currency) ?? 0;
    const e = expected.get(currency) ?? 0;
    if (a !== e) throw new InvariantError(`aging as of ${options.asOf} in ${currency}: buckets + unapplied = ${a}, documents = ${e} (minor units)`);
  }
  return { asOf: options.asOf, basis, labels, rows: customerRows, totals, ...(options.provision ? { provisionRates: rates } : {}) };
}

export async function agingByInvoice(store: Store, options: AgingOptions): Promise<{ asOf: IsoDate; basis: AgingBasis; labels: string[]; invoices: AgingInvoice[] }> {
  const settings = await loadSettings(store);
  const basis = options.basis ?? 'due';
  const bounds = options.buckets !== undefined ? parseBounds(options.buckets) : [...settings.agingBuckets];
  const labels = agingLabels(basis, bounds);
  if (options.customer !== undefined && !(await store.customers.find(options.customer))) {
    throw new NotFoundError('customer', options.customer, 'list customers with: owed customer list');
  }
  const rows = await store.aging.invoices(options.asOf, options.customer);
  return {
    asOf: options.asOf,
    basis,
    labels,
    invoices: rows.map((r) => {
      const overdue = daysBetween(r.dueDate, options.asOf);
      const age = basis === 'due' ? overdue : daysBetween(r.issueDate, options.asOf);
      const index = basis === 'due' ? bucketIndex(age, bounds) : Math.max(0, bucketIndex(age, bounds) - 1);
      return {
        invoice: r.invoice,
        customer: r.customer,
        name: r.name,
        currency: r.currency,
        issueDate: r.issueDate,
        dueDate: r.dueDate,
        daysOverdue: Math.max(0, overdue),
        bucket: labels[index]!,
        open: money(r.open, r.currency),
      };
    }),
  };
}

export function parseAsOf(text: string | undefined, today: IsoDate): IsoDate {
  return text === undefined ? today : parseDate(text, '--as-of');
}
