import Big from 'big.js';
import { addDays, compareDates, endOfMonth, maxDate, type IsoDate } from '../../dates.js';
import { money, type Money } from '../../money/index.js';
import { uninvoicedGross } from '../../sales/credit-check.js';
import type { Customer } from '../../customers/customer.js';
import { companySettings } from '../../settings/company-settings.js';
import type { Store } from '../../store.js';
import { dueDate, findTerm } from '../../terms.js';
import { daysSince, memoAddDays } from '../days.js';
import { DEFAULT_CURVE, decodeLearning, encodeLearning, learnFromHistory, median, probabilityAt, type PaymentBehaviour } from './behaviour.js';
import { weigher } from './weigh.js';

/** The naive method's probability: one object, so the items' weighers are shared. */
const CERTAIN = new Big(1);

export type Horizon = { readonly unit: 'week' | 'month'; readonly count: number };

export interface Period {
  readonly start: IsoDate;
  readonly end: IsoDate;
}

export interface ForecastItem {
  readonly kind: 'invoice' | 'order';
  /** The order's number. Open invoices are read in bulk, without theirs. */
  readonly document?: string;
  readonly customer: string;
  readonly currency: string;
  readonly amount: number;
  readonly expectedOn: IsoDate;
  readonly probability: Big;
  readonly overdue: boolean;
}

export interface ForecastPeriod extends Period {
  readonly currency: string;
  readonly expected: Money;
  readonly overdue: Money;
  readonly pipeline: Money;
  readonly cumulative: Money;
}

export interface Forecast {
  readonly asOf: IsoDate;
  readonly horizon: Horizon;
  readonly periods: readonly ForecastPeriod[];
  /** Expected after the last period, per currency. */
  readonly beyond: ReadonlyMap<string, number>;
  readonly behaviour: PaymentBehaviour;
}

export function periodsFrom(asOf: IsoDate, horizon: Horizon): Period[] {
  const periods: Period[] = [];
  let start = asOf;
  for (let i = 0; i < horizon.count; i++) {
    const end = horizon.unit === 'week' ? addDays(start, 6) : endOfMonth(start);
    periods.push({ start, end });
    start = addDays(end, 1);
  }
  return periods;
}

/** Items placed on the dates they are expected, weighted by the chance of collecting them. */
export interface ItemOptions {
  /** Everyone pays on the due date, in full: the naive method a backtest compares against. */
  readonly naive?: boolean;
  /** The first day cash can arrive (the day after what is known, in a backtest). */
  readonly firstDay?: IsoDate;
  /** Approved orders not yet invoiced. Their state is today's, not a past date's, so a backtest leaves them out. */
  readonly orders?: boolean;
}

export async function forecastItems(store: Store, asOf: IsoDate, behaviour: PaymentBehaviour, options: ItemOptions = {}): Promise<ForecastItem[]> {
  const naive = options.naive ?? false;
  const firstDay = options.firstDay ?? asOf;
  const settings = companySettings(await store.settings.all());
  const items: ForecastItem[] = [];
  const daysPastDue = daysSince(asOf);
  const plus = memoAddDays();
  for await (const batch of store.collections.openAmounts(asOf)) {
    for (const inv of batch) {
      if (inv.open <= 0) continue;
      const delay = naive ? 0 : behaviour.customerDelay.get(inv.customer) ?? behaviour.companyDelay;
      const expectedOn = plus(inv.dueDate, delay);
      const overdueDays = daysPastDue(inv.dueDate);
      // Past its expected date: it lands in the first period, at the chance an invoice that old is still paid.
      const probability = naive ? CERTAIN : probabilityAt(behaviour.curve, overdueDays);
      items.push({
        kind: 'invoice',
        customer: inv.customer,
        currency: inv.currency,
        amount: inv.open,
        expectedOn: maxDate(expectedOn, firstDay),
        probability,
        overdue: overdueDays > 0,
      });
    }
  }
  if (options.orders === false) return items;
  const orders = (await store.orders.list({ state: 'approved' }))
    .filter((order) => compareDates(order.date, asOf) <= 0);
  // Their customers' terms only when an order waits: every customer is a cold read at 5,000 of them.
  const customers = orders.length === 0 ? new Map<string, Customer>() : new Map((await store.customers.list({})).map((c) => [c.code, c]));
  for (const order of orders) {
    const gross = uninvoicedGross(order);
    if (gross.minor <= 0) continue;
    const customer = customers.get(order.customer)!;
    const invoiceOn = maxDate(firstDay, addDays(order.date, behaviour.orderToInvoiceDays));
    const due = dueDate(invoiceOn, findTerm(customer.terms, settings.terms));
    const delay = naive ? 0 : behaviour.customerDelay.get(order.customer) ?? behaviour.companyDelay;
    items.push({
      kind: 'order',
      document: order.number,
      customer: order.customer,
      currency: order.currency,
      amount: gross.minor,
      expectedOn: maxDate(addDays(due, delay), firstDay),
      probability: naive ? CERTAIN : probabilityAt(behaviour.curve, 0),
      overdue: false,
    });
  }
  return items;
}

