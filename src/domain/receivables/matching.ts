import { compareDates, maxDate, type IsoDate } from '../dates.js';

/** The rules of `reconcile auto`, in the order the setting reconcile.rules gives them. */
export const MATCH_RULES = ['reference', 'exact', 'subset', 'oldest'] as const;
export type MatchRule = (typeof MATCH_RULES)[number];

export interface OpenInvoice {
  readonly invoice: string;
  /** Minor units still open. */
  readonly open: number;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
}

export interface UnappliedCash {
  readonly receipt: string;
  readonly unapplied: number;
  readonly date: IsoDate;
  /** Reference and memo, where customers write the invoice numbers they pay. */
  readonly text: string;
  /** invoiceNumbersIn(text), when the caller has it already (reconcile auto keeps only these). */
  readonly named?: readonly string[];
}

export interface Match {
  readonly receipt: string;
  readonly invoice: string;
  readonly amount: number;
  readonly date: IsoDate;
  readonly rule: MatchRule;
  readonly reason: string;
  /** A difference within tolerance closed by a discount / bank-fee entry: minor units, > 0. */
  readonly adjustment: number;
}

/**
 * Why a rule matched, in words, from the match alone: `detail` is the due date for oldest and the
 * whole reason (shared by a subset's matches) for subset; the others need none.
 */
export function explainMatch(rule: MatchRule, invoice: string, amount: number, adjustment: number, detail: string, f: (minor: number) => string): string {
  switch (rule) {
    case 'reference':
      return `the receipt's reference or memo names ${invoice}${adjustment > 0 ? `; ${f(adjustment)} short, within tolerance` : ''}`;
    case 'exact':
      return adjustment > 0
        ? `${invoice} is open ${f(amount + adjustment)}, ${f(adjustment)} more than paid: within tolerance`
        : `${invoice} is the only open invoice of exactly ${f(amount)}`;
    case 'subset':
      return detail;
    case 'oldest':
      return `oldest due first: ${invoice} due ${detail}`;
  }
}

/**
 * A match as the matcher makes it, holding the receipt and the invoice it was given (the caller's
 * own objects, so that it needs no lookup by number to find them again). Its reason is worded only
 * when read (--explain, the stored note): a whole-book run makes a million matches.
 */
export class MatchedCash<C extends UnappliedCash = UnappliedCash, I extends OpenInvoice = OpenInvoice> implements Match {
  constructor(
    readonly paid: C,
    readonly settled: I,
    readonly amount: number,
    readonly date: IsoDate,
    readonly rule: MatchRule,
    readonly adjustment: number,
    /** See explainMatch. */
    readonly detail: string,
    readonly format: (minor: number) => string,
  ) {}

  get receipt(): string {
    return this.paid.receipt;
  }

  get invoice(): string {
    return this.settled.invoice;
  }

  get reason(): string {
    return explainMatch(this.rule, this.invoice, this.amount, this.adjustment, this.detail, this.format);
  }

  /** The fields of Match as a plain object, reason worded. */
  toJSON(): Match {
    return { receipt: this.receipt, invoice: this.invoice, amount: this.amount, date: this.date, rule: this.rule, reason: this.reason, adjustment: this.adjustment };
  }
}

export interface MatchOptions {
  readonly rules: readonly MatchRule[];
  /** Largest underpayment, in minor units, closed as a discount or bank fee on an exact match. */
  readonly tolerance: number;
  readonly format: (minor: number) => string;
}

const INVOICE_NUMBER = /INV-\d{4}-\d{6}/gi;
const SUBSET_CANDIDATES = 20;
const SUBSET_MAX_SIZE = 5;
/**
 * With 20 candidates and at most 5 of them the search makes at most 29,458 steps (Σ C(20, d) for
 * d ≤ size, sizes 2…5), so this bound is never reached; it stays as a guard should the two limits
 * above grow.
 */
const SUBSET_MAX_STEPS = 200_000;

