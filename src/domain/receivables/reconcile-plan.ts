/**
 * The plan of `reconcile auto`, made in memory from candidates read in bulk: which cash goes to
 * which invoice (matching.ts, per customer and currency) and on which date. Pure: no storage.
 *
 * The date of each allocation is the one applyCash would choose (the earliest day from which both
 * the receipt and the invoice stay free), computed without asking the database per allocation:
 * - A receipt or invoice whose allocations are all positive has an open amount that only goes down
 *   over time, so from any day on it is never less than its open amount today. The matcher never
 *   takes more than that, so this side fits on every day and never moves the date.
 * - Only a side with a negative allocation in its history (an undo, a reversed receipt's cash) can
 *   be short on some earlier day. For those the storage reads their allocation history, and the
 *   first fitting day is searched exactly as applyCash does (minimumOpenFrom), over the later of
 *   the two documents' dates and that side's own allocation dates; allocations planned earlier in
 *   the same run are part of the history.
 * So when neither side has a negative allocation the date is the later of the two documents' dates.
 */
import { maxDate, type IsoDate } from '../dates.js';
import { InvariantError } from '../errors.js';
import { money } from '../money/index.js';
import { matchCustomer, MatchedCash, type Match, type MatchRule, type OpenInvoice, type UnappliedCash } from './matching.js';
import { minimumOpenFrom, type DatedAmount } from './open-amount.js';

/**
 * Unapplied cash of an identified, unreversed receipt, as the matcher takes it (unapplied =
 * amount − Σ its allocations, > 0). `key` is the storage's id, opaque here.
 */
export interface CashCandidate extends UnappliedCash {
  readonly key: number;
  readonly customerKey: number;
  readonly currency: string;
  readonly amount: number;
  /** Has an allocation below zero (an undo): its history decides the allocation date. */
  readonly irregular: boolean;
}

/** An open invoice, as the matcher takes it (open = total − Σ its allocations, reversals included; > 0). */
export interface InvoiceCandidate extends OpenInvoice {
  readonly key: number;
  readonly customerKey: number;
  readonly currency: string;
  readonly total: number;
  readonly irregular: boolean;
}

/** Dated amounts in minor units: the allocations of one document, reversals negative. */
export type History = readonly { readonly date: IsoDate; readonly amount: number }[];

/** The candidates of some customers: every unapplied receipt and open invoice they have. */
export interface CandidateChunk {
  /** Customer codes by key, for the customers with cash in this chunk. */
  readonly customers: ReadonlyMap<number, string>;
  readonly cash: readonly CashCandidate[];
  readonly invoices: readonly InvoiceCandidate[];
  /** For the irregular ones only: receipt allocations by receipt key, all allocations by invoice key. */
  readonly cashHistory: ReadonlyMap<number, History>;
  readonly invoiceHistory: ReadonlyMap<number, History>;
}

/** One planned allocation: a match with its customer, currency, storage keys and allocation date. */
export class PlannedAllocation extends MatchedCash {
  constructor(
    match: MatchedCash,
    date: IsoDate,
    readonly customer: string,
    readonly currency: string,
    readonly receiptKey: number,
    readonly invoiceKey: number,
  ) {
    super(match.receipt, match.invoice, match.amount, date, match.rule, match.adjustment, match.detail, match.format);
  }

  override toJSON(): Match & { customer: string; currency: string } {
    return { ...super.toJSON(), customer: this.customer, currency: this.currency };
  }
}

export interface PlanOptions {
  readonly rules: readonly MatchRule[];
  /** Tolerance in minor units of the currency. */
  readonly tolerance: (currency: string) => number;
  readonly format: (currency: string) => (minor: number) => string;
}

/** A document's allocation history while the plan grows; null when it never had a negative one. */
class Side {
  private readonly history: { date: IsoDate; amount: number }[] | null;

  constructor(readonly total: number, history: History | undefined) {
    this.history = history === undefined ? null : [...history];
  }

  get irregular(): boolean {
    return this.history !== null;
  }

  dates(): readonly IsoDate[] {
    return this.history?.map((h) => h.date) ?? [];
  }

