/**
 * Model-based property test of the ledger's invariants (DESIGN.md, "The ledger's invariants"):
 * random sequences of issue, credit, receive, apply, reconcile auto, undo, reverse, write-off and
 * assign run against a SQLite book, each command in its own transaction as the CLI runs it, and
 * after every step the book is checked against a small in-memory model — on today, on the dates the
 * step wrote at and on random past and future dates; at the end of each run on every date anything
 * happened or fell due.
 *
 *   1. 0 ≤ open(D) ≤ total for every invoice and date; 2. Σ allocations ≤ amount for every receipt
 *   (nothing once it is reversed), unapplied ≥ 0; 3. aging as of D adds up per row, and per currency
 *   to Σ invoices − credits − receipts + reversals − write-offs − adjustments dated ≤ D, computed from
 *   the model; 5. numbers are gapless per series and year; 6. a bank reference never makes a second
 *   receipt; 7. a refused or interrupted command leaves the database exactly as it was.
 *   (4, the journal, is for a later issue.)
 *
 * CI runs a fixed seed and a bounded number of runs. Locally: OWED_PROPERTY_RUNS=500 for more runs,
 * OWED_PROPERTY_SEED=… for another seed, OWED_PROPERTY_PATH=… and OWED_PROPERTY_REPLAY=… (the path
 * and replayPath fast-check printed) to replay a counterexample, OWED_PROPERTY_STATS=1 to see how
 * often each command succeeded or was refused and why.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkAllDates } from './ledger-checks.js';
import { Apply, IssueInvoice, ledgerCommands, openingCommands, outcomes, Receive, Reverse, Undo } from './ledger-commands.js';
import { createTemplate, CUSTOMERS, PRODUCTS, RealBook } from './ledger-harness.js';
import { LedgerModel, minorOf } from './ledger-model.js';

const SEED = Number(process.env.OWED_PROPERTY_SEED ?? 20261127);
const RUNS = Number(process.env.OWED_PROPERTY_RUNS ?? 40);
/** To replay a counterexample: the path fast-check printed, and the commands' replayPath. */
const PATH = process.env.OWED_PROPERTY_PATH;
const REPLAY = process.env.OWED_PROPERTY_REPLAY;
/** After an opening of up to 4 invoices and 4 receipts. */
const MAX_COMMANDS = 22;

type LedgerCommand = fc.AsyncCommand<LedgerModel, RealBook>;

/** One run: a fresh book from the template, the commands against book and model, then every date. */
async function runOn(template: string, tolerance: string, commands: Iterable<LedgerCommand>): Promise<void> {
  const book = await RealBook.open(template, tolerance);
  const model = new LedgerModel(CUSTOMERS, PRODUCTS, minorOf(tolerance));
  try {
    await fc.asyncModelRun(() => ({ model, real: book }), commands);
    await checkAllDates(model, book);
  } finally {
    await book.close();
  }
}

function ledgerProperty(template: () => string, replayPath?: string) {
  return fc.asyncProperty(
    // The reconcile tolerance of the run: 0, or enough for auto to close near-misses with adjustments.
    fc.constantFrom('0', '0.50'),
    openingCommands(),
    fc.commands(ledgerCommands(), { maxCommands: MAX_COMMANDS, size: 'max', ...(replayPath !== undefined ? { replayPath } : {}) }),
    (tolerance, opening, commands) => runOn(template(), tolerance, [...opening, ...commands]),
  );
}

