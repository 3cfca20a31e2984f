import type { Actor } from '../actor.js';
import { compareDates, parseDate, type IsoDate } from '../dates.js';
import { InvariantError, NotFoundError, RefusedError, UsageError, ValidationError } from '../errors.js';
import { formatMoney, money, negate, parseMoney } from '../money/index.js';
import { nextDocumentNumber } from '../numbering.js';
import { loadSettings } from '../settings/load-settings.js';
import type { ReceiptAssignment, Store, UnidentifiedCash } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import { applyCash } from './apply-cash.js';
import { minimumOpenFrom } from './open-amount.js';
import { invoiceNumbersIn } from './matching.js';
import { planAll, type Plan, type PlanOptions, type PlannedAllocation } from './reconcile-plan.js';

export { PlannedAllocation } from './reconcile-plan.js';

export interface ReconcileResult {
  readonly batch: string | null;
  readonly allocations: readonly PlannedAllocation[];
  /** The same allocations as the plan's columns, for output that reads a million of them (null when none). */
  readonly plan: Plan | null;
  /** Unidentified receipts attached to a customer because their memo named one of its invoices. */
  readonly assigned: readonly { readonly receipt: string; readonly customer: string; readonly invoice: string }[];
  readonly dryRun: boolean;
}

/**
 * Matches unapplied receipts to open invoices customer by customer, with the rules and tolerance of
 * the settings, in bulk (docs/PERFORMANCE.md, "Reconcile auto"): under the allocation lock the
 * candidates are read set-based into compact columns (reconcile-candidates.ts); each customer and
 * currency is matched in memory (matching.ts) and dated as applyCash would date it
 * (reconcile-plan.ts); then the whole
 * plan is written as one batch with multi-row inserts, and set-based queries assert that no
 * document it touched went past its amount and that every document it names exists (the CLI runs
 * it without SQLite's per-row foreign-key check). A dry run computes the same plan and writes no
 * allocation; the caller rolls the transaction back (the assignments and the batch number with it).
 */
export async function reconcileAuto(store: Store, actor: Actor, options: { customer?: string; dryRun?: boolean }): Promise<ReconcileResult> {
  requirePermission(actor.user, actor.role, 'finance', 'reconcile');
  await store.allocations.lockForAllocation();
  const settings = await loadSettings(store);
  const dryRun = Boolean(options.dryRun);
  if (options.customer !== undefined && !(await store.customers.find(options.customer))) {
    throw new NotFoundError('customer', options.customer, 'list customers with: owed customer list');
  }
  const { assigned, receiptKeys } = await assignNamedCash(store, options.customer);

  const tolerances = new Map<string, number>();
  const formats = new Map<string, (minor: number) => string>();
  const planOptions: PlanOptions = {
    rules: settings.reconcileRules,
    tolerance: (currency) => {
      let minor = tolerances.get(currency);
      if (minor === undefined) tolerances.set(currency, (minor = parseMoney(settings.reconcileTolerance, currency, 'reconcile.tolerance').minor));
      return minor;
    },
    format: (currency) => {
      let format = formats.get(currency);
      if (format === undefined) formats.set(currency, (format = (minor: number) => formatMoney(money(minor, currency))));
      return format;
    },
  };
  const plan = planAll(await store.reconciliation.candidates(options.customer), planOptions);
  if (plan.length === 0) {
    await check(store, null, receiptKeys);
    return { batch: null, allocations: [], plan: null, assigned, dryRun };
  }

  const batch = await nextDocumentNumber(store, 'RB', actor.today);
  await store.allocations.createBatch(batch, 'auto', null, actor.now, actor.user);
  if (!dryRun) {
    await store.reconciliation.insertAllocations(batch, plan, actor.now, actor.user);
    await check(store, batch, receiptKeys);
  }
  await store.audit.record({ entity: 'reconcile', key: batch, action: 'auto', detail: { allocations: plan.length, customer: options.customer ?? null } });
  return { batch, allocations: plan.allocations(), plan, assigned, dryRun };
}

/**
 * Asserted, not hoped: what was stored must agree with the plan. The command runs without SQLite's
 * per-row foreign-key check (a million of them were random reads of the invoices), so the
 * references are asserted here, set-based, with the amounts.
 */