/** Each item in the period its expected date falls in; periods ascending and not overlapping, as periodsFrom makes them. */
export function bucketItems(items: readonly ForecastItem[], periods: readonly Period[]): ForecastPeriod[] {
  const currencies = [...new Set(items.map((i) => i.currency))].sort();
  const sums = new Map(currencies.map((c) => [c, periods.map(() => ({ expected: 0, overdue: 0, pipeline: 0 }))]));
  const weigh = weighing();
  for (const item of items) {
    const p = periodOf(periods, item.expectedOn);
    if (p === -1) continue;
    const sum = sums.get(item.currency)![p]!;
    const weighted = weigh(item);
    sum.expected += weighted;
    if (item.overdue) sum.overdue += weighted;
    if (item.kind === 'order') sum.pipeline += weighted;
  }
  const result: ForecastPeriod[] = [];
  for (const currency of currencies) {
    let cumulative = 0;
    periods.forEach((period, i) => {
      const { expected, overdue, pipeline } = sums.get(currency)![i]!;
      cumulative += expected;
      result.push({ ...period, currency, expected: money(expected, currency), overdue: money(overdue, currency), pipeline: money(pipeline, currency), cumulative: money(cumulative, currency) });
    });
  }
  return result;
}

/** The amount times the chance of collecting it, to the minor unit; the items share a few probabilities. */
function weighing(): (item: ForecastItem) => number {
  const weighers = new Map<Big, (amount: number) => number>();
  return (item) => {
    let weigh = weighers.get(item.probability);
    if (weigh === undefined) {
      weigh = weigher(item.probability);
      weighers.set(item.probability, weigh);
    }
    return weigh(item.amount);
  };
}

/** The index of the period holding `date`, or -1: a binary search over the starts. */
function periodOf(periods: readonly Period[], date: IsoDate): number {
  let lo = 0;
  let hi = periods.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = periods[mid]!;
    if (compareDates(date, p.start) < 0) hi = mid - 1;
    else if (compareDates(date, p.end) > 0) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Changed whenever what learnAsOf computes changes: a learning saved by an older owed is then not reused. */
const LEARNING_METHOD = 'forecast-learning-1';

/**
 * What was learned from invoices closed in the two years to asOf (the delays from the last one),
 * aggregated by the database. With `reuse`, the learning saved as of asOf is taken while the book
 * has had no allocation since, and a new one is saved: the nightly alert run learns, the
 * forecasts after it read ~5,000 medians instead of every invoice closed in two years.
 */
export async function learnAsOf(store: Store, asOf: IsoDate, options: { reuse?: boolean } = {}): Promise<PaymentBehaviour> {
  const lags = await store.collections.orderLags(addDays(asOf, -365), asOf);
  // Read before the learning: an allocation committed in between is then in what is learned and
  // newer than the key, so it is learned again next time, never the reverse.
  const through = options.reuse ? await store.collections.allocationsThrough() : 0;
  if (options.reuse) {
    const saved = await store.collections.savedLearning(asOf, LEARNING_METHOD, through);
    const reused = saved === undefined ? undefined : decodeLearning(saved, median(lags) ?? 7);
    if (reused !== undefined) return reused;
  }
  const bounds = DEFAULT_CURVE.bands.map((b) => b.maxDays);
  const history = await store.collections.paymentHistory(addDays(asOf, -730), addDays(asOf, -365), asOf, bounds);
  const behaviour = learnFromHistory(history, lags);
  if (options.reuse) await store.collections.saveLearning(asOf, LEARNING_METHOD, through, encodeLearning(behaviour));
  return behaviour;
}

/**
 * Expected cash in per period from open invoices (due date + the customer's usual delay,
 * weighted by the chance of collection at their age) and approved orders not yet invoiced.
 */
export async function cashForecast(store: Store, asOf: IsoDate, horizon: Horizon): Promise<Forecast> {
  const behaviour = await learnAsOf(store, asOf, { reuse: true });
  const items = await forecastItems(store, asOf, behaviour);
  const periods = periodsFrom(asOf, horizon);
  const last = periods[periods.length - 1]!.end;
  const beyond = new Map<string, number>();
  const weigh = weighing();
  for (const item of items) {
    if (compareDates(item.expectedOn, last) > 0) beyond.set(item.currency, (beyond.get(item.currency) ?? 0) + weigh(item));
  }
  return { asOf, horizon, periods: bucketItems(items, periods), beyond, behaviour };
}

