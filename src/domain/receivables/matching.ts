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
function compareNumbers(a: string, b: string): number {
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
  return searchSubset(candidates, target, tolerance);
}

/**
 * The depth-first search of findSubset over candidates already chosen and ordered, sizes 2 to 5,
 * each in index order, returning the first combination that fits. A branch is cut when even its
 * smallest or its largest possible completion misses [target, target + tolerance]: such a branch
 * holds no solution, so the first solution found is the one the full search finds.
 */
function searchSubset(candidates: readonly OpenInvoice[], target: number, tolerance: number): OpenInvoice[] | undefined {
  const n = candidates.length;
  const most = Math.min(SUBSET_MAX_SIZE, n);
  if (most < 2) return undefined;
  const ceiling = target + tolerance;
  const smallest = smallestFittingSize(candidates, target, ceiling, most);
  if (smallest === undefined) return undefined;
  // least[s][r] / greatest[s][r]: the sum of the r smallest / largest opens among candidates s…n-1.
  const least: number[][] = [];
  const greatest: number[][] = [];
  const suffix: number[] = [];
  for (let s = n; s >= 0; s--) {
    if (s < n) {
      const value = candidates[s]!.open;
      let at = suffix.length;
      while (at > 0 && suffix[at - 1]! > value) at--;
      suffix.splice(at, 0, value);
    }
    const lo = [0];
    const hi = [0];
    for (let r = 1; r <= most; r++) {
      lo.push(r <= suffix.length ? lo[r - 1]! + suffix[r - 1]! : Infinity);
      hi.push(r <= suffix.length ? hi[r - 1]! + suffix[suffix.length - r]! : -Infinity);
    }
    least[s] = lo;
    greatest[s] = hi;
  }
  let steps = 0;
  for (let size = smallest; size <= most; size++) {
    const chosen: OpenInvoice[] = [];
    const search = (start: number, sum: number): OpenInvoice[] | undefined => {
      if (++steps > SUBSET_MAX_STEPS) return undefined;
      const need = size - chosen.length;
      if (need === 0) return sum >= target && sum - target <= tolerance ? [...chosen] : undefined;
      if (sum + least[start]![need]! > ceiling || sum + greatest[start]![need]! < target) return undefined;
      for (let i = start; i <= n - need; i++) {
        const next = sum + candidates[i]!.open;
        if (next > ceiling) continue;
        chosen.push(candidates[i]!);
        const found = search(i + 1, next);
        chosen.pop();
        if (found) return found;
        if (steps > SUBSET_MAX_STEPS) return undefined;
      }
      return undefined;
    };
    const found = search(0, 0);
    if (found) return found;
  }
  return undefined;
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
function smallestFittingSize(candidates: readonly OpenInvoice[], target: number, ceiling: number, most: number): number | undefined {
  const n = candidates.length;
  for (let i = 0; i < n; i++) {
    const open = candidates[i]!.open;
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

/** An invoice while it is being matched; `open` goes down as cash is taken. */
interface Item<I extends OpenInvoice = OpenInvoice> extends OpenInvoice {
  open: number;
  /** Its place in due order. */
  slot: number;
  /** The invoice as the caller gave it. */
  readonly source: I;
}

/**
 * The live (open > 0) invoices of one customer, in two orders, as their open amounts go down:
 * - by due date, under a tree of minimum opens, for the rules subset and oldest: "the next live
 *   invoice in due order that is open at most X" is one walk down the tree, however many invoices
 *   before it are settled or too large;
 * - by open amount (a sorted array, binary search) for the rule exact.
 * A receipt then costs about log n instead of n, which matters for customers with thousands of
 * open invoices.
 */
class OpenItems<I extends OpenInvoice> {
  private readonly due: Item<I>[];
  /** Leaves from `leaves` on: the open of the invoice in that slot (Infinity once settled); inner nodes: the minimum below. */
  private readonly tree: Float64Array;
  private readonly leaves: number;
  /** Live items by (open, slot). */
  private readonly byOpen: Item<I>[];

  constructor(items: Iterable<Item<I>>) {
    this.due = [...items].filter((i) => i.open > 0).sort(byDue);
    this.due.forEach((item, slot) => (item.slot = slot));
    let leaves = 1;
    while (leaves < this.due.length) leaves <<= 1;
    this.leaves = leaves;
    this.tree = new Float64Array(2 * leaves).fill(Infinity);
    for (const item of this.due) this.tree[leaves + item.slot] = item.open;
    for (let node = leaves - 1; node >= 1; node--) this.tree[node] = Math.min(this.tree[2 * node]!, this.tree[2 * node + 1]!);
    this.byOpen = [...this.due].sort((a, b) => a.open - b.open || a.slot - b.slot);
  }

  /** Live items in due order, from the start. */
  *inDueOrder(atMost = Number.MAX_VALUE): Generator<Item<I>> {
    for (let slot = this.next(0, atMost); slot >= 0; slot = this.next(slot + 1, atMost)) yield this.due[slot]!;
  }

  /** Live items with open in [from, to]: how many, and the first. */
  withOpenBetween(from: number, to: number): { count: number; first: Item<I> | undefined } {
    const lo = this.firstAtLeast(from, -1);
    const hi = this.firstAtLeast(to + 1, -1);
    return { count: hi - lo, first: this.byOpen[lo] };
  }

  reduce(item: Item<I>, by: number): void {
    this.byOpen.splice(this.firstAtLeast(item.open, item.slot), 1);
    item.open -= by;
    if (item.open > 0) this.byOpen.splice(this.firstAtLeast(item.open, item.slot), 0, item);
    let node = this.leaves + item.slot;
    this.tree[node] = item.open > 0 ? item.open : Infinity;
    for (node >>= 1; node >= 1; node >>= 1) this.tree[node] = Math.min(this.tree[2 * node]!, this.tree[2 * node + 1]!);
  }

  /** The first slot ≥ from whose live item is open at most `atMost`, or -1. */
  private next(from: number, atMost: number): number {
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

  /** The first index of byOpen at or after (open, slot). */
  private firstAtLeast(open: number, slot: number): number {
    let lo = 0;
    let hi = this.byOpen.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const item = this.byOpen[mid]!;
      if (item.open < open || (item.open === open && item.slot < slot)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Matches one customer's unapplied cash to their open invoices, rule by rule, oldest receipt
 * first. Pure: the caller writes the matches, and checks them again under lock.
 */
export function matchCustomer<C extends UnappliedCash, I extends OpenInvoice>(cash: readonly C[], invoices: readonly I[], options: MatchOptions): MatchedCash<C, I>[] {
  // A literal, not a spread: callers pass objects with more fields, and this runs a million times.
  const open = new Map<string, Item<I>>();
  for (const i of invoices) open.set(i.invoice, { invoice: i.invoice, open: i.open, issueDate: i.issueDate, dueDate: i.dueDate, slot: -1, source: i });
  const items = new OpenItems(open.values());
  const matches: MatchedCash<C, I>[] = [];
  const f = options.format;

  for (const receipt of [...cash].sort((a, b) => compareDates(a.date, b.date) || compareNumbers(a.receipt, b.receipt))) {
    let left = receipt.unapplied;
    // The reason each rule gives is worded by MatchedCash from the match and `detail`.
    const take = (invoice: Item<I>, amount: number, rule: MatchRule, detail: string, adjustment = 0): void => {
      matches.push(new MatchedCash(receipt, invoice.source, amount, maxDate(receipt.date, invoice.issueDate), rule, adjustment, detail, f));
      items.reduce(invoice, amount + adjustment);
      left -= amount;
    };
    for (const rule of options.rules) {
      if (left <= 0) break;
      if (rule === 'reference') {
        for (const number of receipt.named ?? invoiceNumbersIn(receipt.text)) {
          const invoice = open.get(number);
          if (!invoice || invoice.open <= 0 || left <= 0) continue;
          const amount = Math.min(left, invoice.open);
          const gap = invoice.open - amount;
          const closes = gap > 0 && gap <= options.tolerance && amount === left;
          take(invoice, amount, 'reference', '', closes ? gap : 0);
        }
      } else if (rule === 'exact') {
        const exact = items.withOpenBetween(left, left);
        if (exact.count === 1) {
          const invoice = exact.first!;
          take(invoice, left, 'exact', '');
        } else if (exact.count === 0 && options.tolerance > 0) {
          const near = items.withOpenBetween(left + 1, left + options.tolerance);
          if (near.count === 1) {
            const invoice = near.first!;
            take(invoice, left, 'exact', '', invoice.open - left);
          }
        }
      } else if (rule === 'subset') {
        const candidates: Item<I>[] = [];
        for (const invoice of items.inDueOrder(left + options.tolerance)) {
          candidates.push(invoice);
          if (candidates.length === SUBSET_CANDIDATES) break;
        }
        const subset = searchSubset(candidates, left, options.tolerance);
        if (subset) {
          const total = subset.reduce((s, i) => s + i.open, 0);
          const gap = total - left;
          const names = subset.map((i) => i.invoice).join(' + ');
          const reason = `${names} = ${f(total)}${gap > 0 ? `, ${f(gap)} more than paid: within tolerance` : ''}`;
          // The largest invoice carries the difference, so it always keeps a positive share.
          const ordered = [...subset].sort((a, b) => a.open - b.open);
          ordered.forEach((invoice, k) => {
            const item = open.get(invoice.invoice)!;
            const last = k === ordered.length - 1;
            take(item, last ? item.open - gap : item.open, 'subset', reason, last ? gap : 0);
          });
        }
      } else {
        for (const invoice of items.inDueOrder()) {
          if (left <= 0) break;
          const amount = Math.min(left, invoice.open);
          take(invoice, amount, 'oldest', invoice.dueDate);
        }
      }
    }
  }
  return matches;
}
