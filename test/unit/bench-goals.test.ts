/**
 * The benchmark's judgement (src/bench/goals.ts, compare.ts): what counts against each goal of
 * issue 7, and how hledger's and ledger's balances are read and compared with owed's aging.
 */
import { describe, expect, it } from 'vitest';
import { compareReceivables, hledgerReceivables, ledgerReceivables, owedReceivables } from '../../src/bench/compare.js';
import { evaluateGoals } from '../../src/bench/goals.js';
import type { StepResult } from '../../src/bench/scenario.js';

function step(engine: 'sqlite' | 'postgres', name: string, medianMs: number, more: Partial<StepResult> = {}): StepResult {
  return { engine, scale: 1_000_000, step: name, medianMs, runsMs: [medianMs], rowsPerSecond: null, cpuMs: null, commandMs: null, peakRssMb: 100, detail: '', load1: 1, ...more };
}

describe('evaluateGoals', () => {
  const results = [
    step('sqlite', 'load book (bulk, generator)', 50_000, { peakRssMb: 354 }),
    step('sqlite', 'import invoices', 10_000, { rowsPerSecond: 101_000 }),
    step('sqlite', 'aging 2026-11-27', 900, { commandMs: 650 }),
    step('sqlite', 'statement, largest customer', 700, { commandMs: 90, peakRssMb: 290 }),
    step('sqlite', 'hledger bal Assets:Receivable -e 2026-11-28', 80_000, { failed: true, peakRssMb: 8_000 }),
    step('postgres', 'aging 2026-11-27', 2_000),
    step('postgres', 'import invoices', 20_000, { rowsPerSecond: 49_000 }),
    step('postgres', 'load book (bulk, generator)', 150_000),
  ];
  const goals = evaluateGoals(results);
  const find = (engine: string, goal: string) => goals.find((g) => g.engine === engine && g.goal === goal);

  it('judges each goal on the wall time of the median run, naming owed\'s own work beside it', () => {
    expect(find('sqlite', 'aging 2026-11-27 ≤ 1 s')).toMatchObject({ measured: '900 ms (owed\'s work 650 ms)', met: true });
    expect(find('sqlite', 'statement, largest customer ≤ 100 ms')).toMatchObject({ measured: '700 ms (owed\'s work 90 ms)', met: false });
    expect(find('sqlite', 'statement, largest customer: owed\'s work after start-up ≤ 100 ms')).toMatchObject({ measured: '90 ms', met: true });
    expect(find('sqlite', 'import invoices ≥ 100,000 rows/s')).toMatchObject({ met: true });
    expect(find('postgres', 'import invoices ≥ 50,000 rows/s')).toMatchObject({ measured: '49,000 rows/s', met: false });
  });

  it('leaves hledger, ledger and the benchmark\'s bulk loader out of the memory goal', () => {
    expect(find('sqlite', 'peak RSS ≤ 300 MB in every owed step')).toMatchObject({ measured: '290 MB (statement, largest customer)', met: true });
  });

  it('takes a hledger that ran out of memory as a lower bound of the ratio', () => {
    expect(find('sqlite', 'owed aging ≥ 5× faster than hledger bal')).toMatchObject({
      measured: '≥ 88.9× (hledger stopped after 80,000 ms without a result; owed 900 ms)',
      met: true,
    });
  });

  it('compares PostgreSQL with SQLite step by step', () => {
    expect(find('postgres', 'aging 2026-11-27: within 2× of SQLite')).toMatchObject({ measured: '2.22× (2,000 ms vs 900 ms)', met: false });
    expect(find('postgres', 'import invoices: within 2× of SQLite')).toMatchObject({ measured: '2.00× (20,000 ms vs 10,000 ms)', met: true });
    // The benchmark's own loader is not an owed step.
    expect(goals.filter((g) => g.goal.startsWith('load book'))).toEqual([]);
  });
});

describe('receivables of owed, hledger and ledger', () => {
  const owed = owedReceivables(JSON.stringify({ rows: [
    { customer: 'G0000001', currency: 'CNY', total: '1,234.50' },
    { customer: 'G0000002', currency: 'USD', total: '0.00' },
    { customer: null, currency: 'CNY', total: '-5.00' },
  ] }));

  it('reads each tool\'s output into the same per-customer amounts, zeros left out', () => {
    expect([...owed]).toEqual([['G0000001', '1234.50 CNY']]);
    const hledger = hledgerReceivables('"account","balance"\n"Assets:Receivable:G0000001","1234.50 CNY"\n"Assets:Receivable:G0000002","0 USD"\n');
    expect([...hledger]).toEqual([['G0000001', '1234.50 CNY']]);
    const ledger = ledgerReceivables('        1,234.50 CNY  Assets:Receivable:G0000001\n');
    expect([...ledger]).toEqual([['G0000001', '1234.50 CNY']]);
    expect(compareReceivables(owed, hledger)).toBe('1 customers agree with owed aging to the cent');
  });

  it('names the customers that differ', () => {
    const other = ledgerReceivables('        1,234.49 CNY  Assets:Receivable:G0000001\n');
    expect(compareReceivables(owed, other)).toBe('**1 customers differ** from owed aging (e.g. G0000001: owed 1234.50 CNY, here 1234.49 CNY)');
  });

  it('refuses a balance it cannot read rather than comparing it', () => {
    expect(() => ledgerReceivables('garbage\n')).toThrow(/unexpected line/);
    expect(() => hledgerReceivables('"account","balance"\n"Assets:Receivable:G1","1 CNY, 2 USD"\n')).toThrow(/not one amount/);
  });
});
