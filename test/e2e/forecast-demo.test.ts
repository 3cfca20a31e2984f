/**
 * On the demo book (owed demo, as of 2026-11-27) the forecast method must beat the naive
 * "everyone pays on the due date" in the backtest, and the output shows both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owed, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { seed } from './helpers.js';

interface BacktestJson {
  runs: { as_of: string; periods: { start: string; end: string; currency: string; forecast: string; naive: string; actual: string }[] }[];
  wape: Record<string, { method: string | null; naive: string | null }>;
}

interface ForecastJson {
  periods: { start: string; end: string; currency: string; expected: string; overdue: string; pipeline: string; cumulative: string }[];
  beyond: Record<string, string>;
}

function json<T>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const cents = (s: string) => Math.round(Number(s) * 100);

describe.each(testEngines())('%s, the demo book', (engine) => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await scratchDatabase(engine);
    await seed(db.dbArg, ['demo', '--today', '2026-11-27']);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('forecast --backtest --json: the method\'s WAPE is lower than the naive one', async () => {
    const b = json<BacktestJson>(await owed(['--db', db.dbArg, 'forecast', '--backtest', '--json']));
    expect(b.runs.map((r) => r.as_of)).toEqual(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01']);
    expect(b.runs.every((r) => r.periods.length > 0 && r.periods.every((p) => p.end < '2026-11-27'))).toBe(true);
    const w = b.wape.CNY!;
    expect(w.method).toMatch(/^\d+\.\d{4}$/);
    expect(w.naive).toMatch(/^\d+\.\d{4}$/);
    expect(Number(w.method), JSON.stringify(b.wape)).toBeLessThan(Number(w.naive));
    // The WAPE is what the periods say: Σ|forecast − actual| ÷ Σ actual.
    const all = b.runs.flatMap((r) => r.periods.filter((p) => p.currency === 'CNY'));
    const actual = all.reduce((s, p) => s + cents(p.actual), 0);
    expect(w.method).toBe((all.reduce((s, p) => s + Math.abs(cents(p.forecast) - cents(p.actual)), 0) / actual).toFixed(4));
    expect(w.naive).toBe((all.reduce((s, p) => s + Math.abs(cents(p.naive) - cents(p.actual)), 0) / actual).toFixed(4));
  });

  it('forecast --backtest as a table shows both errors and says the method is better', async () => {
    const r = await owed(['--db', db.dbArg, 'forecast', '--backtest']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^CNY error \(WAPE\): this method \d+\.\d%, naive "pays on the due date" \d+\.\d% — the method is better$/m);
  });

  it('forecast --json: 13 weeks whose cumulative adds up, with overdue and pipeline within the expected', async () => {
    const f = json<ForecastJson>(await owed(['--db', db.dbArg, 'forecast', '--json']));
    expect(f.periods).toHaveLength(13);
    let running = 0;
    for (const p of f.periods) {
      running += cents(p.expected);
      expect(cents(p.cumulative)).toBe(running);
      expect(cents(p.overdue) + cents(p.pipeline)).toBeLessThanOrEqual(cents(p.expected));
    }
    expect(f.periods.some((p) => cents(p.overdue) > 0)).toBe(true);
    expect(f.periods.some((p) => cents(p.pipeline) > 0)).toBe(true);
  });
});
