import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { dateOption } from '../cli/options.js';
import { emitCreated, emitListingStream, note, writeChunks } from '../cli/output.js';
import { renderCsv, streamJson, streamTable, type Cell, type Listing } from '../cli/render/index.js';

import { csvField } from '../domain/csv-field.js';
import { currency, formatMoney, minorToDecimal, money } from '../domain/money/index.js';
import type { Plan } from '../domain/receivables/reconcile-plan.js';
import { parseTargets, reconcileApply, reconcileAuto, reconcileUndo, type ReconcileResult } from '../domain/receivables/reconcile.js';
import { ALLOCATION_COLUMNS, allocationRow } from './receipt.js';

/** Thrown to roll a dry run back after computing it exactly as it would be written. */
class DryRun extends Error {
  constructor(readonly result: ReconcileResult) {
    super('dry run');
  }
}

const PLAN_COLUMNS: Listing['columns'] = [
  { key: 'customer', header: 'Customer' },
  { key: 'receipt', header: 'Receipt' },
  { key: 'invoice', header: 'Invoice' },
  { key: 'date', header: 'Date', kind: 'date' },
  { key: 'amount', header: 'Amount', kind: 'money' },
  { key: 'adjustment', header: 'Disc/fee', kind: 'money' },
  { key: 'rule', header: 'Rule' },
  { key: 'reason', header: 'Why' },
];

function planColumns(explain: boolean): Listing['columns'] {
  return explain ? PLAN_COLUMNS : PLAN_COLUMNS.filter((c) => c.key !== 'reason');
}

/** Allocations per batch of streamed table or JSON output. */
const PLAN_PAGE = 200;

/**
 * The plan's allocations as listing rows, a page at a time, read from its columns (a million rows
 * held at once were 1.7 GB; read through the allocations' array view, each index became a
 * property key that lived until the next full collection).
 */
function* planRows(plan: Plan | null): Generator<Record<string, Cell>[]> {
  const length = plan?.length ?? 0;
  for (let from = 0; from < length; from += PLAN_PAGE) {
    const page: Record<string, Cell>[] = [];
    for (let i = from; i < Math.min(from + PLAN_PAGE, length); i++) {
      const code = plan!.currency(i);
      const adjustment = plan!.adjustment(i);
      page.push({
        customer: plan!.customer(i),
        receipt: plan!.receipt(i),
        invoice: plan!.invoice(i),
        date: plan!.date(i),
        currency: code,
        amount: money(plan!.amount(i), code),
        adjustment: adjustment > 0 ? money(adjustment, code) : null,
        rule: plan!.rule(i),
        reason: plan!.reason(i),
      });
    }
    yield page;
  }
}

/**
 * Allocations rendered and written a page at a time: a whole year of bank lines is a million rows.
 * A page's text is garbage once written; the less of it is alive when the young generation is
 * collected, the less is promoted to wait for a full collection. 1M allocations, peak RSS while
 * the CSV was written: pages of 10,000 +50 MB, of 1,000 +18 MB, of 200 +5 MB.
 */
const CSV_PAGE = 200;

/**
 * The plan as CSV, byte for byte what renderCsv gives for planListing, read straight from the
 * plan's columns a page at a time: no listing row or Money per allocation (at 1M allocations the
 * listing's objects were most of the CSV's cost and kept the heap large).
 */
function* planCsv(plan: Plan | null, explain: boolean): Generator<string> {
  yield renderCsv({ columns: planColumns(explain), rows: [] });
  if (plan === null) return;
  const digits = new Map<string, number>();
  const decimal = (minor: number, code: string) => {
    let d = digits.get(code);
    if (d === undefined) digits.set(code, (d = currency(code).minorDigits));
    return minorToDecimal(minor, d);
  };
  for (let from = 0; from < plan.length; from += CSV_PAGE) {
    let page = '';
    for (let i = from; i < Math.min(from + CSV_PAGE, plan.length); i++) {
      const code = plan.currency(i);
      const adjustment = plan.adjustment(i);
      page += `${csvField(plan.customer(i))},${csvField(plan.receipt(i))},${csvField(plan.invoice(i))},${plan.date(i)},${decimal(plan.amount(i), code)},${
        adjustment > 0 ? decimal(adjustment, code) : ''},${plan.rule(i)}${explain ? `,${csvField(plan.reason(i))}` : ''}\n`;
    }
    yield page;
  }
}

/** What the plan applies, per currency in order of first appearance. */
function totals(plan: Plan | null): Map<string, number> {
  const total = new Map<string, number>();
  for (let i = 0; i < (plan?.length ?? 0); i++) total.set(plan!.currency(i), (total.get(plan!.currency(i)) ?? 0) + plan!.amount(i));
  return total;
}

