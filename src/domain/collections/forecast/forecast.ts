import Big from 'big.js';
import { addDays, compareDates, daysBetween, endOfMonth, maxDate, type IsoDate } from '../../dates.js';
import { roundToMinor } from '../../money/exact.js';
import { money, type Money } from '../../money/index.js';
import { uninvoicedGross } from '../../sales/credit-check.js';
import { companySettings } from '../../settings/company-settings.js';
import type { Store } from '../../store.js';
import { dueDate, findTerm } from '../../terms.js';
import { learnBehaviour, probabilityAt, type PaymentBehaviour } from './behaviour.js';

export type Horizon = { readonly unit: 'week' | 'month'; readonly count: number };

export interface Period {
  readonly start: IsoDate;
  readonly end: IsoDate;
}

export interface ForecastItem {
  readonly kind: 'invoice' | 'order';
  readonly document: string;
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
  for (const inv of await store.aging.invoices(asOf)) {
    if (inv.open <= 0) continue;
    const delay = naive ? 0 : behaviour.customerDelay.get(inv.customer) ?? behaviour.companyDelay;
    const expectedOn = addDays(inv.dueDate, delay);
    const overdueDays = daysBetween(inv.dueDate, asOf);
    // Past its expected date: it lands in the first period, at the chance an invoice that old is still paid.
    const probability = naive ? new Big(1) : probabilityAt(behaviour.curve, overdueDays);
    items.push({
      kind: 'invoice',
      document: inv.invoice,
      customer: inv.customer,
      currency: inv.currency,
      amount: inv.open,
      expectedOn: maxDate(expectedOn, firstDay),
      probability,
      overdue: overdueDays > 0,
    });
  }
  if (options.orders === false) return items;
  const customers = new Map((await store.customers.list({})).map((c) => [c.code, c]));
  for (const order of await store.orders.list({ state: 'approved' })) {
    if (compareDates(order.date, asOf) > 0) continue;
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
      probability: naive ? new Big(1) : probabilityAt(behaviour.curve, 0),
      overdue: false,
    });
  }
  return items;
}

export function bucketItems(items: readonly ForecastItem[], periods: readonly Period[]): ForecastPeriod[] {
  const currencies = [...new Set(items.map((i) => i.currency))].sort();
  const result: ForecastPeriod[] = [];
  for (const currency of currencies) {
    let cumulative = 0;
    for (const period of periods) {
      let expected = 0;
      let overdue = 0;
      let pipeline = 0;
      for (const item of items) {
        if (item.currency !== currency || compareDates(item.expectedOn, period.start) < 0 || compareDates(item.expectedOn, period.end) > 0) continue;
        const weighted = roundToMinor(new Big(item.amount).times(item.probability), 'half-up');
        expected += weighted;
        if (item.overdue) overdue += weighted;
        if (item.kind === 'order') pipeline += weighted;
      }
      cumulative += expected;
      result.push({ ...period, currency, expected: money(expected, currency), overdue: money(overdue, currency), pipeline: money(pipeline, currency), cumulative: money(cumulative, currency) });
    }
  }
  return result;
}

export async function learnAsOf(store: Store, asOf: IsoDate): Promise<PaymentBehaviour> {
  const closed = await store.history.closedInvoices(addDays(asOf, -730), asOf);
  const lags = await store.history.orderToInvoiceDays(addDays(asOf, -365), asOf);
  return learnBehaviour(closed, lags, asOf);
}

/**
 * Expected cash in per period from open invoices (due date + the customer's usual delay,
 * weighted by the chance of collection at their age) and approved orders not yet invoiced.
 */
export async function cashForecast(store: Store, asOf: IsoDate, horizon: Horizon): Promise<Forecast> {
  const behaviour = await learnAsOf(store, asOf);
  const items = await forecastItems(store, asOf, behaviour);
  const periods = periodsFrom(asOf, horizon);
  const last = periods[periods.length - 1]!.end;
  const beyond = new Map<string, number>();
  for (const item of items) {
    if (compareDates(item.expectedOn, last) > 0) {
      beyond.set(item.currency, (beyond.get(item.currency) ?? 0) + roundToMinor(new Big(item.amount).times(item.probability), 'half-up'));
    }
  }
  return { asOf, horizon, periods: bucketItems(items, periods), beyond, behaviour };
}

