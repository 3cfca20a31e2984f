/**
 * The plan of `reconcile auto`, made in memory from candidates read in bulk (a CandidateSet):
 * which cash goes to which invoice (matching.ts, per customer and currency) and on which date.
 * Pure: no storage. The plan is kept in columns, like its candidates, and is read through
 * PlannedAllocation views.
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
 *   the same run are part of the history. (The other side's dates can never be the first fitting
 *   day: whether a side fits changes only on its own allocation dates.)
 * So when neither side has a negative allocation the date is the later of the two documents' dates.
 */
import type { IsoDate } from '../dates.js';
import { InvariantError } from '../errors.js';
import { money } from '../money/index.js';
import { explainMatch, MATCH_RULES, matchGroup, type Match, type MatchGroup, type MatchRule } from './matching.js';
import { minimumOpenFrom, type DatedAmount } from './open-amount.js';
import { Float64Column, Int32Column, Uint8Column, type CandidateSet, type History } from './reconcile-candidates.js';

export interface PlanOptions {
  readonly rules: readonly MatchRule[];
  /** Tolerance in minor units of the currency. */
  readonly tolerance: (currency: string) => number;
  readonly format: (currency: string) => (minor: number) => string;
}

/** What is written for one entry of the plan: invoice, kind, receipt, amount, date, note, rule (keys are the storage's). */
export type PlannedRow = readonly [invoiceKey: number, kind: 'receipt' | 'adjustment', receiptKey: number, amount: number, date: IsoDate, note: string, rule: MatchRule];

/** A document's key, what a batch applies to it in minor units, and the latest date it does so on. */
export type AppliedTotal = readonly [key: number, amount: number, latest: IsoDate];

const ADJUSTMENT_NOTE = 'discount / bank fee within tolerance';
const RULE_INDEX = Object.fromEntries(MATCH_RULES.map((rule, i) => [rule, i])) as Record<MatchRule, number>;

/** The allocations planned, one entry per column, in the order they are reported and written. */
export class Plan {
  private readonly cashSlot: Int32Column;
  private readonly invoiceSlot: Int32Column;
  private readonly amounts: Float64Column;
  /** The entries with a tolerance adjustment (few), by entry. */
  private readonly adjustments = new Map<number, number>();
  /** Index into candidates.dates. */
  private readonly dates: Int32Column;
  /** Index into MATCH_RULES. */
  private readonly rules: Uint8Column;
  /** Subset entries: index into subsetReasons (one reason per subset), by entry. */
  private readonly details = new Map<number, number>();
  private readonly subsetReasons: string[] = [];
  /** Reused by each side of appliedPerDocument. */
  private keyOrder: KeyOrder | undefined;

  constructor(
    readonly candidates: CandidateSet,
    private readonly formatOf: (currency: string) => (minor: number) => string,
  ) {
    // Most receipts pay one invoice; pay runs and instalments make a few more entries.
    const capacity = Math.ceil(candidates.cash.length * 1.3);
    this.cashSlot = new Int32Column(capacity);
    this.invoiceSlot = new Int32Column(capacity);
    this.amounts = new Float64Column(capacity);
    this.dates = new Int32Column(capacity);
    this.rules = new Uint8Column(capacity);
  }

  get length(): number {
    return this.cashSlot.length;
  }

  /** `detail`: a subset's shared reason (matching.ts OnMatch). */
  add(cashSlot: number, invoiceSlot: number, amount: number, adjustment: number, rule: MatchRule, detail: string, date: number): void {
    const entry = this.cashSlot.push(cashSlot);
    this.invoiceSlot.push(invoiceSlot);
    this.amounts.push(amount);
    if (adjustment !== 0) this.adjustments.set(entry, adjustment);
    this.dates.push(date);
    this.rules.push(RULE_INDEX[rule]);
    if (rule === 'subset') {
      // The matches of one subset share their reason: keep it once.
      const last = this.subsetReasons.length - 1;
      if (last < 0 || this.subsetReasons[last] !== detail) this.subsetReasons.push(detail);
      this.details.set(entry, this.subsetReasons.length - 1);
    }
  }

  receipt(i: number): string {
    return this.candidates.cash.number.get(this.cashSlot.get(i));
  }

  receiptKey(i: number): number {
    return this.candidates.cash.key.get(this.cashSlot.get(i));
  }

  invoice(i: number): string {
    return this.candidates.invoices.number.get(this.invoiceSlot.get(i));
  }

  invoiceKey(i: number): number {
    return this.candidates.invoices.key.get(this.invoiceSlot.get(i));
  }

  customer(i: number): string {
    return this.candidates.customers.get(this.candidates.cash.customerKey.get(this.cashSlot.get(i)))!;
  }

  currency(i: number): string {
    return this.candidates.currencies.get(this.candidates.cash.currency.get(this.cashSlot.get(i)));
  }

