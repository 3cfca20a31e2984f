/**
 * `owed alert run` finds what each rule should, with thresholds from settings alerts.*. Today is
 * 2026-11-27; S1 is a service at 100.00 without tax; NET30.
 *
 *   INV-1 C001  200.00  2026-06-01  paid 07-11        INV-6 C002  300.00  2026-09-01  open, 57 days overdue
 *   INV-2 C002  100.00  2026-06-15  paid 07-15        INV-7 C001 1000.00  2026-10-20  open,  8 days overdue
 *   INV-3 C001  400.00  2026-07-01  paid 08-20        INV-8 C003  200.00  2026-11-10  open, not due
 *   INV-4 C002  400.00  2026-07-01  300.00 open, 119  INV-9 C001  500.00  2026-11-20  open, not due
 *   INV-5 C001  500.00  2026-08-01  paid 09-30        SO-1  C003  100.00  approved, not invoiced
 *
 *   receivables 2,300.00, of which overdue 1,600.00 (69.6 %); C001 holds 1,500.00 (65.2 %);
 *   sales over the last 90 days (from 2026-08-30) 2,000.00 → DSO 2,300 × 90 / 2,000 = 103.5 → 104;
 *   credit sales over 12 months 3,600.00; forecast, next 4 weeks: 405.00 + 961.54 = 1,366.54.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTarget, type Engine } from '../../src/storage/target.js';
import { owed, type CliResult } from '../support/cli.js';
import { POSTGRES_URL, scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { seed } from './helpers.js';

interface AlertRow {
  id: string;
  rule: string;
  subject: string;
  level: 'warn' | 'critical';
  state: string;
  since: string;
  changed_on: string;
  resolved_on: string | null;
  acknowledged_by: string | null;
  note: string | null;
  message: string;
}

interface RunJson {
  as_of: string;
  active: AlertRow[];
  resolved: AlertRow[];
  notified: string[];
}

function json<T>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Several runs of the binary on a loaded machine. */
const SLOW = 120_000;

const summary = (rows: readonly AlertRow[]) => rows.map((a) => [a.id, a.level, a.state]);

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

/** Settings that silence the rules a test is not about. */
const QUIET: (readonly string[])[] = [
  ['settings', 'set', 'alerts.invoice_overdue_warn_days', '3650'],
  ['settings', 'set', 'alerts.invoice_overdue_critical_days', '3650'],
  ['settings', 'set', 'alerts.overdue_share_percent', '100'],
  ['settings', 'set', 'alerts.dso_days', '3650'],
  ['settings', 'set', 'alerts.concentration_percent', '100'],
];

/** A copy of a seeded book (a file copy, or CREATE DATABASE … TEMPLATE), cheaper than seeding each test's. */
async function copyOf(template: ScratchDatabase, engine: Engine): Promise<ScratchDatabase> {
  if (engine === 'sqlite') {
    const db = await scratchDatabase('sqlite');
    const from = path.dirname(template.dbArg);
    for (const file of fs.readdirSync(from)) fs.copyFileSync(path.join(from, file), path.join(path.dirname(db.dbArg), file));
    return db;
  }
  const name = `owed_t_${randomBytes(6).toString('hex')}`;
  const admin = () => knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
  const create = admin();
  try {
    await create.raw('create database ?? template ??', [name, new URL(template.dbArg).pathname.slice(1)]);
  } finally {
    await create.destroy();
  }
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  return {
    target: parseTarget(url.toString()),
    dbArg: url.toString(),
    drop: async () => {
      const again = admin();
      try {
        await again.raw('drop database if exists ?? with (force)', [name]);
      } finally {
        await again.destroy();
      }
    },
  };
}

