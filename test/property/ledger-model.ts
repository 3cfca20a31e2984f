/**
 * A small in-memory model of the receivables ledger for the model-based property tests of
 * DESIGN.md "The ledger's invariants". It knows nothing of SQL or of the use-cases: every figure
 * (open amounts, unapplied cash, aging buckets, document totals) is derived from its own lists of
 * dated documents and dated allocations, so the database can be checked against it.
 */

export const FAR = '9999-12-31';
/** The first business day of the 60-day window; it straddles a year end to exercise numbering per year. */
export const WINDOW_START = '2026-12-01';
export const WINDOW_DAYS = 60;
export const AGING_BOUNDS = [30, 60, 90, 120] as const;
export const TERM_DAYS = 30;

export type AllocationKind = 'receipt' | 'credit_note' | 'write_off' | 'adjustment';

export interface MCustomer {
  readonly code: string;
  readonly currency: string;
}

export interface MProduct {
  readonly sku: string;
  /** Minor units of the base currency (CNY). */
  readonly price: number;
  /** Whole percent. */
  readonly rate: number;
}

export interface MInvoice {
  readonly number: string;
  readonly customer: string;
  readonly currency: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly total: number;
}

export interface MCreditNote {
  readonly number: string;
  readonly invoice: string;
  readonly customer: string;
  readonly currency: string;
  readonly date: string;
  readonly total: number;
}

export interface ReceiptInputCopy {
  readonly amount: string;
  readonly customer?: string;
  readonly currency?: string;
  readonly date?: string;
  readonly reference?: string;
  readonly memo?: string;
}

export interface MReceipt {
  readonly number: string;
  customer: string | null;
  readonly currency: string;
  readonly date: string;
  readonly amount: number;
  readonly ref: string | null;
  readonly memo: string | null;
  reversal: string | null;
  /** What was sent to record it, to replay it byte for byte. */
  readonly input: ReceiptInputCopy;
}

export interface MAllocation {
  readonly id: number;
  readonly invoice: string;
  readonly kind: AllocationKind;
  readonly source: string;
  /** Positive reduces the open amount; a reversal is negative. */
  readonly amount: number;
  readonly date: string;
  readonly batch: string | null;
  readonly reverses: number | null;
}

export interface MWriteOff {
  readonly number: string;
  readonly invoice: string;
  readonly date: string;
  readonly amount: number;
}

export interface MBatch {
  readonly id: string;
  readonly kind: 'auto' | 'manual' | 'undo' | 'reversal';
}

// ---------------------------------------------------------------------------------------------
// Dates and money, written independently of src/ on purpose.

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  const ms = (s: string) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((ms(to) - ms(from)) / 86_400_000);
}

export const maxDate = (a: string, b: string): string => (a >= b ? a : b);
export const yearOf = (date: string): number => Number(date.slice(0, 4));