  amount(i: number): number {
    return this.amounts.get(i);
  }

  adjustment(i: number): number {
    return this.adjustments.get(i) ?? 0;
  }

  date(i: number): IsoDate {
    return this.candidates.dates.get(this.dates.get(i));
  }

  rule(i: number): MatchRule {
    return MATCH_RULES[this.rules.get(i)]!;
  }

  reason(i: number): string {
    const rule = this.rule(i);
    const detail = rule === 'subset'
      ? this.subsetReasons[this.details.get(i)!]!
      : rule === 'oldest' ? this.candidates.dates.get(this.candidates.invoices.dueDate.get(this.invoiceSlot.get(i))) : '';
    return explainMatch(rule, this.invoice(i), this.amount(i), this.adjustment(i), detail, this.formatOf(this.currency(i)));
  }

  /** Each entry's receipt allocation (its reason as the note), then its adjustment if it has one. */
  *rows(): Generator<PlannedRow> {
    for (let i = 0; i < this.length; i++) {
      const invoiceKey = this.invoiceKey(i);
      const receiptKey = this.receiptKey(i);
      const date = this.date(i);
      const rule = this.rule(i);
      yield [invoiceKey, 'receipt', receiptKey, this.amount(i), date, this.reason(i), rule];
      if (this.adjustment(i) > 0) yield [invoiceKey, 'adjustment', receiptKey, this.adjustment(i), date, ADJUSTMENT_NOTE, rule];
    }
  }

  /**
   * What the plan applies to each document, as the balance trigger would sum it: per invoice its
   * receipt and adjustment rows, per receipt its receipt rows (an adjustment names the receipt but
   * does not spend it). In ascending key order, so that the storage updates each balance once,
   * walking its table in order.
   */
  *appliedPerDocument(side: 'invoices' | 'receipts'): Generator<AppliedTotal> {
    const { dates } = this.candidates;
    const documents = side === 'invoices' ? this.candidates.invoices : this.candidates.cash;
    const slotOf = side === 'invoices' ? this.invoiceSlot : this.cashSlot;
    // The entries in key order, each document's together: a few bytes an entry, where sums by
    // document would take an array as long as the candidates for each side.
    if (this.keyOrder?.length !== this.length) this.keyOrder = new KeyOrder(this.length);
    const order = this.keyOrder.sort((i) => documents.key.get(slotOf.get(i)));
    for (let at = 0; at < order.length;) {
      const slot = slotOf.get(order.entry(at));
      let amount = 0;
      let latest = -1;
      for (; at < order.length && slotOf.get(order.entry(at)) === slot; at++) {
        const i = order.entry(at);
        amount += side === 'invoices' ? this.amounts.get(i) + this.adjustment(i) : this.amounts.get(i);
        const date = this.dates.get(i);
        if (latest === -1 || dates.get(date) > dates.get(latest)) latest = date;
      }
      yield [documents.key.get(slot), amount, dates.get(latest)];
    }
  }

  /**
   * The entries as a read-only array of PlannedAllocation views, made as they are read: a million
   * views held at once would take some 50 MB, which the plan's columns hold in a fraction of that.
   * It is a real array to Array.isArray, iteration, length, indexing and the array methods
   * (which read through the same traps); writing to it throws.
   */
  allocations(): readonly PlannedAllocation[] {
    const length = this.length;
    const view = (key: string | symbol): PlannedAllocation | undefined => {
      if (typeof key !== 'string' || !/^(0|[1-9]\d*)$/.test(key)) return undefined;
      const i = Number(key);
      return i < length ? new PlannedAllocation(this, i) : undefined;
    };
    const refuse = (): never => {
      throw new TypeError('the planned allocations are read-only');
    };
    return new Proxy<PlannedAllocation[]>([], {
      get: (target, key, receiver) => (key === 'length' ? length : view(key) ?? Reflect.get(target, key, receiver)),
      has: (target, key) => view(key) !== undefined || Reflect.has(target, key),
      ownKeys: () => [...Array.from({ length }, (_, i) => String(i)), 'length'],
      getOwnPropertyDescriptor: (target, key) => {
        if (key === 'length') return { value: length, writable: true, enumerable: false, configurable: false };
        const v = view(key);
        return v === undefined ? undefined : { value: v, writable: false, enumerable: true, configurable: true };
      },
      set: refuse,
      defineProperty: refuse,
      deleteProperty: refuse,
    });
  }
}

/**
 * Entries 0 … length-1 in the order of their keys, then of the entries, sorted again for each
 * list of keys into the same buffer. Each entry is packed with its key into one float64 and the
 * buffer sorted without a comparator, natively and in place: with a comparator V8 copies a typed
 * array into two arrays on the heap to sort it (1.09M entries: 17 MB a sort, straight into the
 * old generation), and a buffer per sort stays until a full collection. Keys too large to pack
 * with the entries take the comparator.
 */