describe.each(testEngines())('%s', (engine) => {
  let template: ScratchDatabase;
  let db: ScratchDatabase;
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);
  const run = async (...args: string[]) => json<RunJson>(await cli('alert', 'run', '--json', ...args));

  beforeAll(async () => {
    template = await scratchDatabase(engine);
    await seed(template.dbArg, ...BOOK);
  }, 120_000);
  afterAll(async () => {
    await template?.drop();
  });
  beforeEach(async () => {
    db = await copyOf(template, engine);
  }, 60_000);
  afterEach(async () => {
    await db.drop();
  });

  it('with the default thresholds: overdue invoices (warn > 30, critical > 90 days), overdue share, DSO, concentration', async () => {
    const r = await run();
    expect(r.as_of).toBe('2026-11-27');
    expect(summary(r.active)).toEqual([
      ['invoice_overdue:INV-2026-000004', 'critical', 'new'],
      ['concentration:C001', 'warn', 'new'],
      ['dso:CNY', 'warn', 'new'],
      ['invoice_overdue:INV-2026-000006', 'warn', 'new'],
      ['overdue_share:CNY', 'warn', 'new'],
    ]);
    const byId = new Map(r.active.map((a) => [a.id, a]));
    expect(byId.get('invoice_overdue:INV-2026-000004')).toEqual({
      id: 'invoice_overdue:INV-2026-000004', rule: 'invoice_overdue', subject: 'INV-2026-000004', level: 'critical', state: 'new',
      since: '2026-11-27', changed_on: '2026-11-27', resolved_on: null, acknowledged_by: null, note: null,
      message: 'INV-2026-000004 of C002 Beta Ltd is 119 days overdue, 300.00 CNY open',
    });
    expect(byId.get('invoice_overdue:INV-2026-000006')!.message).toBe('INV-2026-000006 of C002 Beta Ltd is 57 days overdue, 300.00 CNY open');
    expect(byId.get('overdue_share:CNY')!.message).toBe('69.6% of CNY receivables are overdue (1,600.00 CNY of 2,300.00 CNY)');
    expect(byId.get('dso:CNY')!.message).toBe('DSO over the last 90 days is 104 days in CNY (limit 60)');
    expect(byId.get('concentration:C001')!.message).toBe('C001 Alpha Ltd holds 65.2% of CNY receivables');
    expect(r.resolved).toEqual([]);
    expect(r.notified).toEqual([]);
  }, SLOW);

  it('raised thresholds (settings alerts.*) make the rules quieter; what no longer fires is resolved', async () => {
    await run();
    await seed(
      db.dbArg,
      ['settings', 'set', 'alerts.invoice_overdue_warn_days', '60'],
      ['settings', 'set', 'alerts.invoice_overdue_critical_days', '120'],
      ['settings', 'set', 'alerts.overdue_share_percent', '70'],
      ['settings', 'set', 'alerts.dso_days', '104'],
      ['settings', 'set', 'alerts.concentration_percent', '65.5'],
    );
    const r = await run();
    // 119 days is now only a warning (same day: still new); 57 days is under 60; 69.6 % ≤ 70 %; DSO 103.5 ≤ 104; 65.2 % ≤ 65.5 %.
    expect(summary(r.active)).toEqual([['invoice_overdue:INV-2026-000004', 'warn', 'new']]);
    expect(summary(r.resolved).sort()).toEqual([
      ['concentration:C001', 'warn', 'resolved'],
      ['dso:CNY', 'warn', 'resolved'],
      ['invoice_overdue:INV-2026-000006', 'warn', 'resolved'],
      ['overdue_share:CNY', 'warn', 'resolved'],
    ]);
    expect(r.resolved.every((a) => a.resolved_on === '2026-11-27')).toBe(true);
    // DSO just under: 103
    await seed(db.dbArg, ['settings', 'set', 'alerts.dso_days', '103']);
    expect(summary((await run()).active)).toContainEqual(['dso:CNY', 'warn', 'new']);
  }, SLOW);

  it('credit exposure: > 90 % of the limit warns, > 100 % is critical; approved orders count, unapplied cash is netted', async () => {
    await seed(
      db.dbArg,
      ...QUIET,
      ['customer', 'edit', 'C001', '--credit-limit', '1600'], // 1,500.00 → 93.75 %
      ['customer', 'edit', 'C002', '--credit-limit', '1000'], // 600.00 → 60 %
      ['customer', 'edit', 'C003', '--credit-limit', '300'], // 200.00 + SO-1 100.00 → exactly 100 %
    );
    let r = await run();
    expect(summary(r.active)).toEqual([
      ['credit_exposure:C001', 'warn', 'new'],
      ['credit_exposure:C003', 'warn', 'new'],
    ]);
    expect(r.active[0]!.message).toBe('C001 Alpha Ltd: exposure 1,500.00 CNY, 93.8% of the limit 1,600.00 CNY');
    expect(r.active[1]!.message).toBe('C003 Gamma Ltd: exposure 300.00 CNY, 100.0% of the limit 300.00 CNY');

    await seed(db.dbArg, ['customer', 'edit', 'C001', '--credit-limit', '1400'], ['customer', 'edit', 'C002', '--credit-limit', '0']);
    r = await run('--today', '2026-11-28');
    expect(summary(r.active)).toEqual([
      ['credit_exposure:C001', 'critical', 'escalated'],
      ['credit_exposure:C002', 'critical', 'new'],
      ['credit_exposure:C003', 'warn', 'ongoing'],
    ]);
    expect(r.active[0]!.message).toBe('C001 Alpha Ltd: exposure 1,500.00 CNY, 107.1% of the limit 1,400.00 CNY');
    expect(r.active[1]!.message).toBe('C002 Beta Ltd: exposure 600.00 CNY, a cash-only customer');

    // 300.00 received from C001 and not applied: 1,200.00 of 1,400.00 = 85.7 %.
    await seed(db.dbArg, ['receive', '--customer', 'C001', '--amount', '300', '--date', '2026-11-29', '--apply', 'none']);
    r = await run('--today', '2026-11-29');
    expect(summary(r.resolved)).toEqual([['credit_exposure:C001', 'critical', 'resolved']]);
    expect(summary(r.active)).toEqual([
      ['credit_exposure:C002', 'critical', 'ongoing'],
      ['credit_exposure:C003', 'warn', 'ongoing'],
    ]);
  }, SLOW);

  it('bad-debt ratio: a write-off above 2 % of the credit sales of the last 12 months', async () => {
    await seed(db.dbArg, ...QUIET);
    expect((await run()).active).toEqual([]);
    await seed(db.dbArg, ['invoice', 'write-off', 'INV-2026-000004', '--reason', 'customer bankrupt', '--date', '2026-11-27']);
    let r = await run();
    expect(summary(r.active)).toEqual([['bad_debt_ratio:CNY', 'warn', 'new']]);
    expect(r.active[0]!.message).toBe('write-offs are 8.33% of CNY credit sales over 12 months (300.00 CNY of 3,600.00 CNY)');
    await seed(db.dbArg, ['settings', 'set', 'alerts.bad_debt_percent', '8.34']);
    r = await run();
    expect(r.active).toEqual([]);
    expect(summary(r.resolved)).toEqual([['bad_debt_ratio:CNY', 'warn', 'resolved']]);
    // A year and a day later the write-off has left the window (and so have the sales).
    await seed(db.dbArg, ['settings', 'set', 'alerts.bad_debt_percent', '2']);
    expect(summary((await run('--as-of', '2027-11-27')).active)).toEqual([]);
  }, SLOW);

  it('bad-debt ratio is found even when nothing is left open', async () => {
    const other = await scratchDatabase(engine);
    try {
      await seed(
        other.dbArg,
        ['init'],
        ['customer', 'add', 'C001', '--name', 'Alpha Ltd', '--terms', 'NET30'],
        ['product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '0', '--service'],
        ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:10', '--date', '2026-08-01'],
        ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:1', '--date', '2026-08-02'],
        ['receive', '--customer', 'C001', '--amount', '1000', '--date', '2026-09-01', '--apply', 'INV-2026-000001'],
        ['invoice', 'write-off', 'INV-2026-000002', '--reason', 'not worth chasing', '--date', '2026-11-20'],
      );
      // 100.00 written off of 1,100.00 sold: 9.09 % > 2 %, though every invoice is now settled.
      const r = json<RunJson>(await owed(['--db', other.dbArg, 'alert', 'run', '--json']));
      expect(summary(r.active)).toEqual([['bad_debt_ratio:CNY', 'warn', 'new']]);
    } finally {
      await other.drop();
    }
  }, SLOW);

  it('forecast floor: expected inflow over the next 4 weeks below alerts.forecast_floor; 0 turns it off', async () => {
    await seed(db.dbArg, ...QUIET, ['settings', 'set', 'alerts.forecast_floor', '2000']);
    let r = await run();
    expect(summary(r.active)).toEqual([['forecast_floor:CNY', 'warn', 'new']]);
    expect(r.active[0]!.message).toBe('expected inflow over the next 4 weeks is 1,366.54 CNY, below the floor of 2,000.00 CNY');

    await seed(db.dbArg, ['settings', 'set', 'alerts.forecast_floor', '1366.54']);
    r = await run();
    expect(r.active).toEqual([]);
    expect(summary(r.resolved)).toEqual([['forecast_floor:CNY', 'warn', 'resolved']]);

    // Back above: new again, though it was resolved earlier the same day.
    await seed(db.dbArg, ['settings', 'set', 'alerts.forecast_floor', '1366.55']);
    expect(summary((await run()).active)).toEqual([['forecast_floor:CNY', 'warn', 'new']]);

    await seed(db.dbArg, ['settings', 'set', 'alerts.forecast_floor', '0']);
    expect((await run()).active).toEqual([]);
  }, SLOW);

  it('alert rules lists the seven rules with the thresholds in settings', async () => {
    await seed(db.dbArg, ['settings', 'set', 'alerts.invoice_overdue_warn_days', '45'], ['settings', 'set', 'alerts.forecast_floor', '5000']);
    const rules = json<{ rule: string; subject: string; warn: string; critical: string; settings: string }[]>(await cli('alert', 'rules', '--json'));
    expect(rules.map((r) => [r.rule, r.subject, r.warn, r.critical])).toEqual([
      ['invoice_overdue', 'invoice', '> 45 days overdue', '> 90 days overdue'],
      ['credit_exposure', 'customer', '> 90% of the credit limit', '> 100% of the credit limit'],
      ['overdue_share', 'currency', 'overdue > 20% of receivables', ''],
      ['dso', 'currency', 'DSO (last 90 days) > 60 days', ''],
      ['bad_debt_ratio', 'currency', 'write-offs > 2% of credit sales (12 months)', ''],
      ['concentration', 'customer', 'largest customer > 30% of receivables', ''],
      ['forecast_floor', 'currency', 'expected inflow, next 4 weeks < 5000 CNY', ''],
    ]);
    expect(rules.every((r) => r.settings.startsWith('alerts.'))).toBe(true);
  }, SLOW);

  it('alert rules says the forecast floor is off when it is set to 0.00 (as alert run treats it)', async () => {
    await seed(db.dbArg, ...QUIET, ['settings', 'set', 'alerts.forecast_floor', '0.00']);
    expect((await run()).active).toEqual([]);
    const rules = json<{ rule: string; warn: string }[]>(await cli('alert', 'rules', '--json'));
    expect(rules.find((r) => r.rule === 'forecast_floor')!.warn).toBe('off (alerts.forecast_floor is 0)');
  }, SLOW);

  it('a user who is not registered may not run the alerts (exit 6), and nothing is recorded', async () => {
    const r = await owed(['--db', db.dbArg, 'alert', 'run'], { env: { OWED_USER: 'stranger' } });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('user "stranger" is not registered in this book and cannot run alerts');
    expect(json<unknown[]>(await cli('alert', 'list', '--all', '--json'))).toEqual([]);
  });
});