/** 12345 → '123.45' (two minor digits: CNY and USD). */
export function decimal(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** '1,234.5' → 123450. */
export function minorOf(text: string): number {
  const clean = text.replace(/,/g, '').trim();
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(clean);
  if (!m) throw new Error(`not an amount: ${text}`);
  const value = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -value : value;
}

/** VAT of one line, half-up to the minor unit: round(net × rate / 100). */
export function taxOf(net: number, ratePercent: number): number {
  return Math.floor((net * ratePercent + 50) / 100);
}

/** Index into [current, 1-30, 31-60, 61-90, 91-120, >120] for an item this many days past due. */
export function bucketOf(daysPastDue: number): number {
  if (daysPastDue <= 0) return 0;
  for (let i = 0; i < AGING_BOUNDS.length; i++) if (daysPastDue <= AGING_BOUNDS[i]!) return i + 1;
  return AGING_BOUNDS.length + 1;
}

/** INV-YYYY-NNNNNN numbers in the text (what a customer writes in a memo). */
export function invoiceNumbersNamed(text: string): string[] {
  return [...new Set((text.match(/INV-\d{4}-\d{6}/gi) ?? []).map((n) => n.toUpperCase()))];
}

// ---------------------------------------------------------------------------------------------

export class LedgerModel {
  today = WINDOW_START;
  /** Increases with every command, for unique bank references and instants. */
  tick = 0;
  readonly customers: MCustomer[];
  readonly products: MProduct[];
  readonly invoices: MInvoice[] = [];
  readonly credits: MCreditNote[] = [];
  readonly receipts: MReceipt[] = [];
  readonly allocations: MAllocation[] = [];
  readonly writeOffs: MWriteOff[] = [];
  readonly batches: MBatch[] = [];
  private readonly counters = new Map<string, number>();
  private nextAllocationId = 1;
  /** Dates some command named: the interesting dates of the final sweep. */
  readonly dates = new Set<string>();
  /** Invoices and receipts the last command touched, checked one by one. */
  touchedInvoices = new Set<string>();
  touchedReceipts = new Set<string>();
  /** What the last command did, for the counterexample report. */
  readonly log: string[] = [];

  constructor(
    customers: readonly MCustomer[],
    products: readonly MProduct[],
    readonly tolerance: number,
  ) {
    this.customers = [...customers];
    this.products = [...products];
  }

  // --- numbering -----------------------------------------------------------------------------

  /** The number the next document of the series would get; taken only by `take`. */
  peek(series: string, date: string): string {
    const key = `${series}-${yearOf(date)}`;
    return `${key}-${String((this.counters.get(key) ?? 0) + 1).padStart(6, '0')}`;
  }

  take(series: string, date: string): string {
    const number = this.peek(series, date);
    const key = `${series}-${yearOf(date)}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
    return number;
  }

  // --- lookups -------------------------------------------------------------------------------

  invoice(number: string): MInvoice | undefined {
    return this.invoices.find((i) => i.number === number);
  }

  receipt(number: string): MReceipt | undefined {
    return this.receipts.find((r) => r.number === number);
  }

  customer(code: string): MCustomer | undefined {
    return this.customers.find((c) => c.code === code);
  }

  reversedBy(id: number): number | null {
    return this.allocations.find((a) => a.reverses === id)?.id ?? null;
  }

  addAllocation(a: Omit<MAllocation, 'id'>): MAllocation {
    const row = { ...a, id: this.nextAllocationId++ };
    this.allocations.push(row);
    this.dates.add(a.date);
    this.touchedInvoices.add(a.invoice);
    if (a.kind === 'receipt' || a.kind === 'adjustment') this.touchedReceipts.add(a.source);
    return row;
  }

  /** Forgets allocations added after `mark` (a tentative plan that the model refuses). */
  rollbackTo(mark: number): void {
    this.allocations.splice(mark);
    this.nextAllocationId = mark + 1;
  }

  // --- invoices ------------------------------------------------------------------------------

  invoiceAllocations(invoice: string): MAllocation[] {
    return this.allocations.filter((a) => a.invoice === invoice);
  }

  /** open(D) = total − Σ allocations dated ≤ D. */
  openAt(invoice: MInvoice, asOf: string): number {
    return invoice.total - this.invoiceAllocations(invoice.number).filter((a) => a.date <= asOf).reduce((s, a) => s + a.amount, 0);
  }

  reducedBy(invoice: string, kind: AllocationKind, asOf: string): number {
    return this.allocations.filter((a) => a.invoice === invoice && a.kind === kind && a.date <= asOf).reduce((s, a) => s + a.amount, 0);
  }

  /** The least the invoice is open on any day from `from` on: what a new allocation dated `from` may take. */
  roomFrom(invoice: MInvoice, from: string): number {
    const days = [from, ...this.invoiceAllocations(invoice.number).map((a) => a.date).filter((d) => d > from)];
    return Math.min(...days.map((d) => this.openAt(invoice, d)));
  }

  // --- receipts ------------------------------------------------------------------------------

  /** Σ of the receipt's cash allocations dated ≤ D (reversals included, adjustments not: they are not cash). */
  appliedAt(receipt: MReceipt, asOf: string): number {
    return this.allocations
      .filter((a) => a.kind === 'receipt' && a.source === receipt.number && a.date <= asOf)
      .reduce((s, a) => s + a.amount, 0);
  }

  /** The cash the receipt carries as of D: nothing before its date or from its reversal on. */
  cashAt(receipt: MReceipt, asOf: string): number {
    if (receipt.date > asOf) return 0;
    if (receipt.reversal !== null && receipt.reversal <= asOf) return 0;
    return receipt.amount;
  }

  /** The least the receipt has unapplied on any day from `from` on (its reversal aside). */
  cashFreeFrom(receipt: MReceipt, from: string): number {
    const days = [from, ...this.allocations.filter((a) => a.kind === 'receipt' && a.source === receipt.number && a.date > from).map((a) => a.date)];
    return Math.min(...days.map((d) => receipt.amount - this.appliedAt(receipt, d)));
  }

  /**
   * Where cash of `amount` (plus an adjustment) fits between receipt and invoice: on `date` when
   * given, else on the earliest day from which both sides stay free. undefined: nowhere.
   */
  fitDate(receipt: MReceipt, invoice: MInvoice, amount: number, adjustment: number, date: string | undefined): string | undefined {
    const earliest = maxDate(receipt.date, invoice.issueDate);
    const fits = (d: string) => amount <= this.cashFreeFrom(receipt, d) && amount + adjustment <= this.roomFrom(invoice, d);
    if (date !== undefined) return fits(date) ? date : undefined;
    const later = this.allocations
      .filter((a) => (a.invoice === invoice.number || (a.kind === 'receipt' && a.source === receipt.number)) && a.date > earliest)
      .map((a) => a.date);
    return [earliest, ...[...new Set(later)].sort()].find(fits);
  }

  // --- credit notes --------------------------------------------------------------------------

  creditUsedAt(note: MCreditNote, asOf: string): number {
    return this.allocations.filter((a) => a.kind === 'credit_note' && a.source === note.number && a.date <= asOf).reduce((s, a) => s + a.amount, 0);
  }

  // --- aging, from documents -----------------------------------------------------------------

  /**
   * Σ invoices − Σ credit notes − Σ receipts + Σ reversals − Σ write-offs − Σ adjustments dated ≤ D,
   * for identified customers (optionally one), per currency.
   */
  documentTotals(asOf: string, customer?: string): Map<string, number> {
    const totals = new Map<string, number>();
    const add = (currency: string, amount: number) => totals.set(currency, (totals.get(currency) ?? 0) + amount);
    const mine = (code: string | null) => code !== null && (customer === undefined || code === customer);
    for (const i of this.invoices) if (mine(i.customer) && i.issueDate <= asOf) add(i.currency, i.total);
    for (const c of this.credits) if (mine(c.customer) && c.date <= asOf) add(c.currency, -c.total);
    for (const r of this.receipts) {
      if (!mine(r.customer)) continue;
      if (r.date <= asOf) add(r.currency, -r.amount);
      if (r.reversal !== null && r.reversal <= asOf) add(r.currency, r.amount);
    }
    for (const w of this.writeOffs) {
      const i = this.invoice(w.invoice)!;
      if (mine(i.customer) && w.date <= asOf) add(i.currency, -w.amount);
    }
    for (const a of this.allocations) {
      const i = this.invoice(a.invoice)!;
      if (a.kind === 'adjustment' && mine(i.customer) && a.date <= asOf) add(i.currency, -a.amount);
    }
    return totals;
  }

  /** The aging rows as of D: open invoices by bucket, and unapplied cash / open credit notes (≤ 0). */
  agingRows(asOf: string): Map<string, { customer: string | null; currency: string; buckets: number[]; unapplied: number }> {
    const rows = new Map<string, { customer: string | null; currency: string; buckets: number[]; unapplied: number }>();
    const row = (customer: string | null, currency: string) => {
      const key = agingKey(customer, currency);
      let r = rows.get(key);
      if (!r) rows.set(key, (r = { customer, currency, buckets: Array<number>(AGING_BOUNDS.length + 2).fill(0), unapplied: 0 }));
      return r;
    };
    for (const i of this.invoices) {
      if (i.issueDate > asOf) continue;
      const open = this.openAt(i, asOf);
      if (open !== 0) row(i.customer, i.currency).buckets[bucketOf(daysBetween(i.dueDate, asOf))]! += open;
    }
    for (const r of this.receipts) {
      if (r.date > asOf) continue;
      const left = this.cashAt(r, asOf) - this.appliedAt(r, asOf);
      if (left !== 0) row(r.customer, r.currency).unapplied -= left;
    }
    for (const c of this.credits) {
      if (c.date > asOf) continue;
      const left = c.total - this.creditUsedAt(c, asOf);
      if (left !== 0) row(c.customer, c.currency).unapplied -= left;
    }
    return rows;
  }
}

export function agingKey(customer: string | null, currency: string): string {
  return `${customer ?? '(unidentified)'}/${currency}`;
}