export class KeyOrder {
  private readonly packed: Float64Array;
  private span = 1;
  private fallback: Int32Array | undefined;

  constructor(readonly length: number) {
    this.packed = new Float64Array(length);
  }

  sort(keyOf: (entry: number) => number): this {
    const { length, packed } = this;
    let largest = 0;
    for (let i = 0; i < length; i++) {
      const key = keyOf(i);
      if (!Number.isSafeInteger(key) || key < 0) throw new InvariantError(`entry ${i} has the key ${key}, not a whole number`);
      if (key > largest) largest = key;
    }
    this.span = 2 ** Math.ceil(Math.log2(length + 1));
    // The largest packed value, (largest + 1) * span - 1, must be exact: at most 2^53 - 1.
    if ((largest + 1) * this.span > 2 ** 53) {
      const order = (this.fallback ??= new Int32Array(length));
      for (let i = 0; i < length; i++) order[i] = i;
      order.sort((a, b) => keyOf(a) - keyOf(b) || a - b);
      return this;
    }
    this.fallback = undefined;
    for (let i = 0; i < length; i++) packed[i] = keyOf(i) * this.span + i;
    packed.sort();
    return this;
  }

  /** The entry at place `at` of the last sort. */
  entry(at: number): number {
    return this.fallback !== undefined ? this.fallback[at]! : this.packed[at]! % this.span;
  }
}

/** One planned allocation: a match with its customer, currency and date, read from the plan. */
export class PlannedAllocation implements Match {
  constructor(
    private readonly plan: Plan,
    private readonly i: number,
  ) {}

  get customer(): string {
    return this.plan.customer(this.i);
  }

  get currency(): string {
    return this.plan.currency(this.i);
  }

  get receipt(): string {
    return this.plan.receipt(this.i);
  }

  get invoice(): string {
    return this.plan.invoice(this.i);
  }

  get amount(): number {
    return this.plan.amount(this.i);
  }

  get adjustment(): number {
    return this.plan.adjustment(this.i);
  }

  get date(): IsoDate {
    return this.plan.date(this.i);
  }

  get rule(): MatchRule {
    return this.plan.rule(this.i);
  }

  get reason(): string {
    return this.plan.reason(this.i);
  }

  toJSON(): Match & { customer: string; currency: string } {
    return {
      customer: this.customer, currency: this.currency, receipt: this.receipt, invoice: this.invoice, amount: this.amount,
      date: this.date, rule: this.rule, reason: this.reason, adjustment: this.adjustment,
    };
  }
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

/** The earliest day from which both sides stay free: applyCash's rule (see the top of this file). */
function allocationDate(earliest: IsoDate, cash: Side, invoice: Side, amount: number, reduces: number, currency: string): IsoDate {
  const candidates = [earliest, ...[...cash.dates(), ...invoice.dates()].filter((d) => d > earliest).sort()];
  const date = candidates.find((d) => cash.fits(amount, d, currency) && invoice.fits(reduces, d, currency));
  // The matcher took no more than both have left at the end, and after the last allocation date
  // that is what they have on every day: some candidate always fits.
  if (date === undefined) throw new InvariantError(`no day fits ${amount} between ${currency} cash and invoice from ${earliest}`);
  return date;
}

function history(histories: ReadonlyMap<number, History>, key: number, number: string): History {
  const h = histories.get(key);
  if (h === undefined) throw new InvariantError(`the allocation history of ${number} was not read`);
  return h;
}

/** Slots by customer key, each list in slot order. */
function slotsBy(customerKey: Int32Column): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let slot = 0; slot < customerKey.length; slot++) {
    const key = customerKey.get(slot);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [slot]);
    else group.push(slot);
  }
  return groups;
}

/** Every date of the candidates by its rank in date order. */
function dateRanks(candidates: CandidateSet): Int32Array {
  const { dates } = candidates;
  const order = Array.from({ length: dates.size }, (_, i) => i).sort((a, b) => (dates.get(a) < dates.get(b) ? -1 : dates.get(a) > dates.get(b) ? 1 : 0));
  const rank = new Int32Array(dates.size);
  order.forEach((date, at) => (rank[date] = at));
  return rank;
}

/**
 * One customer's receipts and open invoices in one currency as the matcher reads them (matching.ts
 * MatchGroup): straight from the columns, by their slots, with no object per document.
 */
