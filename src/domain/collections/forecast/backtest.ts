import Big from 'big.js';
import { addDays, addMonths, compareDates, startOfMonth, type IsoDate } from '../../dates.js';
import { money, type Money } from '../../money/index.js';
import type { Store } from '../../store.js';
import { bucketItems, forecastItems, learnAsOf, periodsFrom, type Horizon, type Period } from './forecast.js';

export interface BacktestPeriod extends Period {
  readonly currency: string;
  readonly forecast: Money;
  readonly naive: Money;
  readonly actual: Money;
}

export interface BacktestRun {
  readonly asOf: IsoDate;
  readonly periods: readonly BacktestPeriod[];
}

export interface Backtest {
  readonly runs: readonly BacktestRun[];
  /** Weighted absolute percentage error, per currency: Σ|forecast − actual| ÷ Σ actual. */
  readonly wape: ReadonlyMap<string, { readonly method: Big | null; readonly naive: Big | null }>;
}

/** The month starts of the six months before `today`, oldest first. */
export function backtestDates(today: IsoDate): IsoDate[] {
  const first = startOfMonth(today);
  return [6, 5, 4, 3, 2, 1].map((n) => addMonths(first, -n));
}

function wape(pairs: readonly { f: number; a: number }[]): Big | null {
  const actual = pairs.reduce((s, p) => s + p.a, 0);
  if (actual === 0) return null;
  return new Big(pairs.reduce((s, p) => s + Math.abs(p.f - p.a), 0)).div(actual);
}

/**
 * Forecasts as of past dates from only what was known then, and compares them with the cash that
 * actually came, beside the naive "everyone pays on the due date". Periods that reach beyond
 * `today` are left out: their actuals are not known yet.
 */
export async function backtest(store: Store, dates: readonly IsoDate[], horizon: Horizon, today: IsoDate): Promise<Backtest> {
  const runs: BacktestRun[] = [];
  const pairs = new Map<string, { m: { f: number; a: number }[]; n: { f: number; a: number }[] }>();
  for (const asOf of dates) {
    const periods = periodsFrom(asOf, horizon).filter((p) => compareDates(p.end, today) < 0);
    if (periods.length === 0) continue;
    const known = addDays(asOf, -1);
    const behaviour = await learnAsOf(store, known);
    const method = bucketItems(await forecastItems(store, known, behaviour, { firstDay: asOf, orders: false }), periods);
    const naive = bucketItems(await forecastItems(store, known, behaviour, { naive: true, firstDay: asOf, orders: false }), periods);
    const cash = await store.history.cashByDay(periods[0]!.start, periods[periods.length - 1]!.end);
    const currencies = [...new Set([...method.map((p) => p.currency), ...cash.map((c) => c.currency)])].sort();
    const rows: BacktestPeriod[] = [];
    for (const currency of currencies) {
      for (const period of periods) {
        const f = method.find((p) => p.currency === currency && p.start === period.start)?.expected.minor ?? 0;
        const n = naive.find((p) => p.currency === currency && p.start === period.start)?.expected.minor ?? 0;
        const a = cash
          .filter((c) => c.currency === currency && compareDates(c.date, period.start) >= 0 && compareDates(c.date, period.end) <= 0)
          .reduce((s, c) => s + c.amount, 0);
        rows.push({ ...period, currency, forecast: money(f, currency), naive: money(n, currency), actual: money(a, currency) });
        const p = pairs.get(currency) ?? { m: [], n: [] };
        p.m.push({ f, a });
        p.n.push({ f: n, a });
        pairs.set(currency, p);
      }
    }
    runs.push({ asOf, periods: rows });
  }
  return { runs, wape: new Map([...pairs].map(([c, p]) => [c, { method: wape(p.m), naive: wape(p.n) }])) };
}
