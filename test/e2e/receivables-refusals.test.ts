/**
 * Every refusal of the Receivables issue: the exit code of CLI.md, a message on stderr naming what
 * is wrong (amount, invoice, receipt, batch, customer, figures), and nothing written (the snapshot
 * after each refusal equals the one taken after set-up). Refusals write nothing, so one book per
 * engine serves every case. The refused command runs as the built binary; set-up runs the same
 * built CLI in-process.
 *
 * Book (VAT 0 %, NET30): C1, C2 in CNY, C3 in USD.
 *   INV-1 C1 1000.00 10-01 (paid by RC-1)    INV-2 C1 500.00 10-05 (open 500.00)
 *   INV-3 C2  300.00 10-01 (open 275.00 after WO-1 25.00 on 11-05)
 *   RC-1 C1 1200.00 10-20 ref B-1 → INV-1 1000.00 (RB-1); 200.00 unapplied
 *   RC-2 unidentified 50.00 11-01
 *   RC-3 C2 100.00 10-15 → INV-3 (RB-2), reversed on 11-02 (RB-3)
 *   RC-4 C1 900.00 11-03 → INV-2 50.00 (RB-4), undone on 11-06 (RB-5); 900.00 unapplied
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { owed, snapshot, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed } from './helpers.js';

const inv = (n: number) => `INV-2026-${String(n).padStart(6, '0')}`;
const rc = (n: number) => `RC-2026-${String(n).padStart(6, '0')}`;
const rb = (n: number) => `RB-2026-${String(n).padStart(6, '0')}`;

interface AllocationRow { id: number; batch: string | null; source: string; invoice: string; amount: string; reverses: number | null }

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  let writeOffAllocation: number;
  let undoneAllocation: number;
  /** The book after set-up: every refusal must leave it exactly so. */
  let baseline: string;
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);

  /** Runs a command that must be refused with `code`, naming every `mentions`, and change nothing. */
  async function refused(code: number, mentions: readonly string[], ...args: string[]): Promise<CliResult> {
    const r = await cli(...args);
    expect(r.code, `owed ${args.join(' ')}\n${r.stderr}`).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^(owed: |error: )/);
    expect(r.stderr).not.toContain('internal error');
    for (const m of mentions) expect(r.stderr).toContain(m);
    expect(await snapshot(db.target), `owed ${args.join(' ')} changed the book`).toBe(baseline);
    return r;
  }

  beforeAll(async () => {
    db = await scratchDatabase(engine);
    await seed(
      db.dbArg,
      ['init'],
      ['customer', 'add', 'C1', '--name', '甲方贸易有限公司', '--terms', 'NET30'],
      ['customer', 'add', 'C2', '--name', 'Beta Ltd', '--terms', 'NET30'],
      ['customer', 'add', 'C3', '--name', 'Gamma Inc', '--terms', 'NET30', '--currency', 'USD'],
      ['product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '0', '--service'],
      ['invoice', 'issue', '--customer', 'C1', '--line', 'S1:1:1000', '--date', '2026-10-01'],
      ['invoice', 'issue', '--customer', 'C1', '--line', 'S1:1:500', '--date', '2026-10-05'],
      ['invoice', 'issue', '--customer', 'C2', '--line', 'S1:1:300', '--date', '2026-10-01'],
      ['receive', '--customer', 'C1', '--amount', '1200', '--date', '2026-10-20', '--ref', 'B-1', '--apply', inv(1)],
      ['receive', '--amount', '50', '--date', '2026-11-01', '--memo', 'no idea'],
      ['receive', '--customer', 'C2', '--amount', '100', '--date', '2026-10-15', '--apply', inv(3)],
      ['receipt', 'reverse', rc(3), '--reason', 'returned by the bank', '--date', '2026-11-02'],
      ['receive', '--customer', 'C1', '--amount', '900', '--date', '2026-11-03', '--apply', `${inv(2)}:50`],
      ['reconcile', 'undo', rb(4), '--date', '2026-11-06'],
      ['invoice', 'write-off', inv(3), '--amount', '25', '--reason', 'goodwill', '--date', '2026-11-05'],
    );
    const allocations = await readJson<AllocationRow[]>(db.dbArg, 'reconcile', 'list');
    writeOffAllocation = allocations.find((a) => a.source === 'WO-2026-000001')!.id;
    undoneAllocation = allocations.find((a) => a.batch === rb(4) && a.reverses === null)!.id;
    const open = Object.fromEntries((await readJson<{ number: string; open: string }[]>(db.dbArg, 'invoice', 'list')).map((r) => [r.number, r.open]));
    expect(open).toEqual({ [inv(1)]: '0.00', [inv(2)]: '500.00', [inv(3)]: '275.00' });
    const receipts = await readJson<{ number: string; unapplied: string; status: string }[]>(db.dbArg, 'receipt', 'list');
    expect(receipts.map((r) => [r.number, r.unapplied, r.status])).toEqual([
      [rc(1), '200.00', 'partly applied'], [rc(2), '50.00', 'unidentified'], [rc(3), '0.00', 'reversed'], [rc(4), '900.00', 'unapplied'],
    ]);
    baseline = await snapshot(db.target);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  describe('receive', () => {
    it('a zero or negative amount is invalid input (3); a malformed one is a usage error (2)', async () => {
      await refused(3, ['--amount', '"0"', 'greater than zero'], 'receive', '--customer', 'C1', '--amount', '0');
      await refused(3, ['--amount', '"-5"', 'greater than zero'], 'receive', '--customer', 'C1', '--amount=-5');
      await refused(3, ['--amount', 'greater than zero'], 'receive', '--customer', 'C1', '--amount', '-5');
      await refused(2, ['--amount', 'abc'], 'receive', '--customer', 'C1', '--amount', 'abc');
      await refused(2, ['--amount'], 'receive', '--customer', 'C1');
      await refused(2, ['--date', '2026-02-30'], 'receive', '--customer', 'C1', '--amount', '5', '--date', '2026-02-30');
      await refused(2, ['--method', 'wire'], 'receive', '--customer', 'C1', '--amount', '5', '--method', 'wire');
      await refused(3, ['--currency', 'USD', 'C1'], 'receive', '--customer', 'C1', '--amount', '5', '--currency', 'USD');
    }, 60_000);

    it('an unknown customer or invoice is not found (4)', async () => {
      await refused(4, ['customer "NOPE" not found'], 'receive', '--customer', 'NOPE', '--amount', '5');
      await refused(4, ['invoice "INV-2026-999999" not found'], 'receive', '--customer', 'C1', '--amount', '5', '--apply', 'INV-2026-999999');
    }, 60_000);

    it('the same bank reference with different content is a conflict (5)', async () => {
      await refused(5, ['bank reference B-1', `already recorded as ${rc(1)}`, 'different content', '1,200.00 CNY on 2026-10-20 from C1'],
        'receive', '--customer', 'C1', '--amount', '1300', '--date', '2026-10-20', '--ref', 'B-1');
      await refused(5, ['B-1', rc(1)], 'receive', '--customer', 'C2', '--amount', '1200', '--date', '2026-10-20', '--ref', 'B-1');
    }, 60_000);

    it('--apply beyond what is open, to another customer, or of zero records no receipt at all', async () => {
      await refused(5, [inv(2), '500.00 CNY open', 'cannot apply 600.00 CNY'], 'receive', '--customer', 'C1', '--amount', '700', '--apply', `${inv(2)}:600`);
      await refused(5, ['belongs to C2', inv(3)], 'receive', '--customer', 'C1', '--amount', '100', '--apply', inv(3));
      await refused(5, [inv(1), 'nothing open'], 'receive', '--customer', 'C1', '--amount', '100', '--apply', inv(1));
      await refused(3, ['amount', 'greater than zero'], 'receive', '--customer', 'C1', '--amount', '100', '--apply', `${inv(2)}:0`);
    }, 60_000);
  });

  describe('reconcile apply', () => {
    it('an unknown receipt or invoice is not found (4)', async () => {
      await refused(4, ['receipt "RC-2026-999999" not found'], 'reconcile', 'apply', 'RC-2026-999999', inv(2));
      await refused(4, ['invoice "INV-2026-999999" not found'], 'reconcile', 'apply', rc(4), 'INV-2026-999999');
      // The first target would fit: the whole batch is refused, nothing of it kept.
      await refused(4, ['invoice "INV-2026-999999" not found'], 'reconcile', 'apply', rc(4), `${inv(2)}:100`, 'INV-2026-999999:5');
    }, 60_000);

    it('more than the receipt has, or than the invoice has open, is refused (5)', async () => {
      await refused(5, [rc(1), '200.00 CNY unapplied', 'cannot apply 300.00 CNY'], 'reconcile', 'apply', rc(1), `${inv(2)}:300`);
      await refused(5, [inv(2), '500.00 CNY open', 'cannot apply 600.00 CNY'], 'reconcile', 'apply', rc(4), `${inv(2)}:600`);
      await refused(5, [inv(1), 'nothing open'], 'reconcile', 'apply', rc(4), inv(1));
      // Two targets that each fit but together exceed the invoice.
      await refused(5, [inv(2), 'cannot apply 300.00 CNY'], 'reconcile', 'apply', rc(4), `${inv(2)}:300`, `${inv(2)}:300`);
    }, 60_000);

    it('another customer\'s invoice, unidentified or reversed cash is refused (5)', async () => {
      await refused(5, [`${rc(4)} is from C1, but ${inv(3)} belongs to C2`], 'reconcile', 'apply', rc(4), `${inv(3)}:10`);
      await refused(5, [`${rc(2)} is unidentified cash`, `owed receipt assign ${rc(2)}`], 'reconcile', 'apply', rc(2), `${inv(2)}:10`);
      await refused(5, [`${rc(3)} was reversed on 2026-11-02`], 'reconcile', 'apply', rc(3), `${inv(3)}:10`);
    }, 60_000);

    it('a zero or negative amount is invalid (3); an allocation date before the receipt is invalid (3)', async () => {
      await refused(3, ['amount', '0.00', 'greater than zero'], 'reconcile', 'apply', rc(4), `${inv(2)}:0`);
      await refused(3, ['amount', '-5.00', 'greater than zero'], 'reconcile', 'apply', rc(4), `${inv(2)}:-5`);
      await refused(3, ['--date', '2026-11-01', 'before 2026-11-03'], 'reconcile', 'apply', rc(4), `${inv(2)}:10`, '--date', '2026-11-01');
      await refused(2, ['--date', 'soon'], 'reconcile', 'apply', rc(4), `${inv(2)}:10`, '--date', 'soon');
    }, 60_000);

    // CLI.md: a malformed argument is a usage error (exit 2), as `--amount abc` is. The amount of an
    // INV:AMOUNT target is parsed in the domain instead and comes back as invalid data (exit 3).
    it('a malformed amount in INV:AMOUNT is a usage error (2), like --amount abc', async () => {
      await refused(2, [inv(2), 'abc'], 'reconcile', 'apply', rc(4), `${inv(2)}:abc`);
      await refused(2, [inv(2), 'abc'], 'receive', '--customer', 'C1', '--amount', '100', '--apply', `${inv(2)}:abc`);
    }, 60_000);
  });

  describe('reconcile undo, auto, list', () => {
    it('undoing an undone batch or allocation is refused (5)', async () => {
      await refused(5, [`${rb(4)} is already undone`], 'reconcile', 'undo', rb(4));
      await refused(5, [`${undoneAllocation} is already undone`], 'reconcile', 'undo', String(undoneAllocation));
      // A reversed receipt's batch: its allocations were reversed with the receipt.
      await refused(5, [`${rb(2)} is already undone`], 'reconcile', 'undo', rb(2));
      // Write-offs are documents of their own.
      await refused(5, [String(writeOffAllocation), 'no receipt allocations to undo'], 'reconcile', 'undo', String(writeOffAllocation));
    }, 60_000);

    it('an unknown batch or allocation is not found (4); a date before the allocation is invalid (3)', async () => {
      await refused(4, ['batch "RB-2026-999999" not found'], 'reconcile', 'undo', 'RB-2026-999999');
      await refused(4, ['allocation "99999" not found'], 'reconcile', 'undo', '99999');
      await refused(3, ['--date', '2026-10-01'], 'reconcile', 'undo', rb(1), '--date', '2026-10-01');
    }, 60_000);

    it('reconcile auto for an unknown customer is not found (4)', async () => {
      await refused(4, ['customer "NOPE" not found'], 'reconcile', 'auto', '--customer', 'NOPE');
      await refused(4, ['customer "NOPE" not found'], 'reconcile', 'auto', '--customer', 'NOPE', '--dry-run');
    }, 60_000);
  });

  describe('receipt show, reverse, assign', () => {
    it('an unknown receipt is not found (4)', async () => {
      await refused(4, ['receipt "RC-2026-999999" not found'], 'receipt', 'show', 'RC-2026-999999');
      await refused(4, ['receipt "RC-2026-999999" not found'], 'receipt', 'reverse', 'RC-2026-999999', '--reason', 'x');
      await refused(4, ['receipt "RC-2026-999999" not found'], 'receipt', 'assign', 'RC-2026-999999', 'C1');
      await refused(4, ['customer "NOPE" not found'], 'receipt', 'assign', rc(2), 'NOPE');
    }, 60_000);

    it('reversing twice is refused (5); without a reason or before the receipt date it is invalid (3)', async () => {
      await refused(5, [`${rc(3)} was already reversed on 2026-11-02`], 'receipt', 'reverse', rc(3), '--reason', 'again');
      await refused(3, ['--reason', 'required'], 'receipt', 'reverse', rc(1));
      await refused(3, ['--date', '2026-10-19', 'before the receipt date 2026-10-20'], 'receipt', 'reverse', rc(1), '--reason', 'x', '--date', '2026-10-19');
      await refused(2, ['--date'], 'receipt', 'reverse', rc(1), '--reason', 'x', '--date', '2026-11-31');
    }, 60_000);

    it('assigning cash that belongs to a customer, or to a customer billed in another currency, is refused (5)', async () => {
      await refused(5, [`${rc(1)} already belongs to C1`], 'receipt', 'assign', rc(1), 'C2');
      await refused(5, [rc(2), 'CNY', 'C3', 'USD'], 'receipt', 'assign', rc(2), 'C3');
    }, 60_000);
  });

  describe('aging', () => {
    it('--as-of that is not a date is a usage error (2)', async () => {
      await refused(2, ['--as-of', 'yesterday'], 'aging', '--as-of', 'yesterday');
      await refused(2, ['--as-of', '2026-02-30'], 'aging', '--as-of', '2026-02-30');
      await refused(2, ['--as-of', '2026-13-01'], 'aging', '--as-of', '2026-13-01', '--json');
      await refused(2, ['--by', 'region'], 'aging', '--by', 'region');
      await refused(2, ['--basis', 'ship'], 'aging', '--basis', 'ship');
    }, 60_000);

    it('malformed buckets are invalid (3); provision rates that do not fit the buckets are invalid (3)', async () => {
      await refused(3, ['--buckets', '60,30'], 'aging', '--buckets', '60,30');
      await refused(3, ['--buckets', 'x'], 'aging', '--buckets', '30,x');
      await refused(3, ['provision.rates', '6 rates for 4 buckets'], 'aging', '--buckets', '30,60', '--provision');
    }, 60_000);

    it('an unknown customer is not found (4), by customer and by invoice alike', async () => {
      await refused(4, ['customer "NOPE" not found'], 'aging', '--customer', 'NOPE');
      // BUG: agingByInvoice (src/domain/receivables/aging.ts) does not check the customer: exit 0, empty list.
      await refused(4, ['customer "NOPE" not found'], 'aging', '--by', 'invoice', '--customer', 'NOPE');
    }, 60_000);
  });

  describe('invoice write-off', () => {
    it('an unknown invoice is not found (4)', async () => {
      await refused(4, ['invoice "INV-2026-999999" not found'], 'invoice', 'write-off', 'INV-2026-999999', '--reason', 'x');
    }, 60_000);

    it('more than is open, or a paid invoice, is refused (5)', async () => {
      await refused(5, [inv(2), '500.00 CNY open', 'cannot write off 600.00'], 'invoice', 'write-off', inv(2), '--amount', '600', '--reason', 'x');
      await refused(5, [inv(1), 'nothing open', 'nothing to write off'], 'invoice', 'write-off', inv(1), '--reason', 'x');
    }, 60_000);

    it('zero is invalid (3), abc is a usage error (2), a reason is required (3), not before the invoice (3)', async () => {
      await refused(3, ['--amount', '"0"', 'greater than zero'], 'invoice', 'write-off', inv(2), '--amount', '0', '--reason', 'x');
      await refused(3, ['--amount', 'greater than zero'], 'invoice', 'write-off', inv(2), '--amount=-1', '--reason', 'x');
      await refused(2, ['--amount', 'abc'], 'invoice', 'write-off', inv(2), '--amount', 'abc', '--reason', 'x');
      await refused(3, ['--reason', 'required'], 'invoice', 'write-off', inv(2), '--amount', '10');
      await refused(3, ['--date', 'before the invoice date 2026-10-05'], 'invoice', 'write-off', inv(2), '--reason', 'x', '--date', '2026-10-04');
    }, 60_000);
  });
});
