/**
 * `owed forecast` on a small book whose forecast can be worked out by hand. Today is 2026-11-27;
 * S1 is a service at 100.00 without tax; every customer is on NET30.
 *
 *   history (paid):                      due         paid        days late
 *     INV-1 C001  200.00  2026-06-01     2026-07-01  2026-07-11  10
 *     INV-2 C002  100.00  2026-06-15     2026-07-15  2026-07-15   0
 *     INV-3 C001  400.00  2026-07-01     2026-07-31  2026-08-20  20
 *     INV-5 C001  500.00  2026-08-01     2026-08-31  2026-09-30  30
 *   median delay: C001 20, C002 0, company (0, 10, 20, 30) → 15, C003 has no history → 15.
 *   curve: band ≤0 days: (4 × 1 + 10 × 0.98) / 14 = 13.8/14; band 1-30: 3 reached it, all paid:
 *          (3 + 10 × 0.95) / 13 = 12.5/13; older bands keep the defaults (0.85, 0.70, 0.50, 0.25).
 *
 *   open on 2026-11-27:
 *     INV-4 C002  400.00 − 100.00 paid 08-15 = 300.00, due 07-31, 119 days → 0.50 → 150.00, first week (overdue)
 *     INV-6 C002  300.00  2026-09-01, due 10-01, 57 days → 0.85 → 255.00, first week (overdue)
 *     INV-7 C001 1000.00  2026-10-20, due 11-19, 8 days → 12.5/13 → 961.54, on 11-19 + 20 = 12-09 (overdue)
 *     INV-8 C003  200.00  2026-11-10, due 12-10 → 13.8/14 → 197.14, on 12-10 + 15 = 12-25
 *     INV-9 C001  500.00  2026-11-20, due 12-20 → 13.8/14 → 492.86, on 12-20 + 20 = 2027-01-09
 *     SO-1  C003  100.00  ordered 2026-11-25, approved: invoiced 11-25 + 7 = 12-02, due 2027-01-01,
 *                         + 15 = 2027-01-16 → 13.8/14 → 98.57 (pipeline)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owed, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { seed } from './helpers.js';

interface ForecastJson {
  as_of: string;
  unit: string;
  periods: { start: string; end: string; currency: string; expected: string; overdue: string; pipeline: string; cumulative: string }[];
  beyond: Record<string, string>;
}

interface BacktestJson {
  runs: { as_of: string; periods: { start: string; end: string; currency: string; forecast: string; naive: string; actual: string }[] }[];
  wape: Record<string, { method: string | null; naive: string | null }>;
}

function json<T>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** [start, end, expected, overdue, pipeline, cumulative] */
function periods(f: ForecastJson): string[][] {
  return f.periods.map((p) => {
    expect(p.currency).toBe('CNY');
    return [p.start, p.end, p.expected, p.overdue, p.pipeline, p.cumulative];
  });
}

/** Several runs of the binary on a loaded machine. */
const SLOW = 120_000;

const cents = (s: string) => Math.round(Number(s) * 100);

