/**
 * The matcher of reconcile auto as it was before it kept its open invoices indexed (commit
 * 772841c): every rule scanned all open invoices for every receipt. Kept, unchanged, as the oracle
 * that the faster matcher in src/domain/receivables/matching.ts must agree with exactly.
 */
import { compareDates, maxDate } from '../../src/domain/dates.js';
import type { Match, MatchOptions, MatchRule, OpenInvoice, UnappliedCash } from '../../src/domain/receivables/matching.js';

const INVOICE_NUMBER = /INV-\d{4}-\d{6}/gi;
const SUBSET_CANDIDATES = 20;
const SUBSET_MAX_SIZE = 5;
const SUBSET_MAX_STEPS = 200_000;

function invoiceNumbersIn(text: string): string[] {
  return [...new Set((text.match(INVOICE_NUMBER) ?? []).map((n) => n.toUpperCase()))];
}

function byDue(a: OpenInvoice, b: OpenInvoice): number {
  return compareDates(a.dueDate, b.dueDate) || compareDates(a.issueDate, b.issueDate) || a.invoice.localeCompare(b.invoice);
}

/**
 * Finds a few invoices whose open amounts add up to the target (or exceed it by at most the
 * tolerance), fewest invoices first, oldest first. The search is bounded: a customer with a long
 * list of open items costs at most SUBSET_MAX_STEPS steps, and then this rule simply passes.
 */
export function referenceFindSubset(items: readonly OpenInvoice[], target: number, tolerance: number): OpenInvoice[] | undefined {
  const candidates = [...items].filter((i) => i.open > 0 && i.open <= target + tolerance).sort(byDue).slice(0, SUBSET_CANDIDATES);
  let steps = 0;
  for (let size = 2; size <= Math.min(SUBSET_MAX_SIZE, candidates.length); size++) {
    const chosen: OpenInvoice[] = [];
    const search = (start: number, sum: number): OpenInvoice[] | undefined => {
      if (++steps > SUBSET_MAX_STEPS) return undefined;
      if (chosen.length === size) return sum >= target && sum - target <= tolerance ? [...chosen] : undefined;
      for (let i = start; i <= candidates.length - (size - chosen.length); i++) {
        const next = sum + candidates[i]!.open;
        if (next > target + tolerance) continue;
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

/**
 * Matches one customer's unapplied cash to their open invoices, rule by rule, oldest receipt
 * first. Pure: the caller writes the matches, and checks them again under lock.
 */
export function referenceMatchCustomer(cash: readonly UnappliedCash[], invoices: readonly OpenInvoice[], options: MatchOptions): Match[] {
  const open = new Map(invoices.map((i) => [i.invoice, { ...i }]));
  const matches: Match[] = [];
  const f = options.format;
  const live = () => [...open.values()].filter((i) => i.open > 0);

  for (const receipt of [...cash].sort((a, b) => compareDates(a.date, b.date) || a.receipt.localeCompare(b.receipt))) {
    let left = receipt.unapplied;
    const take = (invoice: OpenInvoice & { open: number }, amount: number, rule: MatchRule, reason: string, adjustment = 0): void => {
      matches.push({ receipt: receipt.receipt, invoice: invoice.invoice, amount, date: maxDate(receipt.date, invoice.issueDate), rule, reason, adjustment });
      invoice.open -= amount + adjustment;
      left -= amount;
    };
    for (const rule of options.rules) {
      if (left <= 0) break;
      if (rule === 'reference') {
        for (const number of invoiceNumbersIn(receipt.text)) {
          const invoice = open.get(number);
          if (!invoice || invoice.open <= 0 || left <= 0) continue;
          const amount = Math.min(left, invoice.open);
          const gap = invoice.open - amount;
          const closes = gap > 0 && gap <= options.tolerance && amount === left;
          take(invoice, amount, 'reference', `the receipt's reference or memo names ${number}${closes ? `; ${f(gap)} short, within tolerance` : ''}`, closes ? gap : 0);
        }
      } else if (rule === 'exact') {
        const exact = live().filter((i) => i.open === left);
        if (exact.length === 1) {
          take(exact[0]!, left, 'exact', `${exact[0]!.invoice} is the only open invoice of exactly ${f(exact[0]!.open)}`);
        } else if (exact.length === 0 && options.tolerance > 0) {
          const near = live().filter((i) => i.open > left && i.open - left <= options.tolerance);
          if (near.length === 1) {
            const gap = near[0]!.open - left;
            take(near[0]!, left, 'exact', `${near[0]!.invoice} is open ${f(near[0]!.open)}, ${f(gap)} more than paid: within tolerance`, gap);
          }
        }
      } else if (rule === 'subset') {
        const subset = referenceFindSubset(live(), left, options.tolerance);
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
        for (const invoice of live().sort(byDue)) {
          if (left <= 0) break;
          const amount = Math.min(left, invoice.open);
          take(invoice, amount, 'oldest', `oldest due first: ${invoice.invoice} due ${invoice.dueDate}`);
        }
      }
    }
  }
  return matches;
}