async function check(store: Store, batch: string | null, assigned: readonly number[]): Promise<void> {
  const { over, unknown } = await store.reconciliation.checkBatch(batch, assigned);
  const some = (items: readonly string[]) => `${items.slice(0, 5).join(', ')}${items.length > 5 ? ` and ${items.length - 5} more` : ''}`;
  if (unknown.length > 0) throw new InvariantError(`${batch ?? 'reconcile auto'} names what the book does not have: ${some(unknown)}`);
  if (over.length > 0) throw new InvariantError(`${batch} took ${some(over)} past its amount`);
}

/**
 * Unidentified cash whose reference or memo names exactly one invoice (in its currency) belongs to
 * that invoice's customer: found and attached set-based, each assignment audited.
 */
async function assignNamedCash(store: Store, customer: string | undefined): Promise<{ assigned: ReconcileResult['assigned']; receiptKeys: number[] }> {
  const named = new Map<UnidentifiedCash, string>();
  for (const cash of await store.reconciliation.unidentifiedCash()) {
    const numbers = invoiceNumbersIn(cash.text);
    if (numbers.length === 1) named.set(cash, numbers[0]!);
  }
  if (named.size === 0) return { assigned: [], receiptKeys: [] };
  const documents = await store.reconciliation.documentsByNumber([...named.values()]);
  const assigned: { receipt: string; customer: string; invoice: string }[] = [];
  const assignments: ReceiptAssignment[] = [];
  for (const [cash, number] of named) {
    const invoice = documents.get(number);
    if (!invoice || invoice.kind !== 'invoice' || invoice.currency !== cash.currency) continue;
    if (customer !== undefined && invoice.customer !== customer) continue;
    assignments.push({ receiptKey: cash.key, customerKey: invoice.customerKey });
    assigned.push({ receipt: cash.number, customer: invoice.customer, invoice: invoice.number });
  }
  await store.reconciliation.assign(assignments);
  await store.reconciliation.recordAudit(assigned.map((a) => ({ entity: 'receipt', key: a.receipt, action: 'assign', detail: { customer: a.customer, because: `memo names ${a.invoice}` } })));
  return { assigned, receiptKeys: assignments.map((a) => a.receiptKey) };
}

export interface ManualTarget {
  readonly invoice: string;
  /** Decimal text; default: as much as both sides allow. */
  readonly amount?: string;
}

export function parseTargets(texts: readonly string[]): ManualTarget[] {
  return texts.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '').map((t) => {
    const [invoice, amount, ...extra] = t.split(':');
    if (extra.length > 0 || invoice!.trim() === '' || (amount !== undefined && !/^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(amount.trim()))) {
      throw new UsageError(`"${t}" is not INVOICE or INVOICE:AMOUNT`, 'for example INV-2026-000001 or INV-2026-000001:1500.00');
    }
    return { invoice: invoice!.trim(), ...(amount !== undefined ? { amount: amount.trim() } : {}) };
  });
}

/** Splits one receipt over chosen invoices by hand, as one batch. */
export async function reconcileApply(
  store: Store,
  actor: Actor,
  receiptNumber: string,
  targets: readonly ManualTarget[],
  options: { date?: string } = {},
): Promise<{ batch: string; allocations: { invoice: string; amount: string; date: IsoDate }[] }> {
  requirePermission(actor.user, actor.role, 'finance', 'reconcile');
  await store.allocations.lockForAllocation();
  if (targets.length === 0) throw new ValidationError({ field: 'INVOICE', reason: 'name at least one invoice: INV[:AMOUNT]' });
  const problems = new Problems();
  const date = options.date === undefined ? undefined : problems.check(() => parseDate(options.date!, '--date'));
  problems.throwIfAny();
  const receipt = await store.receipts.find(receiptNumber);
  if (!receipt) throw new NotFoundError('receipt', receiptNumber, 'list receipts with: owed receipt list');
  const currency = receipt.amount.currency;
  const batch = await nextDocumentNumber(store, 'RB', date ?? actor.today);
  await store.allocations.createBatch(batch, 'manual', null, actor.now, actor.user);
  const done: { invoice: string; amount: string; date: IsoDate }[] = [];
  for (const target of targets) {
    const invoice = await store.invoices.find(target.invoice);
    if (!invoice) throw new NotFoundError('invoice', target.invoice, 'list invoices with: owed invoice list');
    let amount;
    if (target.amount !== undefined) {
      amount = parseMoney(target.amount, currency, `${target.invoice} amount`);
    } else {
      // As much as both sides can take on every day from the allocation date on; without a
      // date, what both have left in the end, and applyCash finds the first day it fits.
      const on = date ?? '9999-12-31';
      const receiptAllocations = (await store.allocations.list({ receipt: receiptNumber }))
        .filter((a) => a.sourceKind === 'receipt')
        .map((a) => ({ date: a.date, amount: a.amount }));
      const cash = receipt.reversal ? 0 : minimumOpenFrom(receipt.amount, receiptAllocations, on).minor;
      const open = minimumOpenFrom(invoice.total, await store.invoices.allocations(invoice.number), on).minor;
      amount = money(Math.min(cash, open), currency);
      if (amount.minor <= 0) {
        throw new RefusedError(cash <= 0 ? `${receiptNumber} has nothing left to apply` : `${invoice.number} has nothing open${date ? ` from ${date}` : ''}`);
      }
    }
    const applied = await applyCash(store, actor.now, actor.user, {
      receipt: receiptNumber,
      invoice: invoice.number,
      amount,
      ...(date !== undefined ? { date } : {}),
      batch,
      rule: 'manual',
      note: null,
    });
    done.push({ invoice: invoice.number, amount: formatMoney(amount, { grouping: false }), date: applied });
  }
  await store.audit.record({ entity: 'reconcile', key: batch, action: 'apply', detail: { receipt: receiptNumber, allocations: done } });
  return { batch, allocations: done };
}