const BOOK: (readonly string[])[] = [
  ['init'],
  ['customer', 'add', 'C001', '--name', 'Alpha Ltd', '--terms', 'NET30'],
  ['customer', 'add', 'C002', '--name', 'Beta Ltd', '--terms', 'NET30'],
  ['customer', 'add', 'C003', '--name', 'Gamma Ltd', '--terms', 'NET30'],
  ['product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '0', '--service'],
  ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:2', '--date', '2026-06-01'],
  ['invoice', 'issue', '--customer', 'C002', '--line', 'S1:1', '--date', '2026-06-15'],
  ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:4', '--date', '2026-07-01'],
  ['invoice', 'issue', '--customer', 'C002', '--line', 'S1:4', '--date', '2026-07-01'],
  ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:5', '--date', '2026-08-01'],
  ['invoice', 'issue', '--customer', 'C002', '--line', 'S1:3', '--date', '2026-09-01'],
  ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:10', '--date', '2026-10-20'],
  ['invoice', 'issue', '--customer', 'C003', '--line', 'S1:2', '--date', '2026-11-10'],
  ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:5', '--date', '2026-11-20'],
  ['receive', '--customer', 'C001', '--amount', '200', '--date', '2026-07-11', '--apply', 'INV-2026-000001'],
  ['receive', '--customer', 'C002', '--amount', '100', '--date', '2026-07-15', '--apply', 'INV-2026-000002'],
  ['receive', '--customer', 'C001', '--amount', '400', '--date', '2026-08-20', '--apply', 'INV-2026-000003'],
  ['receive', '--customer', 'C002', '--amount', '100', '--date', '2026-08-15', '--apply', 'INV-2026-000004'],
  ['receive', '--customer', 'C001', '--amount', '500', '--date', '2026-09-30', '--apply', 'INV-2026-000005'],
  ['order', 'create', '--customer', 'C003', '--line', 'S1:1', '--date', '2026-11-25'],
  ['order', 'approve', 'SO-2026-000001'],
];

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);

  beforeAll(async () => {
    db = await scratchDatabase(engine);
    await seed(db.dbArg, ...BOOK);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('forecast --weeks 8 --json: every period worked out by hand', async () => {
    const f = json<ForecastJson>(await cli('forecast', '--weeks', '8', '--json'));
    expect(f).toMatchObject({ as_of: '2026-11-27', unit: 'week', beyond: {} });
    expect(periods(f)).toEqual([
      ['2026-11-27', '2026-12-03', '405.00', '405.00', '0.00', '405.00'],
      ['2026-12-04', '2026-12-10', '961.54', '961.54', '0.00', '1366.54'],
      ['2026-12-11', '2026-12-17', '0.00', '0.00', '0.00', '1366.54'],
      ['2026-12-18', '2026-12-24', '0.00', '0.00', '0.00', '1366.54'],
      ['2026-12-25', '2026-12-31', '197.14', '0.00', '0.00', '1563.68'],
      ['2027-01-01', '2027-01-07', '0.00', '0.00', '0.00', '1563.68'],
      ['2027-01-08', '2027-01-14', '492.86', '0.00', '0.00', '2056.54'],
      ['2027-01-15', '2027-01-21', '98.57', '0.00', '98.57', '2155.11'],
    ]);
  }, SLOW);

  it('without --weeks: 13 weeks; what falls after the horizon is reported as beyond', async () => {
    const all = json<ForecastJson>(await cli('forecast', '--json'));
    expect(all.periods).toHaveLength(13);
    expect(all.periods[12]).toMatchObject({ start: '2027-02-19', end: '2027-02-25', expected: '0.00', cumulative: '2155.11' });

    const six = json<ForecastJson>(await cli('forecast', '--weeks', '6', '--json'));
    expect(six.periods.map((p) => p.cumulative)).toEqual(['405.00', '1366.54', '1366.54', '1366.54', '1563.68', '1563.68']);
    expect(six.beyond).toEqual({ CNY: '591.43' }); // INV-9 492.86 + SO-1 98.57
  }, SLOW);

  it('forecast --months 3 --format csv: calendar months, the first from today to the month end', async () => {
    const r = await cli('forecast', '--months', '3', '--format', 'csv');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      'start,end,currency,expected,overdue,pipeline,cumulative',
      '2026-11-27,2026-11-30,CNY,405.00,405.00,0.00,405.00',
      '2026-12-01,2026-12-31,CNY,1158.68,961.54,0.00,1563.68',
      '2027-01-01,2027-01-31,CNY,591.43,0.00,98.57,2155.11',
      '',
    ].join('\n'));
  }, SLOW);

  it('the table draws a bar per period, scaled to the largest, and says what lies beyond and what was learned', async () => {
    const r = await cli('forecast', '--weeks', '6');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Expected cash in (CNY) from 2026-11-27, by week');
    expect(lines[1]).toMatch(/^From\s+To\s+Cur\s+Expected\s+Of which overdue\s+Of which orders\s+Cumulative\s*$/);
    const row = (start: string) => lines.find((l) => l.startsWith(start)) ?? '';
    expect(row('2026-11-27')).toMatch(/405\.00\s+405\.00\s+0\.00\s+405\.00\s+█{11}▊\s*$/);
    expect(row('2026-12-04')).toMatch(/961\.54\s+961\.54\s+0\.00\s+1,366\.54\s+█{28}\s*$/);
    expect(row('2026-12-11')).toMatch(/0\.00\s+1,366\.54\s*$/);
    expect(row('2026-12-25')).toMatch(/197\.14\s+0\.00\s+0\.00\s+1,563\.68\s+█████▊\s*$/); // 197.14 / 961.54 × 224 = 45.9 → 46 eighths
    expect(r.stdout).toContain('after 2027-01-07: 591.43 CNY more expected');
    expect(r.stdout).toContain('learned from 4 invoices paid in the last 12 months; customers without history are assumed 15 days late');
  }, SLOW);

  it('forecast --as-of a past date: only documents known then, behaviour learned from what was paid by then', async () => {
    // As of 2026-10-01: INV-4 (300.00 open, 62 days → 0.70 → 210.00) and INV-6 (due that day → 13.8/14 → 295.71),
    // both on C002 (no delay). INV-7…9 and the order do not exist yet.
    const f = json<ForecastJson>(await cli('forecast', '--as-of', '2026-10-01', '--weeks', '2', '--json'));
    expect(f.as_of).toBe('2026-10-01');
    expect(periods(f)).toEqual([
      ['2026-10-01', '2026-10-07', '505.71', '210.00', '0.00', '505.71'],
      ['2026-10-08', '2026-10-14', '0.00', '0.00', '0.00', '505.71'],
    ]);
    expect(f.beyond).toEqual({});
  }, SLOW);

  it('forecast --backtest --as-of: forecast from what was known the day before, beside naive and actual', async () => {
    // Known on 2026-08-31: paid INV-1 (10 late), INV-2 (0), INV-3 (20) → C001 15, C002 0; curve band ≤0: 12.8/13.
    // Open: INV-4 300.00 (31 days → 0.85 → 255.00, first week), INV-5 500.00 due 08-31 → 08-31 + 15 = 09-15 → 492.31.
    // Naive: both in full on their due dates, clamped to the first day: 800.00 in the first week.
    // Actual: INV-5 paid 500.00 on 09-30. INV-6 (issued 09-01) is not known.
    const b = json<BacktestJson>(await cli('forecast', '--backtest', '--as-of', '2026-09-01', '--weeks', '5', '--json'));
    expect(b.runs).toHaveLength(1);
    expect(b.runs[0]!.as_of).toBe('2026-09-01');
    expect(b.runs[0]!.periods.map((p) => [p.start, p.end, p.currency, p.forecast, p.naive, p.actual])).toEqual([
      ['2026-09-01', '2026-09-07', 'CNY', '255.00', '800.00', '0.00'],
      ['2026-09-08', '2026-09-14', 'CNY', '0.00', '0.00', '0.00'],
      ['2026-09-15', '2026-09-21', 'CNY', '492.31', '0.00', '0.00'],
      ['2026-09-22', '2026-09-28', 'CNY', '0.00', '0.00', '0.00'],
      ['2026-09-29', '2026-10-05', 'CNY', '0.00', '0.00', '500.00'],
    ]);
    // (255.00 + 492.31 + 500.00) / 500.00 and (800.00 + 500.00) / 500.00
    expect(b.wape).toEqual({ CNY: { method: '2.4946', naive: '2.6000' } });
  }, SLOW);

  it('forecast --backtest (no --as-of): one run per month start of the last six months, periods ending before today', async () => {
    const b = json<BacktestJson>(await cli('forecast', '--backtest', '--weeks', '4', '--json'));
    expect(b.runs.map((r) => r.as_of)).toEqual(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01']);
    let error = 0;
    let naiveError = 0;
    let actual = 0;
    for (const run of b.runs) {
      for (const p of run.periods) {
        expect(Object.keys(p).sort()).toEqual(['actual', 'currency', 'end', 'forecast', 'naive', 'start']);
        expect(p.start >= run.as_of && p.end < '2026-11-27').toBe(true);
        for (const v of [p.forecast, p.naive, p.actual]) expect(v).toMatch(/^-?\d+\.\d{2}$/);
        error += Math.abs(cents(p.forecast) - cents(p.actual));
        naiveError += Math.abs(cents(p.naive) - cents(p.actual));
        actual += cents(p.actual);
      }
    }
    // May: nothing known, nothing received in the four weeks from 05-01.
    expect(b.runs[0]!.periods).toEqual([]);
    // July and August windows hold receipts (07-11, 07-15, 08-15, 08-20).
    expect(actual).toBeGreaterThan(0);
    expect(Object.keys(b.wape)).toEqual(['CNY']);
    expect(b.wape.CNY!.method).toBe((error / actual).toFixed(4));
    expect(b.wape.CNY!.naive).toBe((naiveError / actual).toFixed(4));
  }, SLOW);

  it('forecast --backtest as a table shows forecast, naive and actual and both errors', async () => {
    const r = await cli('forecast', '--backtest', '--as-of', '2026-09-01', '--weeks', '5');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Backtest: forecast from what was known then, against the cash that came');
    expect(r.stdout).toMatch(/^2026-09-01\s+2026-09-01\s+2026-09-07\s+CNY\s+255\.00\s+800\.00\s+0\.00\s*$/m);
    expect(r.stdout).toContain('CNY error (WAPE): this method 249.5%, naive "pays on the due date" 260.0% — the method is better');
  }, SLOW);

  it('usage errors: --weeks with --months, a period count that is not a whole number from 1 to 120', async () => {
    for (const args of [['--weeks', '4', '--months', '2'], ['--months', 'x'], ['--weeks', '121']]) {
      const r = await cli('forecast', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
    }
  }, SLOW);
});

describe.each(testEngines())('%s, an empty book', (engine) => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await scratchDatabase(engine);
    await seed(db.dbArg, ['init']);
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('forecast says nothing is expected; --json has no periods; the backtest has no errors to show', async () => {
    const table = await owed(['--db', db.dbArg, 'forecast']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe('nothing is open and no order is waiting to be invoiced as of 2026-11-27\n');
    expect(json<ForecastJson>(await owed(['--db', db.dbArg, 'forecast', '--json']))).toEqual({ as_of: '2026-11-27', unit: 'week', periods: [], beyond: {} });
    const b = json<BacktestJson>(await owed(['--db', db.dbArg, 'forecast', '--backtest', '--json']));
    expect(b.wape).toEqual({});
    expect(b.runs.every((r) => r.periods.length === 0)).toBe(true);
  }, SLOW);
});