  /** Whether `amount` fits on every day from `from` on (always, when every allocation is positive). */
  fits(amount: number, from: IsoDate, currency: string): boolean {
    if (this.history === null) return true;
    const dated: DatedAmount[] = this.history.map((h) => ({ date: h.date, amount: money(h.amount, currency) }));
    return amount <= minimumOpenFrom(money(this.total, currency), dated, from).minor;
  }

  add(date: IsoDate, amount: number): void {
    this.history?.push({ date, amount });
  }
}

/**
 * The earliest day from which both sides stay free — applyCash's rule, over the later of the two
 * documents' dates and the irregular sides' allocation dates (see the top of this file for why the
 * other side's dates can never be the answer).
 */
function allocationDate(earliest: IsoDate, cash: Side, invoice: Side, amount: number, reduces: number, currency: string): IsoDate {
  if (!cash.irregular && !invoice.irregular) return earliest;
  const candidates = [earliest, ...[...cash.dates(), ...invoice.dates()].filter((d) => d > earliest).sort()];
  const date = candidates.find((d) => cash.fits(amount, d, currency) && invoice.fits(reduces, d, currency));
  // The matcher took no more than both have left at the end, and after the last allocation date
  // that is what they have on every day: some candidate always fits.
  if (date === undefined) throw new InvariantError(`no day fits ${amount} between ${currency} cash and invoice from ${earliest}`);
  return date;
}

/**
 * Plans one chunk: per customer (in code order, as reconcile auto reports them) and currency (in
 * order of the customer's receipt numbers), the matcher's matches, dated.
 */
export function planChunk(chunk: CandidateChunk, options: PlanOptions): Map<string, PlannedAllocation[]> {
  const cashOf = groupBy(chunk.cash, (c) => c.customerKey);
  const invoicesOf = groupBy(chunk.invoices, (i) => i.customerKey);
  const plans = new Map<string, PlannedAllocation[]>();
  for (const [customerKey, cash] of cashOf) {
    const customer = chunk.customers.get(customerKey);
    if (customer === undefined) throw new InvariantError(`customer ${customerKey} of receipt ${cash[0]!.receipt} is unknown`);
    const byNumber = [...cash].sort((a, b) => (a.receipt < b.receipt ? -1 : a.receipt > b.receipt ? 1 : 0));
    const planned: PlannedAllocation[] = [];
    for (const currency of new Set(byNumber.map((c) => c.currency))) {
      const receipts = byNumber.filter((c) => c.currency === currency);
      const invoices = (invoicesOf.get(customerKey) ?? []).filter((i) => i.currency === currency);
      const format = options.format(currency);
      const matches = matchCustomer(receipts, invoices, { rules: options.rules, tolerance: options.tolerance(currency), format });
      if (matches.length === 0) continue;
      const receiptOf = new Map(receipts.map((c) => [c.receipt, c]));
      const invoiceOf = new Map(invoices.map((i) => [i.invoice, i]));
      const sides = new Map<number, Side>();
      const side = (key: number, total: number, history: History | undefined, kind: string): Side => {
        const id = kind === 'cash' ? key : -key - 1;
        let s = sides.get(id);
        if (s === undefined) sides.set(id, (s = new Side(total, history)));
        return s;
      };
      for (const m of matches) {
        const r = receiptOf.get(m.receipt)!;
        const i = invoiceOf.get(m.invoice)!;
        let date = m.date;
        if (r.irregular || i.irregular) {
          const cashSide = side(r.key, r.amount, r.irregular ? history(chunk.cashHistory, r.key, r.receipt) : undefined, 'cash');
          const invoiceSide = side(i.key, i.total, i.irregular ? history(chunk.invoiceHistory, i.key, i.invoice) : undefined, 'invoice');
          date = allocationDate(maxDate(r.date, i.issueDate), cashSide, invoiceSide, m.amount, m.amount + m.adjustment, currency);
          cashSide.add(date, m.amount);
          invoiceSide.add(date, m.amount);
          if (m.adjustment > 0) invoiceSide.add(date, m.adjustment);
        }
        planned.push(new PlannedAllocation(m, date, customer, currency, r.key, i.key));
      }
    }
    if (planned.length > 0) plans.set(customer, planned);
  }
  return plans;
}

function history(histories: ReadonlyMap<number, History>, key: number, number: string): History {
  const h = histories.get(key);
  if (h === undefined) throw new InvariantError(`the allocation history of ${number} was not read`);
  return h;
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}