/**
 * Reverses a batch or one allocation with new rows dated today (or --date); nothing is deleted.
 * Credit notes and write-offs are documents of their own and are not undone here.
 */
export async function reconcileUndo(store: Store, actor: Actor, target: string, options: { date?: string } = {}): Promise<{ batch: string; reversed: number[] }> {
  requirePermission(actor.user, actor.role, 'finance', 'undo reconciliation');
  await store.allocations.lockForAllocation();
  const date = options.date === undefined ? actor.today : parseDate(options.date, '--date');
  const tooEarly = (id: number, on: string) => new ValidationError({ field: '--date', value: date, reason: `is before the allocation ${id} it undoes (${on})` });
  const nothingToUndo = () => new RefusedError(`${target} has no receipt allocations to undo`, 'credit notes and write-offs are corrected with new documents');
  const alreadyUndone = () => new RefusedError(`${target} is already undone`);
  if (/^\d+$/.test(target)) {
    const a = await store.allocations.find(Number(target));
    if (!a) throw new NotFoundError('allocation', target, 'list allocations with: owed reconcile list');
    if (a.sourceKind !== 'receipt' && a.sourceKind !== 'adjustment') throw nothingToUndo();
    if (a.reverses !== null || a.reversedBy !== null) throw alreadyUndone();
    if (compareDates(date, a.date) < 0) throw tooEarly(a.id, a.date);
    await store.receipts.lock(a.sourceNumber);
    const batch = await nextDocumentNumber(store, 'RB', date);
    await store.allocations.createBatch(batch, 'undo', null, actor.now, actor.user);
    await store.invoices.allocate(
      { invoice: a.invoice, sourceKind: a.sourceKind, sourceNumber: a.sourceNumber, amount: negate(a.amount), date, batch, note: `undo of allocation ${a.id}`, rule: null, reverses: a.id },
      actor.now,
      actor.user,
    );
    return undone(store, target, batch, [a.id]);
  }
  // A batch is undone in one statement, whatever its size: a batch of reconcile auto over a
  // year of bank lines is a million allocations.
  if (!(await store.allocations.batchExists(target))) throw new NotFoundError('batch', target, 'list batches with: owed reconcile list');
  const state = await store.allocations.undoState(target, date);
  if (state.undoable === 0) throw nothingToUndo();
  if (state.live === 0) throw alreadyUndone();
  if (state.firstAfter !== null) throw tooEarly(state.firstAfter.id, state.firstAfter.date);
  await store.allocations.lockBatchReceipts(target);
  const batch = await nextDocumentNumber(store, 'RB', date);
  await store.allocations.createBatch(batch, 'undo', target, actor.now, actor.user);
  const reversed = await store.reconciliation.undoBatch(target, batch, date, state.live, actor.now, actor.user);
  if (reversed.length !== state.live) throw new InvariantError(`undo of ${target} reversed ${reversed.length} allocations, expected ${state.live}`);
  return undone(store, target, batch, reversed);
}

async function undone(store: Store, target: string, batch: string, reversed: number[]): Promise<{ batch: string; reversed: number[] }> {
  // A count, as reconcile auto records: which allocations the batch reversed are its rows'
  // `reverses` (a batch of a million ids was an 8 MB audit entry).
  await store.audit.record({ entity: 'reconcile', key: batch, action: 'undo', detail: { target, allocations: reversed.length } });
  return { batch, reversed };
}