export function invoiceNumbersIn(text: string): string[] {
  // Every invoice number has a hyphen; most bank references have none.
  if (!text.includes('-')) return [];
  const found = text.match(INVOICE_NUMBER);
  if (found === null) return [];
  // Most memos name one invoice: no set needed to keep it once.
  if (found.length === 1) return [found[0]!.toUpperCase()];
  return [...new Set(found.map((n) => n.toUpperCase()))];
}

/** Only digits, capitals and hyphens, as owed's document numbers: their locale order is code-point order. */
const PLAIN_NUMBER = /^[0-9A-Z-]*$/;

/**
 * a.localeCompare(b), without the collator for document numbers such as INV-2026-000001 (for
 * those the two orders agree); sorting a large customer's documents calls it often.
 */
export function compareNumbers(a: string, b: string): number {
  if (PLAIN_NUMBER.test(a) && PLAIN_NUMBER.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

function byDue(a: OpenInvoice, b: OpenInvoice): number {
  return compareDates(a.dueDate, b.dueDate) || compareDates(a.issueDate, b.issueDate) || compareNumbers(a.invoice, b.invoice);
}

/**
 * Finds a few invoices whose open amounts add up to the target (or exceed it by at most the
 * tolerance), fewest invoices first, oldest first. The search is bounded: a customer with a long
 * list of open items costs at most SUBSET_MAX_STEPS steps, and then this rule simply passes.
 */
export function findSubset(items: readonly OpenInvoice[], target: number, tolerance: number): OpenInvoice[] | undefined {
  const candidates = [...items].filter((i) => i.open > 0 && i.open <= target + tolerance).sort(byDue).slice(0, SUBSET_CANDIDATES);
  const opens = new Float64Array(candidates.length);
  candidates.forEach((i, k) => (opens[k] = i.open));
  return searchSubset(opens, candidates.length, target, tolerance)?.map((k) => candidates[k]!);
}

/** Columns of the bounds tables: sizes 0 … SUBSET_MAX_SIZE. */
const BOUND_WIDTH = SUBSET_MAX_SIZE + 1;
/**
 * Scratch space of searchSubset, reused by every call: a whole-book run searches for hundreds of
 * thousands of receipts, and arrays made per search were most of what the planning allocated.
 * least[s * BOUND_WIDTH + r] / greatest[…]: the sum of the r smallest / largest opens among
 * candidates s … n-1 (Infinity / -Infinity when there are fewer than r).
 */
const least = new Float64Array((SUBSET_CANDIDATES + 1) * BOUND_WIDTH);
const greatest = new Float64Array((SUBSET_CANDIDATES + 1) * BOUND_WIDTH);
/** The opens of candidates s … n-1 in ascending order while the bounds are built. */
const suffix = new Float64Array(SUBSET_CANDIDATES);
/** The search's current combination (candidate indices), `depth` of them. */
const chosen = new Int32Array(SUBSET_MAX_SIZE);
/** The search in progress: set by searchSubset, read by searchFrom. */
const search = { opens: suffix as ArrayLike<number>, n: 0, size: 0, target: 0, tolerance: 0, ceiling: 0, steps: 0 };

/**
 * The depth-first search of findSubset over the first `n` of `opens` (candidates already chosen
 * and ordered), sizes 2 to 5, each in index order, returning the first combination that fits (its
 * indices). A branch is cut when even its smallest or its largest possible completion misses
 * [target, target + tolerance]: such a branch holds no solution, so the first solution found is
 * the one the full search finds.
 */
function searchSubset(opens: ArrayLike<number>, n: number, target: number, tolerance: number): number[] | undefined {
  const most = Math.min(SUBSET_MAX_SIZE, n);
  if (most < 2) return undefined;
  const ceiling = target + tolerance;
  const smallest = smallestFittingSize(opens, n, target, ceiling, most);
  if (smallest === undefined) return undefined;
  let sorted = 0;
  for (let s = n; s >= 0; s--) {
    if (s < n) {
      const value = opens[s]!;
      let at = sorted;
      for (; at > 0 && suffix[at - 1]! > value; at--) suffix[at] = suffix[at - 1]!;
      suffix[at] = value;
      sorted++;
    }
    const row = s * BOUND_WIDTH;
    least[row] = 0;
    greatest[row] = 0;
    for (let r = 1; r <= most; r++) {
      least[row + r] = r <= sorted ? least[row + r - 1]! + suffix[r - 1]! : Infinity;
      greatest[row + r] = r <= sorted ? greatest[row + r - 1]! + suffix[sorted - r]! : -Infinity;
    }
  }
  search.opens = opens;
  search.n = n;
  search.target = target;
  search.tolerance = tolerance;
  search.ceiling = ceiling;
  search.steps = 0;
  for (let size = smallest; size <= most; size++) {
    search.size = size;
    if (searchFrom(0, 0, 0)) return Array.from(chosen.subarray(0, size));
    if (search.steps > SUBSET_MAX_STEPS) return undefined;
  }
  return undefined;
}

/** One node of searchSubset's search: true once `chosen` holds a fitting combination of `search.size`. */
function searchFrom(start: number, sum: number, depth: number): boolean {
  const { opens, n, size, target, tolerance, ceiling } = search;
  if (++search.steps > SUBSET_MAX_STEPS) return false;
  const need = size - depth;
  if (need === 0) return sum >= target && sum - target <= tolerance;
  if (sum + least[start * BOUND_WIDTH + need]! > ceiling || sum + greatest[start * BOUND_WIDTH + need]! < target) return false;
  for (let i = start; i <= n - need; i++) {
    const next = sum + opens[i]!;
    if (next > ceiling) continue;
    chosen[depth] = i;
    if (searchFrom(i + 1, next, depth + 1)) return true;
    if (search.steps > SUBSET_MAX_STEPS) return false;
  }
  return false;
}

/** Scratch space of smallestFittingSize: the candidates' opens in ascending order and their prefix sums. */
const sortedOpens = new Float64Array(SUBSET_CANDIDATES);
const prefixSums = new Float64Array(SUBSET_CANDIDATES + 1);

/**
 * Whether `take` of the sorted opens from index `start` on (n in all) can add to `sum` and land in
 * [target, ceiling]. Ascending order lets whole loops stop: once the smallest completion is too
 * big, every later one is; the last two picks are one two-pointer sweep, the last one a binary search.
 */
function canComplete(n: number, take: number, start: number, sum: number, target: number, ceiling: number): boolean {
  const v = sortedOpens;
  if (take === 1) {
    let lo = start;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sum + v[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo < n && sum + v[lo]! <= ceiling;
  }
  if (take === 2) {
    let i = start;
    let j = n - 1;
    while (i < j) {
      const pair = sum + v[i]! + v[j]!;
      if (pair < target) i++;
      else if (pair > ceiling) j--;
      else return true;
    }
    return false;
  }
  const largest = prefixSums[n]! - prefixSums[n - take + 1]!;
  for (let i = start; i <= n - take; i++) {
    const next = sum + v[i]!;
    if (next + prefixSums[i + take]! - prefixSums[i + 1]! > ceiling) break;
    if (next + largest < target) continue;
    if (canComplete(n, take - 1, i + 1, next, target, ceiling)) return true;
  }
  return false;
}

/**
 * The fewest candidates (2 … most) whose opens can sum into [target, ceiling], or undefined when no
 * such subset exists. Most receipts that get this far fit no subset at all; proving that over the
 * sorted opens takes a few microseconds, where the search in due order visits up to 29,458 nodes.
 * When a size fits, the search in due order runs from that size and stops at its first find.
 */
function smallestFittingSize(opens: ArrayLike<number>, n: number, target: number, ceiling: number, most: number): number | undefined {
  for (let i = 0; i < n; i++) {
    const open = opens[i]!;
    let j = i;
    for (; j > 0 && sortedOpens[j - 1]! > open; j--) sortedOpens[j] = sortedOpens[j - 1]!;
    sortedOpens[j] = open;
  }
  prefixSums[0] = 0;
  for (let i = 0; i < n; i++) prefixSums[i + 1] = prefixSums[i]! + sortedOpens[i]!;
  for (let size = 2; size <= most; size++) {
    // The smallest sum of this many already passes the ceiling: so does every larger subset.
    if (prefixSums[size]! > ceiling) return undefined;
    if (canComplete(n, size, 0, 0, target, ceiling)) return size;
  }
  return undefined;
}

/**
 * One customer's unapplied cash and open invoices in one currency, by index (0 … count − 1), as the
 * matcher reads them. reconcile auto answers from its columns, with no object per document;
 * matchCustomer from objects.
 */
export interface MatchGroup {
  readonly invoices: number;
  /** What invoice i has open at the start (not above zero: never matched). */
  open(i: number): number;
  /** Its due and issue dates as ranks, ordered as the dates are. */
  dueRank(i: number): number;
  issueRank(i: number): number;
  /** The order of two invoices' numbers, as compareNumbers gives it. */
  compareInvoices(i: number, j: number): number;
  invoiceNumber(i: number): string;
  readonly receipts: number;
  unapplied(r: number): number;
  dateRank(r: number): number;
  compareReceipts(r: number, s: number): number;
  /** The invoices the receipt's reference and memo name (indices), each once, in the order named; unknown ones left out. */
  named(r: number): readonly number[];
}

/** A match by index. `detail` is the subset's shared reason (explainMatch), '' for the other rules. */
export type OnMatch = (receipt: number, invoice: number, amount: number, rule: MatchRule, adjustment: number, detail: string) => void;

/**
 * The live (open > 0) invoices of one group, in two orders, as their open amounts go down:
 * - by due date, under a tree of minimum opens, for the rules subset and oldest: "the next live
 *   invoice in due order that is open at most X" is one walk down the tree, however many invoices
 *   before it are settled or too large;
 * - by open amount (a sorted array, binary search) for the rule exact.
 * A receipt then costs about log n instead of n, which matters for customers with thousands of
 * open invoices. Everything is by index, in typed arrays.
 */
class OpenItems {
  /** What each invoice (by index) has open now. */
  readonly open: Float64Array;
  /** Invoice index by place in due order ("slot"), live or not. */
  private readonly due: Int32Array;
  private readonly slotOf: Int32Array;
  /** Leaves from `leaves` on: the open of the invoice in that slot (Infinity once settled); inner nodes: the minimum below. */
  private readonly tree: Float64Array;
  private readonly leaves: number;
  /** Live slots by (open, slot): the first `liveCount` entries. */
  private readonly byOpen: Int32Array;
  private liveCount: number;
  /** The first invoice of the last `between`. */
  first = -1;

  constructor(group: MatchGroup) {
    const n = group.invoices;
    this.open = new Float64Array(n);
    let live = 0;
    const due = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.open[i] = group.open(i);
      if (this.open[i]! > 0) due[live++] = i;
    }
    this.due = due.subarray(0, live).sort((a, b) => group.dueRank(a) - group.dueRank(b) || group.issueRank(a) - group.issueRank(b) || group.compareInvoices(a, b));
    this.slotOf = new Int32Array(n).fill(-1);
    this.due.forEach((i, slot) => (this.slotOf[i] = slot));
    let leaves = 1;
    while (leaves < this.due.length) leaves <<= 1;
    this.leaves = leaves;
    this.tree = new Float64Array(2 * leaves).fill(Infinity);
    for (let slot = 0; slot < this.due.length; slot++) this.tree[leaves + slot] = this.open[this.due[slot]!]!;
    for (let node = leaves - 1; node >= 1; node--) this.tree[node] = Math.min(this.tree[2 * node]!, this.tree[2 * node + 1]!);
    this.byOpen = new Int32Array(this.due.length);
    for (let slot = 0; slot < this.due.length; slot++) this.byOpen[slot] = slot;
    this.byOpen.sort((a, b) => this.openAt(a) - this.openAt(b) || a - b);
    this.liveCount = this.due.length;
  }

  /** The invoice in a slot. */
  invoice(slot: number): number {
    return this.due[slot]!;
  }

  /** How many live invoices are open between `from` and `to`; the first of them goes to `first`. */
  between(from: number, to: number): number {
    const lo = this.firstAtLeast(from, -1);
    const hi = this.firstAtLeast(to + 1, -1);
    this.first = lo < this.liveCount ? this.due[this.byOpen[lo]!]! : -1;
    return hi - lo;
  }

  reduce(invoice: number, by: number): void {
    const slot = this.slotOf[invoice]!;
    // Moved within byOpen in place: splice made an array of what it removed, every time.
    const from = this.firstAtLeast(this.open[invoice]!, slot);
    this.byOpen.copyWithin(from, from + 1, this.liveCount--);
    const open = (this.open[invoice]! -= by);
    if (open > 0) {
      const to = this.firstAtLeast(open, slot);
      this.byOpen.copyWithin(to + 1, to, this.liveCount++);
      this.byOpen[to] = slot;
    }
    let node = this.leaves + slot;
    this.tree[node] = open > 0 ? open : Infinity;
    for (node >>= 1; node >= 1; node >>= 1) this.tree[node] = Math.min(this.tree[2 * node]!, this.tree[2 * node + 1]!);
  }

  /** The first slot ≥ from whose live invoice is open at most `atMost`, or -1. */
  next(from: number, atMost: number): number {
    if (from >= this.due.length) return -1;
    const tree = this.tree;
    let node = this.leaves + from;
    // Up and right until a subtree holds a match (or the right edge is passed), then down to its first leaf.
    while (tree[node]! > atMost) {
      while (node & 1) node >>= 1;
      if (node === 0) return -1;
      node++;
    }
    while (node < this.leaves) {
      node <<= 1;
      if (tree[node]! > atMost) node++;
    }
    return node - this.leaves;
  }

  private openAt(slot: number): number {
    return this.open[this.due[slot]!]!;
  }

  /** The first index of byOpen at or after (open, slot). */
  private firstAtLeast(open: number, slot: number): number {
    let lo = 0;
    let hi = this.liveCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.byOpen[mid]!;
      const value = this.openAt(at);
      if (value < open || (value === open && at < slot)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Matches one group's unapplied cash to its open invoices, rule by rule, oldest receipt first,
 * and reports each match as it is made. Pure: the caller writes the matches, and checks them
 * again under lock.
 */
export function matchGroup(group: MatchGroup, options: MatchOptions, onMatch: OnMatch): void {
  const items = new OpenItems(group);
  const open = items.open;
  const f = options.format;
  const tolerance = options.tolerance;
  const rules = options.rules;
  const order = new Int32Array(group.receipts);
  for (let r = 0; r < order.length; r++) order[r] = r;
  order.sort((a, b) => group.dateRank(a) - group.dateRank(b) || group.compareReceipts(a, b));
  for (let at = 0; at < order.length; at++) {
    const r = order[at]!;
    let left = group.unapplied(r);
    for (let k = 0; k < rules.length && left > 0; k++) {
      const rule = rules[k]!;
      if (rule === 'reference') {
        const named = group.named(r);
        for (let n = 0; n < named.length; n++) {
          const i = named[n]!;
          if (open[i]! <= 0 || left <= 0) continue;
          const amount = Math.min(left, open[i]!);
          const gap = open[i]! - amount;
          const adjustment = gap > 0 && gap <= tolerance && amount === left ? gap : 0;
          onMatch(r, i, amount, 'reference', adjustment, '');
          items.reduce(i, amount + adjustment);
          left -= amount;
        }
      } else if (rule === 'exact') {
        const exact = items.between(left, left);
        if (exact === 1) {
          const i = items.first;
          onMatch(r, i, left, 'exact', 0, '');
          items.reduce(i, left);
          left = 0;
        } else if (exact === 0 && tolerance > 0 && items.between(left + 1, left + tolerance) === 1) {
          const i = items.first;
          const adjustment = open[i]! - left;
          onMatch(r, i, left, 'exact', adjustment, '');
          items.reduce(i, left + adjustment);
          left = 0;
        }
      } else if (rule === 'subset') {
        let count = 0;
        for (let slot = items.next(0, left + tolerance); slot >= 0 && count < SUBSET_CANDIDATES; slot = items.next(slot + 1, left + tolerance)) {
          const i = items.invoice(slot);
          subsetInvoices[count] = i;
          subsetOpens[count++] = open[i]!;
        }
        const subset = searchSubset(subsetOpens, count, left, tolerance);
        if (subset) {
          let total = 0;
          for (const c of subset) total += subsetOpens[c]!;
          const gap = total - left;
          const names = subset.map((c) => group.invoiceNumber(subsetInvoices[c]!)).join(' + ');
          const reason = `${names} = ${f(total)}${gap > 0 ? `, ${f(gap)} more than paid: within tolerance` : ''}`;
          // Smallest open first (stable: equal opens keep their due order); the largest invoice
          // carries the difference, so it always keeps a positive share.
          for (let c = 1; c < subset.length; c++) {
            const moving = subset[c]!;
            let to = c;
            for (; to > 0 && subsetOpens[subset[to - 1]!]! > subsetOpens[moving]!; to--) subset[to] = subset[to - 1]!;
            subset[to] = moving;
          }
          for (let c = 0; c < subset.length; c++) {
            const i = subsetInvoices[subset[c]!]!;
            const last = c === subset.length - 1;
            const amount = last ? open[i]! - gap : open[i]!;
            const adjustment = last ? gap : 0;
            onMatch(r, i, amount, 'subset', adjustment, reason);
            items.reduce(i, amount + adjustment);
            left -= amount;
          }
        }
      } else {
        for (let slot = items.next(0, Number.MAX_VALUE); slot >= 0 && left > 0; slot = items.next(slot + 1, Number.MAX_VALUE)) {
          const i = items.invoice(slot);
          const amount = Math.min(left, open[i]!);
          onMatch(r, i, amount, 'oldest', 0, '');
          items.reduce(i, amount);
          left -= amount;
        }
      }
    }
  }
}

/** Scratch space of the subset rule in matchGroup: its candidates (invoice indices) and their opens. */
const subsetInvoices = new Int32Array(SUBSET_CANDIDATES);
const subsetOpens = new Float64Array(SUBSET_CANDIDATES);

/** Ranks of dates: the same order, as small integers. */
function dateRanks(dates: Iterable<IsoDate>): Map<IsoDate, number> {
  return new Map([...new Set(dates)].sort(compareDates).map((d, rank) => [d, rank]));
}

/**
 * Matches one customer's unapplied cash to their open invoices (one currency), rule by rule,
 * oldest receipt first: matchGroup over objects. Each match holds the objects it was given.
 */
export function matchCustomer<C extends UnappliedCash, I extends OpenInvoice>(cash: readonly C[], invoices: readonly I[], options: MatchOptions): MatchedCash<C, I>[] {
  // One invoice per number, the last given, where the first was.
  const byNumber = new Map<string, I>();
  for (const i of invoices) byNumber.set(i.invoice, i);
  const list = [...byNumber.values()];
  const index = new Map(list.map((i, k) => [i.invoice, k]));
  const rank = dateRanks([...list.flatMap((i) => [i.dueDate, i.issueDate]), ...cash.map((c) => c.date)]);
  const group: MatchGroup = {
    invoices: list.length,
    open: (i) => list[i]!.open,
    dueRank: (i) => rank.get(list[i]!.dueDate)!,
    issueRank: (i) => rank.get(list[i]!.issueDate)!,
    compareInvoices: (i, j) => compareNumbers(list[i]!.invoice, list[j]!.invoice),
    invoiceNumber: (i) => list[i]!.invoice,
    receipts: cash.length,
    unapplied: (r) => cash[r]!.unapplied,
    dateRank: (r) => rank.get(cash[r]!.date)!,
    compareReceipts: (r, s) => compareNumbers(cash[r]!.receipt, cash[s]!.receipt),
    named: (r) => (cash[r]!.named ?? invoiceNumbersIn(cash[r]!.text)).flatMap((number) => index.get(number) ?? []),
  };
  const matches: MatchedCash<C, I>[] = [];
  matchGroup(group, options, (r, i, amount, rule, adjustment, detail) => {
    const receipt = cash[r]!;
    const invoice = list[i]!;
    matches.push(new MatchedCash(receipt, invoice, amount, maxDate(receipt.date, invoice.issueDate), rule, adjustment, rule === 'oldest' ? invoice.dueDate : detail, options.format));
  });
  return matches;
}
