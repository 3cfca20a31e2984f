import Big from 'big.js';
import { addDays, daysBetween, type IsoDate } from '../../dates.js';
import type { ClosedInvoice } from '../../store.js';

/** Probability of collecting an invoice by how far past due it is: [upper bound of days overdue, p]. */
export interface CollectionCurve {
  /** Ascending by maxDays; the last entry covers everything older. */
  readonly bands: readonly { readonly maxDays: number; readonly probability: Big }[];
}

/** What owed assumes with no history: most current invoices are paid, old ones often are not. */
export const DEFAULT_CURVE: CollectionCurve = {
  bands: [
    { maxDays: 0, probability: new Big('0.98') },
    { maxDays: 30, probability: new Big('0.95') },
    { maxDays: 60, probability: new Big('0.85') },
    { maxDays: 90, probability: new Big('0.70') },
    { maxDays: 120, probability: new Big('0.50') },
    { maxDays: Number.MAX_SAFE_INTEGER, probability: new Big('0.25') },
  ],
};

/** How many closed invoices a band needs before history outweighs the default. */
const PRIOR_WEIGHT = 10;

export interface PaymentBehaviour {
  /** Median days late per customer, from invoices paid in the last 12 months. */
  readonly customerDelay: ReadonlyMap<string, number>;
  /** The company's median, for customers without history. */
  readonly companyDelay: number;
  readonly curve: CollectionCurve;
  /** Median days from order to invoice. */
  readonly orderToInvoiceDays: number;
  readonly sample: number;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/**
 * Learns from what happened: the median delay of each customer's paid invoices (a customer who
 * always pays 20 days late will again), and per age band the share of money eventually
 * collected rather than written off, blended with the defaults while history is thin.
 */
export function learnBehaviour(closed: readonly ClosedInvoice[], orderLags: readonly number[], asOf: IsoDate): PaymentBehaviour {
  const yearAgo = addDays(asOf, -365);
  const delays = new Map<string, number[]>();
  const all: number[] = [];
  for (const c of closed) {
    if (c.writtenOff > 0 || c.closedOn < yearAgo) continue;
    const late = daysBetween(c.dueDate, c.closedOn);
    delays.set(c.customer, [...(delays.get(c.customer) ?? []), late]);
    all.push(late);
  }
  const customerDelay = new Map([...delays].map(([customer, list]) => [customer, median(list)!]));

  const bands = DEFAULT_CURVE.bands.map((band, i) => {
    const lower = i === 0 ? Number.MIN_SAFE_INTEGER : DEFAULT_CURVE.bands[i - 1]!.maxDays + 1;
    // Invoices that were still open at this age: closed at or beyond its lower bound.
    const reached = closed.filter((c) => daysBetween(c.dueDate, c.closedOn) >= lower);
    const total = reached.reduce((s, c) => s + c.total, 0);
    if (total === 0) return band;
    const collected = new Big(reached.reduce((s, c) => s + c.total - c.writtenOff, 0)).div(total);
    const n = reached.length;
    return { maxDays: band.maxDays, probability: collected.times(n).plus(band.probability.times(PRIOR_WEIGHT)).div(n + PRIOR_WEIGHT) };
  });
  return {
    customerDelay,
    companyDelay: Math.max(0, median(all) ?? 0),
    curve: { bands },
    orderToInvoiceDays: median(orderLags) ?? 7,
    sample: all.length,
  };
}

export function probabilityAt(curve: CollectionCurve, daysOverdue: number): Big {
  return (curve.bands.find((b) => daysOverdue <= b.maxDays) ?? curve.bands[curve.bands.length - 1]!).probability;
}
