/**
 * Alert states kept in the database across nightly runs (--today moves the business date):
 * new → ongoing → escalated → resolved after payment, new again when the payment bounces;
 * `alert ack` and `--fail-on` exit codes. Only the invoice_overdue rule is left on.
 *
 *   INV-1 C001 1,000.00  issued 2026-09-01, due 10-01: > 30 days on 11-01, > 90 days on 12-31
 *   INV-2 C001   400.00  issued 2026-11-01, due 12-01: > 30 days on 2027-01-01
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed } from './helpers.js';

interface AlertRow {
  id: string;
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

const INV1 = 'invoice_overdue:INV-2026-000001';
const INV2 = 'invoice_overdue:INV-2026-000002';
/** Several runs of the binary on a loaded machine. */
const SLOW = 120_000;

function parse(r: CliResult, code = 0): RunJson {
  expect(r.code, r.stderr).toBe(code);
  return JSON.parse(r.stdout) as RunJson;
}

/** [id, level, state, since, changed_on] */
const rows = (list: readonly AlertRow[]) => list.map((a) => [a.id, a.level, a.state, a.since, a.changed_on]);

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);
  /** alert run --json on a business date; the exit code is checked. */
  const night = async (today: string, code = 0, ...args: string[]) => parse(await cli('--today', today, 'alert', 'run', '--json', ...args), code);

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await seed(
      db.dbArg,
      ['init'],
      ['settings', 'set', 'alerts.overdue_share_percent', '100'],
      ['settings', 'set', 'alerts.dso_days', '3650'],
      ['customer', 'add', 'C001', '--name', 'Alpha Ltd', '--terms', 'NET30'],
      ['product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '0', '--service'],
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:10', '--date', '2026-09-01'],
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:4', '--date', '2026-11-01'],
    );
  }, 60_000);
  afterEach(async () => {
    await db.drop();
  });

  it('new → (same day) new → ongoing → escalated; new and escalated alerts are listed first', async () => {
    // 30 days overdue: not yet.
    let r = await night('2026-10-31', 0, '--fail-on', 'warn');
    expect(r).toEqual({ as_of: '2026-10-31', active: [], resolved: [], notified: [] });

    // 31 days: new warning; --fail-on warn exits 10, still printing the result.
    const failed = await cli('--today', '2026-11-01', 'alert', 'run', '--json', '--fail-on', 'warn');
    r = parse(failed, 10);
    expect(rows(r.active)).toEqual([[INV1, 'warn', 'new', '2026-11-01', '2026-11-01']]);
    expect(r.active[0]!.message).toBe('INV-2026-000001 of C001 Alpha Ltd is 31 days overdue, 1,000.00 CNY open');
    expect(failed.stderr).toContain('owed: 1 unacknowledged alert at or above warn');

    // Again the same day: unchanged; --fail-on critical is not reached.
    r = await night('2026-11-01', 0, '--fail-on', 'critical');
    expect(rows(r.active)).toEqual([[INV1, 'warn', 'new', '2026-11-01', '2026-11-01']]);

    r = await night('2026-11-02');
    expect(rows(r.active)).toEqual([[INV1, 'warn', 'ongoing', '2026-11-01', '2026-11-02']]);
    expect(r.active[0]!.message).toContain('is 32 days overdue');

    r = await night('2026-12-30', 0, '--fail-on', 'critical'); // 90 days: still a warning
    expect(rows(r.active)).toEqual([[INV1, 'warn', 'ongoing', '2026-11-01', '2026-11-02']]);

    r = await night('2026-12-31', 10, '--fail-on', 'critical'); // 91 days
    expect(rows(r.active)).toEqual([[INV1, 'critical', 'escalated', '2026-11-01', '2026-12-31']]);

    // INV-2 turns 31 days overdue: the new warning is listed before the ongoing critical one.
    r = await night('2027-01-01');
    expect(rows(r.active)).toEqual([
      [INV2, 'warn', 'new', '2027-01-01', '2027-01-01'],
      [INV1, 'critical', 'ongoing', '2026-11-01', '2027-01-01'],
    ]);
  }, SLOW);

  it('resolved the day after payment, kept in alert list --all, and new again when the payment bounces', async () => {
    let r = await night('2027-01-01', 10, '--fail-on', 'critical');
    expect(rows(r.active)).toEqual([
      [INV1, 'critical', 'new', '2027-01-01', '2027-01-01'],
      [INV2, 'warn', 'new', '2027-01-01', '2027-01-01'],
    ]);

    await seed(db.dbArg, ['--today', '2027-01-02', 'receive', '--customer', 'C001', '--amount', '1000', '--date', '2027-01-02', '--apply', 'INV-2026-000001']);
    r = await night('2027-01-02', 0, '--fail-on', 'critical');
    expect(rows(r.active)).toEqual([[INV2, 'warn', 'ongoing', '2027-01-01', '2027-01-02']]);
    expect(r.resolved.map((a) => [a.id, a.level, a.state, a.resolved_on])).toEqual([[INV1, 'critical', 'resolved', '2027-01-02']]);

    // Resolved alerts are kept: alert list --all shows them after the active ones, alert list does not.
    const listed = await cli('--today', '2027-01-02', 'alert', 'list', '--all', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as AlertRow[]).map((a) => [a.id, a.level, a.state, a.since])).toEqual([
      [INV2, 'warn', 'ongoing', '2027-01-01'],
      [INV1, 'critical', 'resolved', '2027-01-01'],
    ]);
    expect((await readJson<AlertRow[]>(db.dbArg, 'alert', 'list')).map((a) => a.id)).toEqual([INV2]);

    // A day later nothing is resolved again.
    r = await night('2027-01-03');
    expect(r.resolved).toEqual([]);

    // The cheque bounces: the invoice is open again, and its alert is new again, first seen today.
    const receipt = (await readJson<{ number: string }[]>(db.dbArg, 'receipt', 'list')).map((x) => x.number)[0]!;
    await seed(db.dbArg, ['--today', '2027-01-05', 'receipt', 'reverse', receipt, '--reason', 'cheque bounced', '--date', '2027-01-05']);
    r = await night('2027-01-05', 10, '--fail-on', 'critical');
    expect(rows(r.active)).toEqual([
      [INV1, 'critical', 'new', '2027-01-05', '2027-01-05'],
      [INV2, 'warn', 'ongoing', '2027-01-01', '2027-01-02'],
    ]);
    expect(r.active[0]!.message).toContain('is 96 days overdue');
  }, SLOW);

  it('alert ack: an acknowledged alert stops --fail-on, stays acknowledged until it escalates, and fails again then', async () => {
    await night('2026-11-01', 10, '--fail-on', 'warn');
    const ack = await cli('--today', '2026-11-01', 'alert', 'ack', INV1, '--note', 'calling them', '--json');
    expect(ack.code, ack.stderr).toBe(0);
    expect(JSON.parse(ack.stdout)).toEqual({ id: INV1, state: 'acknowledged' });

    let r = await night('2026-11-01', 0, '--fail-on', 'warn');
    expect(r.active.map((a) => [a.id, a.state, a.acknowledged_by, a.note])).toEqual([[INV1, 'acknowledged', 'tester', 'calling them']]);

    r = await night('2026-11-15', 0, '--fail-on', 'warn');
    expect(rows(r.active)).toEqual([[INV1, 'warn', 'acknowledged', '2026-11-01', '2026-11-01']]);

    // 91 days: escalated, and --fail-on fails again.
    r = await night('2026-12-31', 10, '--fail-on', 'critical');
    expect(rows(r.active)).toEqual([[INV1, 'critical', 'escalated', '2026-11-01', '2026-12-31']]);

    // Acknowledged again: quiet at every level.
    expect((await cli('--today', '2026-12-31', 'alert', 'ack', INV1)).code).toBe(0);
    r = await night('2027-01-01', 10, '--fail-on', 'warn'); // INV-2 is a new warning
    expect(rows(r.active)).toEqual([
      [INV2, 'warn', 'new', '2027-01-01', '2027-01-01'],
      [INV1, 'critical', 'acknowledged', '2026-11-01', '2026-12-31'],
    ]);
    await night('2027-01-01', 0, '--fail-on', 'critical');
  }, SLOW);

  it('alert ack refuses an unknown id (exit 4) and a resolved alert (exit 5); a viewer may not acknowledge (exit 6)', async () => {
    await night('2026-11-01');
    const unknown = await cli('alert', 'ack', 'invoice_overdue:INV-2026-999999');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('invoice_overdue:INV-2026-999999');

    await seed(db.dbArg, ['user', 'add', 'viewer1', '--role', 'viewer']);
    const viewer = await owed(['--db', db.dbArg, 'alert', 'ack', INV1], { env: { OWED_USER: 'viewer1' } });
    expect(viewer.code).toBe(6);

    await seed(db.dbArg, ['receive', '--customer', 'C001', '--amount', '1000', '--date', '2026-11-02', '--apply', 'INV-2026-000001']);
    await night('2026-11-02');
    const resolved = await cli('alert', 'ack', INV1);
    expect(resolved.code).toBe(5);
    expect(resolved.stderr).toContain(`alert ${INV1} was resolved on 2026-11-02; nothing to acknowledge`);
  }, SLOW);

  it('--as-of evaluates on another date than today; the table view lists the alerts', async () => {
    const r = await cli('alert', 'run', '--as-of', '2026-12-31');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Alerts as of 2026-12-31');
    expect(r.stdout).toMatch(/invoice_overdue:INV-2026-000001\s+critical\s+new\s+2026-12-31\s+INV-2026-000001 of C001 Alpha Ltd is 91 days overdue, 1,000.00 CNY open/);
  });
});