function group(candidates: CandidateSet, rank: Int32Array, cashIn: readonly number[], openIn: readonly number[]): MatchGroup {
  const { cash, invoices } = candidates;
  // The invoices by number, made only for a group whose cash names some.
  let byNumber: Map<number | string, number> | undefined;
  return {
    invoices: openIn.length,
    open: (i) => invoices.open.get(openIn[i]!),
    dueRank: (i) => rank[invoices.dueDate.get(openIn[i]!)]!,
    issueRank: (i) => rank[invoices.issueDate.get(openIn[i]!)]!,
    compareInvoices: (i, j) => invoices.number.order(openIn[i]!, openIn[j]!),
    invoiceNumber: (i) => invoices.number.get(openIn[i]!),
    receipts: cashIn.length,
    unapplied: (r) => cash.unapplied.get(cashIn[r]!),
    dateRank: (r) => rank[cash.date.get(cashIn[r]!)]!,
    compareReceipts: (r, s) => cash.number.order(cashIn[r]!, cashIn[s]!),
    named: (r) => {
      const slot = cashIn[r]!;
      const from = cash.namedFrom.get(slot);
      const to = cash.namedEnd(slot);
      if (from === to) return NONE;
      if (byNumber === undefined) {
        // Set one by one: a pair array per invoice, live while the Map is made, got its allocation
        // site pretenured by V8 on a large customer, and then every customer's pairs went straight
        // to the old generation as garbage (1M invoices: 60 MB more heap after planning).
        byNumber = new Map();
        for (let i = 0; i < openIn.length; i++) byNumber.set(invoices.number.key(openIn[i]!), i);
      }
      const named: number[] = [];
      for (let n = from; n < to; n++) {
        const i = byNumber.get(cash.named.key(n));
        if (i !== undefined) named.push(i);
      }
      return named;
    },
  };
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * Plans every customer with cash: customers in code order (as reconcile auto reports them), each
 * customer's currencies in the order of its receipt numbers, the matcher's matches in its order,
 * each dated.
 */
export function planAll(candidates: CandidateSet, options: PlanOptions): Plan {
  const plan = new Plan(candidates, options.format);
  const { cash, invoices, dates } = candidates;
  const rank = dateRanks(candidates);
  const cashOf = slotsBy(cash.customerKey);
  const invoicesOf = slotsBy(invoices.customerKey);
  const customers = [...cashOf.keys()].map((key) => {
    const code = candidates.customers.get(key);
    if (code === undefined) throw new InvariantError(`customer ${key} of receipt ${cash.number.get(cashOf.get(key)![0]!)} is unknown`);
    return { key, code };
  }).sort((a, b) => a.code.localeCompare(b.code));

  for (const { key } of customers) {
    // In receipt-number order: a customer's currencies are taken in the order its receipts show them.
    const receipts = cashOf.get(key)!.sort((a, b) => cash.number.compare(a, b));
    const open = invoicesOf.get(key) ?? [];
    for (const currencyIndex of new Set(receipts.map((slot) => cash.currency.get(slot)))) {
      const currency = candidates.currencies.get(currencyIndex);
      const cashIn = receipts.filter((slot) => cash.currency.get(slot) === currencyIndex);
      const openIn = open.filter((slot) => invoices.currency.get(slot) === currencyIndex);
      const sides = new Map<number, Side>();
      const side = (id: number, make: () => Side): Side => {
        let s = sides.get(id);
        if (s === undefined) sides.set(id, (s = make()));
        return s;
      };
      const onMatch = (r: number, i: number, amount: number, rule: MatchRule, adjustment: number, detail: string) => {
        const c = cashIn[r]!;
        const s = openIn[i]!;
        const cashDate = cash.date.get(c);
        const issueDate = invoices.issueDate.get(s);
        // The later of the two documents' dates, as its index.
        let date = dates.get(cashDate) >= dates.get(issueDate) ? cashDate : issueDate;
        if (cash.irregular.get(c) === 1 || invoices.irregular.get(s) === 1) {
          const receipt = cash.number.get(c);
          const invoice = invoices.number.get(s);
          // A regular side always fits: its total is not needed.
          const cashSide = side(c, () => new Side(cash.amounts.get(c) ?? 0, cash.irregular.get(c) ? history(candidates.cashHistory, cash.key.get(c), receipt) : undefined));
          const invoiceSide = side(-s - 1, () => new Side(invoices.totals.get(s) ?? 0, invoices.irregular.get(s) ? history(candidates.invoiceHistory, invoices.key.get(s), invoice) : undefined));
          const day = allocationDate(dates.get(date), cashSide, invoiceSide, amount, amount + adjustment, currency);
          cashSide.add(day, amount);
          invoiceSide.add(day, amount);
          if (adjustment > 0) invoiceSide.add(day, adjustment);
          date = dates.of(day);
        }
        plan.add(c, s, amount, adjustment, rule, detail, date);
      };
      matchGroup(group(candidates, rank, cashIn, openIn), { rules: options.rules, tolerance: options.tolerance(currency), format: options.format(currency) }, onMatch);
    }
  }
  return plan;
}