export function registerReconcile(program: Command, io: Io): void {
  const reconcile = program.command('reconcile').description('match receipts to invoices (核销): auto, apply by hand, undo, list')
    .addHelpText('after', `\nExamples:\n  $ owed reconcile auto --dry-run --explain\n  $ owed reconcile apply RC-2026-000003 INV-2026-000001:2000\n  $ owed reconcile undo RB-2026-000002`);

  reconcile
    .command('auto')
    .description('match unapplied receipts to open invoices, rule by rule (settings reconcile.rules and reconcile.tolerance)')
    .option('--customer <code>', 'only this customer')
    .option('--dry-run', 'show what would be matched; write nothing')
    .option('--explain', 'say for every allocation which rule matched and why')
    .addHelpText('after', `
Rules, in the order of the setting reconcile.rules:
  reference  invoice numbers found in the receipt's reference or memo
  exact      the one open invoice whose open amount equals the receipt
  subset     a few open invoices whose open amounts sum exactly to the receipt
  oldest     what is left, to the oldest due invoices first
Examples:
  $ owed reconcile auto --dry-run --explain
  $ owed reconcile auto --customer C001`)
    .action(action<{ customer?: string; dryRun?: boolean; explain?: boolean }>(io, async (rt, _args, o) => {
      let result: ReconcileResult;
      try {
        // reconcileAuto asserts the batch's references itself, set-based (checkBatch): on SQLite
        // the per-row foreign-key check is off for this transaction.
        result = await withBook(rt, async (store, actor) => {
          const r = await reconcileAuto(store, actor, { ...(o.customer !== undefined ? { customer: o.customer } : {}), dryRun: Boolean(o.dryRun) });
          if (o.dryRun) throw new DryRun(r);
          return r;
        }, { foreignKeys: false });
      } catch (error) {
        if (!(error instanceof DryRun)) throw error;
        result = error.result;
      }
      const explain = Boolean(o.explain || o.dryRun);
      if (rt.format === 'json') {
        await writeChunks(rt, streamJson({ batch: result.batch, dry_run: result.dryRun, assigned: result.assigned }, 'allocations', planRows(result.plan)));
      } else if (rt.format === 'csv') {
        await writeChunks(rt, planCsv(result.plan, explain));
      } else {
        const head = result.dryRun ? 'dry run — nothing was written' : result.batch ? `batch ${result.batch}` : 'nothing to match';
        const assigned = result.assigned.map((a) => `assigned ${a.receipt} to ${a.customer} (memo names ${a.invoice})`);
        await writeChunks(rt, (async function* () {
          yield `${[head, ...assigned].join('\n')}\n`;
          if (result.allocations.length > 0) yield* streamTable({ columns: planColumns(explain) }, () => planRows(result.plan), { color: rt.color });
        })());
      }
      const total = totals(result.plan);
      note(rt, `${result.dryRun ? 'would apply' : 'applied'} ${result.allocations.length} allocation${result.allocations.length === 1 ? '' : 's'}${[...total].map(([c, m]) => `, ${formatMoney(money(m, c))} ${c}`).join('')}`);
    }));

  reconcile
    .command('apply')
    .description('apply one receipt to chosen invoices by hand')
    .argument('<receipt>', 'RC-…')
    .argument('<invoices...>', 'INV[:AMOUNT] … (without an amount: as much as both allow)')
    .option('--date <YYYY-MM-DD>', 'allocation date (default: the later of the receipt’s and the invoice’s date)', dateOption)
    .addHelpText('after', `
Example:
  $ owed reconcile apply RC-2026-000003 INV-2026-000001:2000 INV-2026-000004`)
    .action(action<{ date?: string }>(io, async (rt, args, o) => {
      const [receipt, ...targets] = args;
      const result = await withBook(rt, (store, actor) => reconcileApply(store, actor, receipt!, parseTargets(targets), o.date !== undefined ? { date: o.date } : {}));
      emitCreated(rt, 'batch', result.batch, { allocations: result.allocations });
      note(rt, `${result.batch}: ${result.allocations.map((a) => `${a.amount} to ${a.invoice}`).join(', ')}`);
    }));

  reconcile
    .command('undo')
    .description('reverse a reconciliation batch or one allocation, with new dated rows')
    .argument('<target>', 'batch (RB-…) or allocation id')
    .option('--date <YYYY-MM-DD>', 'date of the reversal (default: today)', dateOption)
    .addHelpText('after', `
Examples:
  $ owed reconcile undo RB-2026-000002
  $ owed reconcile undo 17`)
    .action(action<{ date?: string }>(io, async (rt, args, o) => {
      const result = await withBook(rt, (store, actor) => reconcileUndo(store, actor, args[0]!, o.date !== undefined ? { date: o.date } : {}));
      emitCreated(rt, 'batch', result.batch, { reversed: result.reversed });
      note(rt, `${result.batch}: reversed ${result.reversed.length} allocation${result.reversed.length === 1 ? '' : 's'}`);
    }));

  reconcile
    .command('list')
    .description('allocations: which receipt, credit note or write-off settled which invoice, and when')
    .option('--batch <batch>', 'only this batch')
    .option('--customer <code>', 'only this customer')
    .option('--invoice <number>', 'only this invoice')
    .addHelpText('after', `
Example:
  $ owed reconcile list --batch RB-2026-000001`)
    .action(action<{ batch?: string; customer?: string; invoice?: string }>(io, async (rt, _args, o) => {
      const filter = {
        ...(o.batch !== undefined ? { batch: o.batch } : {}),
        ...(o.customer !== undefined ? { customer: o.customer } : {}),
        ...(o.invoice !== undefined ? { invoice: o.invoice } : {}),
      };
      await readBook(rt, (store) => emitListingStream(rt, { columns: ALLOCATION_COLUMNS }, async function* () {
        for await (const rows of store.allocations.stream(filter)) yield rows.map(allocationRow);
      }));
    }));
}