describe('the ledger against its model (fast-check, model-based)', () => {
  let template: Awaited<ReturnType<typeof createTemplate>>;

  beforeAll(async () => {
    template = await createTemplate();
  });

  afterAll(() => {
    template?.remove();

    if (process.env.OWED_PROPERTY_STATS === '1') {
      for (const [k, n] of [...outcomes].sort()) process.stdout.write(`${String(n).padStart(6)}  ${k}\n`);
    }
  });

  it(`keeps invariants 1, 2, 3, 5, 6 and 7 over random command sequences (seed ${SEED}, ${RUNS} runs)`, async () => {
    await fc.assert(ledgerProperty(() => template.file, REPLAY), { seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH, endOnFailure: true } : {}) });
  }, 600_000);

  it('the snapshot of invariant 7 sees a change to any row', async () => {
    const book = await RealBook.open(template.file, '0');
    try {
      const before = await book.snapshot();
      if ((await book.snapshot()) !== before) throw new Error('two snapshots of an unchanged book differ');
      await book.db.knex('settings').where({ key: 'terms.default' }).update({ value: 'NET31' });
      if ((await book.snapshot()) === before) throw new Error('the snapshot missed a changed setting');
    } finally {
      await book.close();
    }
  });

  /*
   * Counterexamples the property found, shrunk, kept as explicit command sequences: the model's
   * expectation is the specification, so these fail until src/ is fixed. With the generators as
   * they are, each is also reproduced by OWED_PROPERTY_SEED=… OWED_PROPERTY_PATH=… OWED_PROPERTY_REPLAY=….
   */
  describe('counterexamples', () => {
    const c = (advance = 0) => ({ advance, probes: [] });

    it('a receipt reversed as of a day before the undo of its allocation stays applied after its reversal (invariant 2)', async () => {
      // Found by the property above: seed 20261127, run 29, path
      // "28:0:1:0:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:5:4:4:5:6:6:6:6:6", replayPath "DEa:F".
      // RC-1 pays INV-1 on 12-01; that allocation is undone on 12-05; RC-1 is then reversed as of 12-03,
      // which reverseReceipt accepts (it only looks at live allocations). From 12-03 to 12-04 the
      // bounced receipt still pays 113.00 of INV-1 while carrying no cash: applied 113.00 > 0, and the
      // aging shows ACME's unapplied cash as +113.00.
      await runOn(template.file, '0', [
        new IssueInvoice(c(), { who: 0, q13: 1, q6: 0, usdPrice: 0, back: undefined }),
        new Receive(c(), { who: 0, usd: false, amount: 'open', minor: 0, index: 0, back: undefined, ref: 'none', refIndex: 0, memo: 'none', memoIndex: 0 }),
        new Apply(c(), { receipt: 0, useful: true, missingReceipt: false, own: true, targets: [{ aim: 'invoice', index: 0, amount: { mode: 'room' } }], back: undefined }),
        new Undo(c(4), { what: 'batch', index: 0, useful: true, back: undefined }),
        new Reverse(c(), { receipt: 0, useful: true, missing: false, back: 2 }),
      ]);
    });

    it('apply without an amount refuses cash that is free again after an undo, which it applies when the amount is given', async () => {
      // Found with seed 1, run 61 (100 runs, while the counterexample above was kept out of the
      // generator), path "60:0:1:3:4:5:5:5:7:3:3:6:3:5:5:5:0:1:1:1:1:1:1:1:1:1:1:1:5:3:17:0:1:3:3:3:3:3:3:3:3:4:5:5:5:5:5:5:5:5",
      // replayPath "QE/V:N".
      // RC-1 pays INV-1 on 12-01, undone on 12-02: from 12-02 RC-1 has 113.00 free and INV-1 is open
      // 113.00. `reconcile apply RC-1 INV-1:113.00` applies it on 12-02, and so does reconcile auto;
      // without the amount ("as much as both sides allow") it is refused: "RC-2026-000001 has nothing
      // left to apply", because the default is measured from 12-01 only.
      await runOn(template.file, '0', [
        new IssueInvoice(c(), { who: 0, q13: 1, q6: 0, usdPrice: 0, back: undefined }),
        new Receive(c(), { who: 0, usd: false, amount: 'open', minor: 0, index: 0, back: undefined, ref: 'none', refIndex: 0, memo: 'none', memoIndex: 0 }),
        new Apply(c(), { receipt: 0, useful: true, missingReceipt: false, own: true, targets: [{ aim: 'invoice', index: 0, amount: undefined }], back: undefined }),
        new Undo(c(1), { what: 'allocation', index: 0, useful: false, back: undefined }),
        new Apply(c(), { receipt: 0, useful: true, missingReceipt: false, own: true, targets: [{ aim: 'invoice', index: 0, amount: undefined }], back: undefined }),
      ]);
    });
  });
});
