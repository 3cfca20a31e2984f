import Big from 'big.js';
import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { withBook } from '../cli/book.js';
import { dateOption, integerOption } from '../cli/options.js';
import { writeResult } from '../cli/output.js';
import { render, renderJson, renderTable, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { UsageError } from '../domain/errors.js';
import { formatMoney, money } from '../domain/money/index.js';
import { backtest, backtestDates, type Backtest } from '../domain/collections/forecast/backtest.js';
import { cashForecast, type Forecast, type Horizon } from '../domain/collections/forecast/forecast.js';

const BAR_WIDTH = 28;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar in eighths of a character, so small amounts still show. */
export function bar(value: number, max: number): string {
  if (max <= 0 || value <= 0) return '';
  // At least an eighth: a small positive amount still shows.
  const eighths = Math.max(1, Math.round((value / max) * BAR_WIDTH * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

export function forecastListing(f: Forecast, currency: string, withChart: boolean): Listing {
  const periods = f.periods.filter((p) => p.currency === currency);
  const max = Math.max(0, ...periods.map((p) => p.expected.minor));
  const beyond = f.beyond.get(currency) ?? 0;
  return {
    title: `Expected cash in (${currency}) from ${f.asOf}, by ${f.horizon.unit}`,
    columns: [
      { key: 'start', header: 'From', kind: 'date' },
      { key: 'end', header: 'To', kind: 'date' },
      { key: 'currency', header: 'Cur' },
      { key: 'expected', header: 'Expected', kind: 'money' },
      { key: 'overdue', header: 'Of which overdue', kind: 'money' },
      { key: 'pipeline', header: 'Of which orders', kind: 'money' },
      { key: 'cumulative', header: 'Cumulative', kind: 'money' },
      ...(withChart ? [{ key: 'chart', header: '' }] : []),
    ],
    rows: periods.map((p) => ({
      start: p.start,
      end: p.end,
      currency: p.currency,
      expected: p.expected,
      overdue: p.overdue,
      pipeline: p.pipeline,
      cumulative: p.cumulative,
      ...(withChart ? { chart: bar(p.expected.minor, max) } : {}),
    })),
    footer: [
      `after ${periods[periods.length - 1]?.end ?? f.asOf}: ${formatMoney(money(beyond, currency))} ${currency} more expected`,
      `learned from ${f.behaviour.sample} invoices paid in the last 12 months; customers without history are assumed ${f.behaviour.companyDelay} days late`,
    ],
  };
}

function pct(x: Big | null): string {
  return x === null ? 'n/a' : `${x.times(100).round(1, Big.roundHalfUp).toFixed(1)}%`;
}

function emitBacktest(rt: Runtime, b: Backtest): void {
  if (rt.format === 'json') {
    writeResult(rt, renderJson({
      runs: b.runs.map((r) => ({ as_of: r.asOf, periods: r.periods.map((p) => ({ start: p.start, end: p.end, currency: p.currency, forecast: p.forecast, naive: p.naive, actual: p.actual })) })),
      wape: Object.fromEntries([...b.wape].map(([c, w]) => [c, { method: w.method?.round(4, Big.roundHalfUp).toFixed(4) ?? null, naive: w.naive?.round(4, Big.roundHalfUp).toFixed(4) ?? null }])),
    }));
    return;
  }
  const listing: Listing = {
    title: 'Backtest: forecast from what was known then, against the cash that came',
    columns: [
      { key: 'as_of', header: 'As of', kind: 'date' },
      { key: 'start', header: 'From', kind: 'date' },
      { key: 'end', header: 'To', kind: 'date' },
      { key: 'currency', header: 'Cur' },
      { key: 'forecast', header: 'Forecast', kind: 'money' },
      { key: 'naive', header: 'Naive (due date)', kind: 'money' },
      { key: 'actual', header: 'Actual', kind: 'money' },
    ],
    rows: b.runs.flatMap((r) => r.periods.map((p) => ({ as_of: r.asOf, start: p.start, end: p.end, currency: p.currency, forecast: p.forecast, naive: p.naive, actual: p.actual }))),
    footer: [...b.wape].map(([c, w]) => `${c} error (WAPE): this method ${pct(w.method)}, naive "pays on the due date" ${pct(w.naive)}${w.method && w.naive ? (w.method.lt(w.naive) ? ' — the method is better' : ' — the naive method is better here') : ''}`),
  };
  writeResult(rt, render(listing, rt.format, { color: rt.color }));
}

export function registerForecast(program: Command, io: Io): void {
  program
    .command('forecast')
    .description('expected cash in per week or month, from open invoices and approved orders')
    .option('--as-of <YYYY-MM-DD>', 'forecast from this date (default: today)', dateOption)
    .option('--weeks <n>', 'weekly periods (default 13)', integerOption)
    .option('--months <n>', 'monthly periods instead of weeks')
    .option('--backtest', 'forecast as of past dates (--as-of, or each of the last 6 month starts) and compare with the cash that came')
    .addHelpText('after', `
Each open invoice is expected on its due date plus the customer's usual delay (median days late over
the last 12 months; else the company's), weighted by the chance of collecting an invoice of its age,
learned from history. Approved orders come in at their expected invoice date plus terms.
Examples:
  $ owed forecast
  $ owed forecast --months 6 --format csv -o forecast.csv
  $ owed forecast --backtest`)
    .action(action<{ asOf?: string; weeks?: string; months?: string; backtest?: boolean }>(io, async (rt, _args, o) => {
      if (o.weeks !== undefined && o.months !== undefined) throw new UsageError('give --weeks or --months, not both');
      if (o.months !== undefined && !/^\d+$/.test(o.months)) throw new UsageError(`--months "${o.months}" is not a whole number`);
      const count = Number(o.weeks ?? o.months ?? 13);
      if (count < 1 || count > 120) throw new UsageError('the number of periods must be from 1 to 120');
      const horizon: Horizon = { unit: o.months !== undefined ? 'month' : 'week', count };
      if (o.backtest) {
        const dates = o.asOf !== undefined ? [o.asOf] : backtestDates(rt.today);
        const result = await withBook(rt, (store) => backtest(store, dates, horizon, rt.today));
        emitBacktest(rt, result);
        return;
      }
      const f = await withBook(rt, (store) => cashForecast(store, o.asOf ?? rt.today, horizon));
      const currencies = [...new Set(f.periods.map((p) => p.currency))];
      if (rt.format === 'json') {
        writeResult(rt, renderJson({
          as_of: f.asOf,
          unit: f.horizon.unit,
          periods: f.periods.map((p) => ({ start: p.start, end: p.end, currency: p.currency, expected: p.expected, overdue: p.overdue, pipeline: p.pipeline, cumulative: p.cumulative })),
          beyond: Object.fromEntries([...f.beyond].map(([c, m]) => [c, money(m, c)])),
        }));
        return;
      }
      if (rt.format === 'csv') {
        const listings = currencies.map((c) => forecastListing(f, c, false));
        writeResult(rt, render({ columns: listings[0]?.columns ?? forecastListing(f, 'CNY', false).columns, rows: listings.flatMap((l) => l.rows) }, 'csv', { color: false }));
        return;
      }
      if (currencies.length === 0) {
        writeResult(rt, `nothing is open and no order is waiting to be invoiced as of ${f.asOf}\n`);
        return;
      }
      writeResult(rt, currencies.map((c) => renderTable(forecastListing(f, c, true), { color: rt.color })).join('\n'));
    }));
}
