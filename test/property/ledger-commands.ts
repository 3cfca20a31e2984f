/**
 * The commands of the ledger model-based test. Each one draws its arguments at random, resolves
 * them against the model when it runs (which invoice, how much: often too much, or someone else's),
 * predicts from the model alone whether the use-case must succeed or be refused and what it must
 * write, runs it in its own transaction, and then has the whole book checked.
 */
import fc from 'fast-check';
import { issueCreditNote } from '../../src/domain/invoicing/credit-note.js';
import { invoiceDirect } from '../../src/domain/invoicing/issue-invoice.js';
import { assignReceipt, reverseReceipt } from '../../src/domain/receivables/receipt-changes.js';
import { reconcileApply, reconcileAuto, reconcileUndo } from '../../src/domain/receivables/reconcile.js';
import { recordReceipt } from '../../src/domain/receivables/record-receipt.js';
import { writeOffInvoice } from '../../src/domain/receivables/write-off.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Store } from '../../src/domain/store.js';
import { checkStep, CheckFailure } from './ledger-checks.js';
import { CUSTOMERS, describeError, errorCode, PRODUCTS, type RealBook } from './ledger-harness.js';
import {
  addDays,
  decimal,
  FAR,
  invoiceNumbersNamed,
  maxDate,
  minorOf,
  taxOf,
  TERM_DAYS,
  WINDOW_DAYS,
  WINDOW_START,
  type LedgerModel,
  type MAllocation,
  type MInvoice,
  type MReceipt,
  type ReceiptInputCopy,
} from './ledger-model.js';

const LAST_DAY = addDays(WINDOW_START, WINDOW_DAYS - 1);
const MISSING_INVOICE = 'INV-2026-999999';
const MISSING_RECEIPT = 'RC-2026-999999';
const MISSING_BATCH = 'RB-2026-999999';
const MISSING_CUSTOMER = 'NOBODY';
/** Unit prices of USD lines (a product's list price is in CNY). */
const USD_PRICES = [999, 5_000, 12_035] as const;

/** Why the model expects a command to fail, with the error code the use-case must report. */
interface Reason {
  readonly code: 'refused' | 'invalid' | 'not_found';
  readonly why: string;
}

type Amount = { mode: 'part'; percent: number } | { mode: 'room' } | { mode: 'over'; by: number } | { mode: 'fixed'; minor: number };

function amountFrom(a: Amount, room: number): number {
  switch (a.mode) {
    case 'part':
      return room > 1 ? Math.max(1, Math.floor((room * a.percent) / 100)) : 1;
    case 'room':
      return Math.max(room, 1);
    case 'over':
      return Math.max(room, 0) + a.by;
    case 'fixed':
      return a.minor;
  }
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** Thrown inside the transaction after the use-case's work, as a crash before COMMIT would. */
class Interrupted extends Error {
  override name = 'Interrupted';
}

/** Outcomes per command, for OWED_PROPERTY_STATS=1: how often each command succeeded or was refused, and why. */
export const outcomes = new Map<string, number>();

function count(key: string): void {
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}

function mismatch(message: string): never {
  throw new CheckFailure(message);
}

// -----------------------------------------------------------------------------------------------

interface Common {
  /** Days the business date moves on before the command (0 mostly). */
  readonly advance: number;
  /** Kill the command after its work, before the commit: as if the process died (invariant 7). */
  readonly interrupt?: boolean;
  /** Extra dates, as days from the window's start, to check the book on after it (past ones too). */
  readonly probes: readonly number[];
}

abstract class LedgerCommand implements fc.AsyncCommand<LedgerModel, RealBook> {
  /** What this run resolved the random arguments to, and how it ended, for the counterexample report. */
  protected resolved = '';

  constructor(protected readonly common: Common) {}

  check(): boolean {
    return true;
  }

  async run(m: LedgerModel, r: RealBook): Promise<void> {
    m.tick += 1;
    const next = addDays(m.today, this.common.advance);
    m.today = next > LAST_DAY ? LAST_DAY : next;
    m.touchedInvoices = new Set();
    m.touchedReceipts = new Set();
    this.resolved = '';
    try {
      const dates = await this.execute(m, r);
      m.log.push(`${m.today} ${this.describe()} → ${this.resolved}`);
      await checkStep(m, r, dates, this.common.probes.map((p) => addDays(WINDOW_START, p)));
    } catch (error) {
      // The commands fast-check prints are reused across shrinking; this is what this run did.
      if (error instanceof CheckFailure && !error.message.includes('\nThis run:')) {
        const last = m.log.length > 0 && m.log[m.log.length - 1]!.startsWith(`${m.today} ${this.describe()} →`) ? [] : [`${m.today} ${this.describe()} → ${this.resolved} ✗`];
        error.message += `\nThis run:\n  ${[...m.log, ...last].join('\n  ')}`;
      }
      throw error;
    }
  }

  /** Runs the command against model and book; returns the dates it is about. */
  protected abstract execute(m: LedgerModel, r: RealBook): Promise<string[]>;

  protected abstract describe(): string;

  toString(): string {
    return this.describe();
  }

  /**
   * Runs the use-case in its own transaction. With reasons, it must fail with one of their codes
   * and leave the database exactly as it was (invariant 7); without, it must succeed. A no-op must
   * succeed and change nothing.
   */
  protected async perform<T>(m: LedgerModel, r: RealBook, name: string, reasons: readonly Reason[], work: (store: Store, actor: Actor) => Promise<T>, noop = false): Promise<T | undefined> {
    if (this.common.interrupt && reasons.length === 0) {
      const before = await r.snapshot();
      const outcome = await r.run(name, m.today, m.tick, async (store, actor) => {
        const value = await work(store, actor);
        throw new Interrupted(JSON.stringify(value));
      });
      if (outcome.ok || !(outcome.error instanceof Interrupted)) {
        mismatch(`${name} was to be interrupted after its work, but ${outcome.ok ? 'it committed' : `it failed first: ${describeError(outcome.error)}`}`);
      }
      if ((await r.snapshot()) !== before) mismatch(`invariant 7: ${name} was interrupted before its commit, but the database changed`);
      this.resolved += ' ⇒ interrupted';
      count(`${name}: interrupted`);
      return undefined;
    }
    const before = reasons.length > 0 || noop ? await r.snapshot() : undefined;
    const outcome = await r.run(name, m.today, m.tick, work);
    if (reasons.length > 0) {
      const why = reasons.map((x) => `${x.code}: ${x.why}`).join('; ');
      if (outcome.ok) mismatch(`${name} succeeded, but the model expects it refused (${why}); it returned ${JSON.stringify(outcome.value)}`);
      const code = errorCode(outcome.error);
      if (!reasons.some((x) => x.code === code)) mismatch(`${name} failed with ${describeError(outcome.error)}, but the model expects ${why}`);
      const after = await r.snapshot();
      if (after !== before) mismatch(`invariant 7: ${name} failed (${describeError(outcome.error)}) but changed the database`);
      this.resolved += ` ⇒ ${code}`;
      count(`${name}: ${code} (${reasons[0]!.why.replace(/[A-Z]+-\d{4}-\d{6}|\d+/g, '#')})`);
      return undefined;
    }
    if (!outcome.ok) mismatch(`${name} failed with ${describeError(outcome.error)}, but the model expects it to succeed`);
    if (noop && (await r.snapshot()) !== before) mismatch(`${name} should have changed nothing, but it wrote to the database`);
    this.resolved += noop ? ' ⇒ no-op' : ' ⇒ ok';
    count(`${name}: ${noop ? 'no-op' : 'ok'}`);
    return outcome.value;
  }
}

/** Invoices with something open, receipts with cash to apply, batches with something to undo. */
const openInvoices = (m: LedgerModel) => m.invoices.filter((i) => m.openAt(i, FAR) > 0);
const liveReceipts = (m: LedgerModel) => m.receipts.filter((x) => x.reversal === null && x.amount - m.appliedAt(x, FAR) > 0);
const undoableBatches = (m: LedgerModel) =>
  m.batches.filter((b) => m.allocations.some((a) => a.batch === b.id && a.kind === 'receipt' && a.reverses === null && m.reversedBy(a.id) === null));
/** The useful pool when asked for and not empty, else everything. */
const prefer = <T>(useful: boolean, pool: readonly T[], all: readonly T[]): readonly T[] => (useful && pool.length > 0 ? pool : all);

const dateOf = (m: LedgerModel, back: number | undefined): string | undefined => (back === undefined ? undefined : addDays(m.today, -back));

// -----------------------------------------------------------------------------------------------

export class IssueInvoice extends LedgerCommand {
  constructor(common: Common, private readonly a: { who: number; q13: number; q6: number; usdPrice: number; back: number | undefined }) {
    super(common);
  }

  describe(): string {
    return `issue(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    const customer = CUSTOMERS[this.a.who];
    const code = customer?.code ?? MISSING_CUSTOMER;
    const dateOption = dateOf(m, this.a.back);
    const date = dateOption ?? m.today;
    const lines: string[] = [];
    let total = 0;
    for (const [product, qty] of [[PRODUCTS[0]!, this.a.q13], [PRODUCTS[1]!, this.a.q6]] as const) {
      if (qty === 0) continue;
      const usd = customer?.currency === 'USD';
      const price = usd ? USD_PRICES[this.a.usdPrice % USD_PRICES.length]! : product.price;
      lines.push(usd ? `${product.sku}:${qty}:${decimal(price)}` : `${product.sku}:${qty}`);
      const net = qty * price;
      total += net + taxOf(net, product.rate);
    }
    const reasons: Reason[] = customer ? [] : [{ code: 'not_found', why: `no customer ${code}` }];
    const number = m.peek('INV', date);
    this.resolved = `${code} ${lines.join(' ')} on ${date}, expect ${reasons.length ? 'refusal' : `${number} of ${total}`}`;
    const invoice = await this.perform(m, r, 'invoice issue', reasons, (s, actor) => invoiceDirect(s, actor, { customer: code, lines, date: dateOption }));
    if (!invoice || !customer) return [date];
    const due = addDays(date, TERM_DAYS);
    if (invoice.number !== number || invoice.total.minor !== total || invoice.issueDate !== date || invoice.dueDate !== due || invoice.currency !== customer.currency) {
      mismatch(`issued ${JSON.stringify([invoice.number, invoice.total.minor, invoice.issueDate, invoice.dueDate, invoice.currency])}, expected ${JSON.stringify([number, total, date, due, customer.currency])}`);
    }
    m.take('INV', date);
    m.invoices.push({ number, customer: customer.code, currency: customer.currency, issueDate: date, dueDate: due, total });
    m.touchedInvoices.add(number);
    m.dates.add(date);
    m.dates.add(due);
    return [date, due];
  }
}

/** Which document a command aims at: mostly a real invoice, sometimes a credit note or nothing. */
type Aim = 'invoice' | 'credit' | 'missing';

function aimAt(m: LedgerModel, aim: Aim, index: number, pool: readonly MInvoice[] = m.invoices): { number: string; invoice?: MInvoice; reasons: Reason[] } {
  if (aim === 'credit' && m.credits.length > 0) {
    const note = pick(m.credits, index)!;
    return { number: note.number, reasons: [{ code: 'refused', why: `${note.number} is a credit note` }] };
  }
  const invoice = aim === 'missing' ? undefined : pick(pool, index) ?? pick(m.invoices, index);
  if (!invoice) return { number: MISSING_INVOICE, reasons: [{ code: 'not_found', why: 'no such invoice' }] };
  return { number: invoice.number, invoice, reasons: [] };
}

export class CreditNote extends LedgerCommand {
  constructor(common: Common, private readonly a: { aim: Aim; index: number; useful: boolean; amount: Amount; back: number | undefined }) {
    super(common);
  }

  describe(): string {
    return `credit(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    const target = aimAt(m, this.a.aim, this.a.index, prefer(this.a.useful, openInvoices(m), m.invoices));
    const dateOption = dateOf(m, this.a.back);
    const date = dateOption ?? m.today;
    const reasons = [...target.reasons];
    let amount = amountFrom(this.a.amount, 0);
    const invoice = target.invoice;
    if (invoice) {
      const room = m.roomFrom(invoice, maxDate(date, invoice.issueDate));
      amount = amountFrom(this.a.amount, room);
      if (date < invoice.issueDate) reasons.push({ code: 'invalid', why: `${date} is before the invoice date ${invoice.issueDate}` });
      else if (amount > room) reasons.push({ code: 'refused', why: `${amount} exceeds what ${invoice.number} has open from ${date} (${room})` });
    }
    const number = m.peek('CN', date);
    this.resolved = `${target.number} ${decimal(amount)} on ${date}`;
    const note = await this.perform(m, r, 'invoice credit', reasons, (s, actor) =>
      issueCreditNote(s, actor, target.number, { amount: decimal(amount), reason: 'property test', date: dateOption }),
    );
    if (!note || !invoice) return [date];
    if (note.number !== number || note.total.minor !== amount || note.issueDate !== date) {
      mismatch(`credit note ${JSON.stringify([note.number, note.total.minor, note.issueDate])}, expected ${JSON.stringify([number, amount, date])}`);
    }
    m.take('CN', date);
    m.credits.push({ number, invoice: invoice.number, customer: invoice.customer, currency: invoice.currency, date, total: amount });
    m.addAllocation({ invoice: invoice.number, kind: 'credit_note', source: number, amount, date, batch: null, reverses: null });
    return [date];
  }
}

type RefMode = 'none' | 'fresh' | 'replay' | 'conflict';
type MemoMode = 'none' | 'names' | 'names-two' | 'text';

export class Receive extends LedgerCommand {
  constructor(
    common: Common,
    private readonly a: { who: number; usd: boolean; amount: 'open' | 'short' | 'random' | 'small'; minor: number; index: number; back: number | undefined; ref: RefMode; refIndex: number; memo: MemoMode; memoIndex: number },
  ) {
    super(common);
  }

  describe(): string {
    return `receive(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    const withRef = m.receipts.filter((x) => x.ref !== null);
    const earlier = this.a.ref === 'replay' || this.a.ref === 'conflict' ? pick(withRef, this.a.refIndex) : undefined;
    if (earlier) return this.replay(m, r, earlier);

    let customer = this.a.who < CUSTOMERS.length ? CUSTOMERS[this.a.who] : undefined;
    const missing = this.a.who > CUSTOMERS.length;
    const date = dateOf(m, this.a.back) ?? m.today;
    let amount = this.a.amount === 'small' ? 1 + (this.a.minor % 500) : 100 + this.a.minor;
    if (this.a.amount === 'open' || this.a.amount === 'short') {
      // What an open invoice asks for, or a little less (a bank fee): auto may close the gap within tolerance.
      // The customer's own open invoices if any, else anybody's (and the cash is then from that customer).
      const open = m.invoices.filter((i) => m.openAt(i, FAR) > 0 && (customer !== undefined || i.currency === (this.a.usd ? 'USD' : 'CNY')));
      const mine = open.filter((i) => i.customer === customer?.code);
      const i = pick(mine.length > 0 ? mine : open, this.a.index);
      const short = this.a.amount === 'short' ? 1 + (this.a.minor % 60) : 0;
      if (i && m.openAt(i, FAR) > short) {
        amount = m.openAt(i, FAR) - short;
        if (customer !== undefined) customer = m.customer(i.customer);
      }
    }
    const currency = customer?.currency ?? (this.a.usd ? 'USD' : 'CNY');
    const named = [pick(m.invoices, this.a.memoIndex), pick(m.invoices, this.a.memoIndex + 1)].map((i) => i?.number ?? MISSING_INVOICE);
    const memo = { none: undefined, names: `pays ${named[0]}`, 'names-two': `pays ${named[0]} and ${named[1]}`, text: 'thank you' }[this.a.memo];
    const input: ReceiptInputCopy = {
      amount: decimal(amount),
      date,
      ...(missing ? { customer: MISSING_CUSTOMER } : customer ? { customer: customer.code } : this.a.usd ? { currency: 'USD' } : {}),
      ...(this.a.ref === 'none' ? {} : { reference: `BANK-${m.tick}` }),
      ...(memo !== undefined ? { memo } : {}),
    };
    const reasons: Reason[] = missing ? [{ code: 'not_found', why: `no customer ${MISSING_CUSTOMER}` }] : [];
    const number = m.peek('RC', date);
    this.resolved = JSON.stringify(input);
    const recorded = await this.perform(m, r, 'receive', reasons, (s, actor) => recordReceipt(s, actor, input));
    if (!recorded) return [date];
    if (recorded.replayed || recorded.receipt.number !== number || recorded.receipt.amount.minor !== amount || recorded.receipt.date !== date) {
      mismatch(`recorded ${JSON.stringify([recorded.replayed, recorded.receipt.number, recorded.receipt.amount.minor, recorded.receipt.date])}, expected ${JSON.stringify([false, number, amount, date])}`);
    }
    m.take('RC', date);
    m.receipts.push({ number, customer: customer?.code ?? null, currency, date, amount, ref: input.reference ?? null, memo: memo ?? null, reversal: null, input });
    m.touchedReceipts.add(number);
    m.dates.add(date);
    return [date];
  }

  /** Invariant 6: a bank line sent again is a no-op when it is the same payment, else a conflict. */
  private async replay(m: LedgerModel, r: RealBook, earlier: MReceipt): Promise<string[]> {
    const input: ReceiptInputCopy = this.a.ref === 'replay' ? earlier.input : { ...earlier.input, amount: decimal(earlier.amount + 1 + (this.a.minor % 100)) };
    // A replay may leave the customer out (the cash may have been assigned since), not name another.
    const sameContent = this.a.ref === 'replay' && (earlier.input.customer === undefined || earlier.input.customer === earlier.customer);
    const reasons: Reason[] = sameContent ? [] : [{ code: 'refused', why: `bank reference ${earlier.ref} is ${earlier.number} with other content` }];
    this.resolved = `${this.a.ref} of ${earlier.number}: ${JSON.stringify(input)}`;
    const recorded = await this.perform(m, r, 'receive', reasons, (s, actor) => recordReceipt(s, actor, input), true);
    if (recorded && (!recorded.replayed || recorded.receipt.number !== earlier.number)) {
      mismatch(`replaying ${earlier.ref} gave ${JSON.stringify([recorded.replayed, recorded.receipt.number])}, expected a replay of ${earlier.number}`);
    }
    return [earlier.date];
  }
}

interface Target {
  readonly aim: Aim;
  readonly index: number;
  /** undefined: let the use-case take as much as both sides allow. */
  readonly amount: Amount | undefined;
}

export class Apply extends LedgerCommand {
  constructor(common: Common, private readonly a: { receipt: number; useful: boolean; missingReceipt: boolean; own: boolean; targets: readonly Target[]; back: number | undefined }) {
    super(common);
  }

  describe(): string {
    return `apply(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    // Useful: cash of a customer who has something open.
    const payable = liveReceipts(m).filter((x) => x.customer !== null && m.invoices.some((i) => i.customer === x.customer && i.currency === x.currency && m.openAt(i, FAR) > 0));
    const receipt = this.a.missingReceipt ? undefined : pick(prefer(this.a.useful, payable, m.receipts), this.a.receipt);
    const number = receipt?.number ?? MISSING_RECEIPT;
    const dateOption = dateOf(m, this.a.back);
    const own = receipt && this.a.own ? m.invoices.filter((i) => i.customer === receipt.customer) : m.invoices;
    const pool = prefer(this.a.useful, own.filter((i) => m.openAt(i, FAR) > 0), own);
    const targets = this.a.targets.map((t) => ({ ...t, ...aimAt(m, t.aim, t.index, pool) }));
    // "As much as both sides allow" is predicted for a single target only; with several, each names its amount.
    const free = targets.length === 1 && targets[0]!.amount === undefined;
    const batch = m.peek('RB', dateOption ?? m.today);
    const mark = m.allocations.length;
    const reasons: Reason[] = [];
    const planned: { invoice: string; amount: number | undefined; date: string | undefined; limit: number }[] = [];
    // The amount each target names (a guess for those after a refusal: they are never reached).
    const amounts = targets.map((t) => amountFrom(t.amount ?? { mode: 'room' }, 0));
    if (!receipt) reasons.push({ code: 'not_found', why: `no receipt ${number}` });

    for (const [k, t] of (receipt ? targets : []).entries()) {
      reasons.push(...t.reasons);
      const invoice = t.invoice;
      if (!invoice || !receipt) break;
      if (receipt.reversal !== null) reasons.push({ code: 'refused', why: `${receipt.number} is reversed` });
      if (receipt.customer === null) reasons.push({ code: 'refused', why: `${receipt.number} is unidentified` });
      else if (receipt.customer !== invoice.customer) reasons.push({ code: 'refused', why: `${receipt.number} is ${receipt.customer}'s, ${invoice.number} ${invoice.customer}'s` });
      if (receipt.currency !== invoice.currency) reasons.push({ code: 'refused', why: 'currencies differ' });
      const earliest = maxDate(receipt.date, invoice.issueDate);
      if (dateOption !== undefined && dateOption < earliest) {
        reasons.push({ code: 'invalid', why: `${dateOption} is before ${earliest}` });
        if (free) reasons.push({ code: 'refused', why: 'the default amount may be found to be nothing first' });
      }
      // The most this target can take: from the date given, else from the last day anything happened.
      const limit = dateOption !== undefined && dateOption >= earliest
        ? Math.min(m.cashFreeFrom(receipt, dateOption), m.roomFrom(invoice, dateOption))
        : Math.min(receipt.amount - m.appliedAt(receipt, FAR), m.openAt(invoice, FAR));
      amounts[k] = amountFrom(t.amount ?? { mode: 'room' }, limit);
      if (reasons.length > 0) break;
      if (free) {
        if (limit <= 0) reasons.push({ code: 'refused', why: `nothing to apply between ${receipt.number} and ${invoice.number}` });
        else planned.push({ invoice: invoice.number, amount: undefined, date: undefined, limit });
        break;
      }
      const amount = amounts[k]!;
      const date = m.fitDate(receipt, invoice, amount, 0, dateOption);
      if (date === undefined) {
        reasons.push({ code: 'refused', why: `${amount} does not fit between ${receipt.number} and ${invoice.number}${dateOption ? ` on ${dateOption}` : ''} (at most ${limit})` });
        break;
      }
      planned.push({ invoice: invoice.number, amount, date, limit });
      // Tentatively: the next target sees this one, as the use-case does.
      m.addAllocation({ invoice: invoice.number, kind: 'receipt', source: receipt.number, amount, date, batch, reverses: null });
    }
    m.rollbackTo(mark);

    const spec = targets.map((t, k) => (free ? t.number : `${t.number}:${decimal(amounts[k]!)}`));
    this.resolved = `${number} ${spec.join(' ')}${dateOption ? ` on ${dateOption}` : ''}`;
    const result = await this.perform(m, r, 'reconcile apply', reasons, (s, actor) =>
      reconcileApply(s, actor, number, targets.map((t, k) => (free ? { invoice: t.number } : { invoice: t.number, amount: spec[k]!.split(':')[1]! })), { date: dateOption }),
    );
    if (!result || !receipt) return dateOption ? [dateOption] : [];
    if (result.batch !== batch || result.allocations.length !== planned.length) mismatch(`apply wrote ${JSON.stringify(result)}, expected batch ${batch} with ${JSON.stringify(planned)}`);
    m.take('RB', dateOption ?? m.today);
    m.batches.push({ id: batch, kind: 'manual' });
    result.allocations.forEach((done, k) => {
      const p = planned[k]!;
      const amount = minorOf(done.amount);
      const invoice = m.invoice(done.invoice)!;
      if (done.invoice !== p.invoice) mismatch(`apply allocated to ${done.invoice}, expected ${p.invoice}`);
      if (p.amount !== undefined && amount !== p.amount) mismatch(`apply allocated ${amount}, expected ${p.amount}`);
      if (p.amount === undefined && (amount <= 0 || amount > p.limit)) mismatch(`apply took ${amount} by default; at most ${p.limit} fits`);
      const date = p.date ?? m.fitDate(receipt, invoice, amount, 0, dateOption);
      if (done.date !== date) mismatch(`apply dated ${done.invoice} ${done.date}, expected ${date}`);
      m.addAllocation({ invoice: done.invoice, kind: 'receipt', source: receipt.number, amount, date, batch, reverses: null });
    });
    return result.allocations.map((a) => a.date);
  }
}

export class ReconcileAuto extends LedgerCommand {
  describe(): string {
    return 'auto()';
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    // Unidentified cash whose reference or memo names exactly one invoice (in its currency) goes to that customer.
    const assigned = new Map<string, string>();
    for (const x of m.receipts) {
      if (x.customer !== null || x.reversal !== null) continue;
      const named = invoiceNumbersNamed(`${x.ref ?? ''} ${x.memo ?? ''}`);
      const invoice = named.length === 1 ? m.invoice(named[0]!) : undefined;
      if (invoice && invoice.currency === x.currency) assigned.set(x.number, invoice.customer);
    }
    const batch = m.peek('RB', m.today);
    const result = await this.perform(m, r, 'reconcile auto', [], (s, actor) => reconcileAuto(s, actor, {}));
    if (!result) return [];
    const got = new Map(result.assigned.map((a) => [a.receipt, a.customer]));
    if (JSON.stringify([...got].sort()) !== JSON.stringify([...assigned].sort())) {
      mismatch(`auto assigned ${JSON.stringify([...got])}, expected ${JSON.stringify([...assigned])}`);
    }
    for (const [number, customer] of assigned) {
      m.receipt(number)!.customer = customer;
      m.touchedReceipts.add(number);
    }
    count(`reconcile auto: ${result.allocations.some((p) => p.adjustment > 0) ? 'allocated with adjustments' : result.allocations.length > 0 ? 'allocated' : 'nothing to match'}`);
    this.resolved = `${result.batch ?? 'no batch'}: ${result.allocations.map((p) => `${p.receipt}→${p.invoice} ${p.amount}${p.adjustment ? `+${p.adjustment}` : ''} on ${p.date} (${p.rule})`).join(', ')}`;
    if (result.allocations.length === 0) {
      if (result.batch !== null) mismatch(`auto made batch ${result.batch} with nothing in it`);
    } else {
      if (result.batch !== batch) mismatch(`auto batch ${result.batch}, expected ${batch}`);
      m.take('RB', m.today);
      m.batches.push({ id: batch, kind: 'auto' });
    }
    for (const p of result.allocations) {
      const receipt = m.receipt(p.receipt);
      const invoice = m.invoice(p.invoice);
      if (!receipt || !invoice) mismatch(`auto matched unknown documents ${p.receipt} → ${p.invoice}`);
      if (receipt.reversal !== null || receipt.customer !== invoice.customer || receipt.customer !== p.customer || receipt.currency !== invoice.currency) {
        mismatch(`auto matched ${p.receipt} (${receipt.customer}, ${receipt.currency}, reversed ${receipt.reversal}) to ${p.invoice} (${invoice.customer}, ${invoice.currency})`);
      }
      if (p.amount <= 0 || p.adjustment < 0 || p.adjustment > m.tolerance) mismatch(`auto allocated ${p.amount} with an adjustment of ${p.adjustment} (tolerance ${m.tolerance})`);
      const date = m.fitDate(receipt, invoice, p.amount, p.adjustment, undefined);
      if (date === undefined || p.date !== date) mismatch(`auto allocated ${p.receipt} → ${p.invoice} ${p.amount}+${p.adjustment} on ${p.date}; the model fits it ${date ? `first on ${date}` : 'nowhere'}`);
      m.addAllocation({ invoice: invoice.number, kind: 'receipt', source: receipt.number, amount: p.amount, date, batch, reverses: null });
      if (p.adjustment > 0) m.addAllocation({ invoice: invoice.number, kind: 'adjustment', source: receipt.number, amount: p.adjustment, date, batch, reverses: null });
    }
    // With the rule "oldest" last, nothing matchable is left: no customer keeps both cash and open invoices.
    for (const c of m.customers) {
      const cash = m.receipts.filter((x) => x.customer === c.code && x.reversal === null).reduce((s, x) => s + x.amount - m.appliedAt(x, FAR), 0);
      const open = m.invoices.filter((i) => i.customer === c.code && m.openAt(i, FAR) > 0).map((i) => i.number);
      if (cash > 0 && open.length > 0) mismatch(`after auto ${c.code} still has ${cash} unapplied and open invoices ${open.join(', ')}`);
    }
    return result.allocations.map((p) => p.date);
  }
}

export class Undo extends LedgerCommand {
  constructor(common: Common, private readonly a: { what: 'batch' | 'allocation' | 'missing'; index: number; useful: boolean; back: number | undefined }) {
    super(common);
  }

  describe(): string {
    return `undo(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    let target = MISSING_BATCH;
    let rows: MAllocation[] | undefined;
    const batch = this.a.what === 'batch' ? pick(prefer(this.a.useful, undoableBatches(m), m.batches), this.a.index) : undefined;
    const one = this.a.what === 'allocation' ? pick(m.allocations, this.a.index) : undefined;
    if (batch) {
      target = batch.id;
      rows = m.allocations.filter((a) => a.batch === batch.id);
    } else if (one) {
      target = String(one.id);
      rows = [one];
    }
    const dateOption = dateOf(m, this.a.back);
    const date = dateOption ?? m.today;
    const reasons: Reason[] = [];
    const undoable = (rows ?? []).filter((a) => a.kind === 'receipt' || a.kind === 'adjustment');
    const live = undoable.filter((a) => a.reverses === null && m.reversedBy(a.id) === null);
    if (!rows) reasons.push({ code: 'not_found', why: `no batch or allocation ${target}` });
    else if (undoable.length === 0) reasons.push({ code: 'refused', why: `${target} has no receipt allocations` });
    else if (live.length === 0) reasons.push({ code: 'refused', why: `${target} is already undone` });
    else if (live.some((a) => a.date > date)) reasons.push({ code: 'invalid', why: `${date} is before an allocation it undoes` });
    const id = m.peek('RB', date);
    this.resolved = `${target} on ${date}${live.length ? ` (live ${live.map((a) => a.id).join(',')})` : ''}`;
    const result = await this.perform(m, r, 'reconcile undo', reasons, (s, actor) => reconcileUndo(s, actor, target, { date: dateOption }));
    if (!result) return [date];
    if (result.batch !== id || JSON.stringify(result.reversed) !== JSON.stringify(live.map((a) => a.id))) {
      mismatch(`undo ${JSON.stringify([result.batch, result.reversed])}, expected ${JSON.stringify([id, live.map((a) => a.id)])}`);
    }
    m.take('RB', date);
    m.batches.push({ id, kind: 'undo' });
    for (const a of live) m.addAllocation({ invoice: a.invoice, kind: a.kind, source: a.source, amount: -a.amount, date, batch: id, reverses: a.id });
    return [date];
  }
}

export class Reverse extends LedgerCommand {
  constructor(common: Common, private readonly a: { receipt: number; useful: boolean; missing: boolean; back: number | undefined }) {
    super(common);
  }

  describe(): string {
    return `reverse(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    // Useful: cash not yet reversed, best of all cash that has been applied (and maybe unapplied again).
    const unreversed = m.receipts.filter((x) => x.reversal === null);
    const applied = unreversed.filter((x) => m.allocations.some((a) => a.source === x.number));
    const receipt = this.a.missing ? undefined : pick(prefer(this.a.useful, applied.length > 0 ? applied : unreversed, m.receipts), this.a.receipt);
    const number = receipt?.number ?? MISSING_RECEIPT;
    const dateOption = dateOf(m, this.a.back);
    const rows = m.allocations.filter((a) => a.source === number && (a.kind === 'receipt' || a.kind === 'adjustment'));
    const date = dateOption ?? m.today;
    const reasons: Reason[] = [];
    const live = rows.filter((a) => a.reverses === null && m.reversedBy(a.id) === null);
    if (!receipt) reasons.push({ code: 'not_found', why: `no receipt ${number}` });
    else {
      if (receipt.reversal !== null) reasons.push({ code: 'refused', why: `${number} is already reversed` });
      if (date < receipt.date) reasons.push({ code: 'invalid', why: `${date} is before the receipt date ${receipt.date}` });
      // Cash stays applied until the row that takes it back: an allocation dated after the reversal,
      // or an undo dated after it, would leave a reversed receipt paying an invoice in between.
      const later = rows.filter((a) => a.date > date);
      if (later.length > 0) reasons.push({ code: 'refused', why: `${number} has allocation rows dated after ${date}: ${later.map((a) => `#${a.id} ${a.amount} on ${a.date}`).join(', ')}` });
    }
    const batch = m.peek('RB', date);
    this.resolved = `${number} on ${date}`;
    const result = await this.perform(m, r, 'receipt reverse', reasons, (s, actor) => reverseReceipt(s, actor, number, { reason: 'bounced', date: dateOption }));
    if (!result || !receipt) return [date];
    const expectedBatch = live.length > 0 ? batch : null;
    if (result.batch !== expectedBatch || result.receipt.reversal?.date !== date) {
      mismatch(`reverse ${JSON.stringify([result.batch, result.receipt.reversal])}, expected ${JSON.stringify([expectedBatch, date])}`);
    }
    if (live.length > 0) {
      m.take('RB', date);
      m.batches.push({ id: batch, kind: 'reversal' });
      for (const a of live) m.addAllocation({ invoice: a.invoice, kind: a.kind, source: a.source, amount: -a.amount, date, batch, reverses: a.id });
    }
    receipt.reversal = date;
    m.touchedReceipts.add(number);
    m.dates.add(date);
    return [date];
  }
}

export class WriteOff extends LedgerCommand {
  constructor(common: Common, private readonly a: { aim: Aim; index: number; useful: boolean; amount: Amount | undefined; back: number | undefined }) {
    super(common);
  }

  describe(): string {
    return `writeOff(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    const target = aimAt(m, this.a.aim, this.a.index, prefer(this.a.useful, openInvoices(m), m.invoices));
    const dateOption = dateOf(m, this.a.back);
    const date = dateOption ?? m.today;
    const reasons = [...target.reasons];
    const invoice = target.invoice;
    let amount = this.a.amount === undefined ? undefined : amountFrom(this.a.amount, 0);
    let writes = 0;
    if (invoice) {
      const room = m.roomFrom(invoice, maxDate(date, invoice.issueDate));
      amount = this.a.amount === undefined ? undefined : amountFrom(this.a.amount, room);
      writes = amount ?? room;
      if (date < invoice.issueDate) reasons.push({ code: 'invalid', why: `${date} is before the invoice date ${invoice.issueDate}` });
      else if (room <= 0) reasons.push({ code: 'refused', why: `${invoice.number} has nothing open from ${date}` });
      else if (writes > room) reasons.push({ code: 'refused', why: `${writes} exceeds the ${room} open from ${date}` });
    }
    const number = m.peek('WO', date);
    this.resolved = `${target.number} ${amount === undefined ? 'in full' : decimal(amount)} on ${date}`;
    const done = await this.perform(m, r, 'invoice write-off', reasons, (s, actor) =>
      writeOffInvoice(s, actor, target.number, { reason: 'bad debt', date: dateOption, ...(amount === undefined ? {} : { amount: decimal(amount) }) }),
    );
    if (!done || !invoice) return [date];
    if (done.number !== number || done.amount.minor !== writes || done.date !== date) {
      mismatch(`write-off ${JSON.stringify([done.number, done.amount.minor, done.date])}, expected ${JSON.stringify([number, writes, date])}`);
    }
    m.take('WO', date);
    m.writeOffs.push({ number, invoice: invoice.number, date, amount: writes });
    m.addAllocation({ invoice: invoice.number, kind: 'write_off', source: number, amount: writes, date, batch: null, reverses: null });
    return [date];
  }
}

export class Assign extends LedgerCommand {
  constructor(common: Common, private readonly a: { receipt: number; anyReceipt: boolean; who: number }) {
    super(common);
  }

  describe(): string {
    return `assign(${JSON.stringify(this.a)})`;
  }

  async execute(m: LedgerModel, r: RealBook): Promise<string[]> {
    const unidentified = m.receipts.filter((x) => x.customer === null);
    const receipt = pick(this.a.anyReceipt || unidentified.length === 0 ? m.receipts : unidentified, this.a.receipt);
    const number = receipt?.number ?? MISSING_RECEIPT;
    const customer = CUSTOMERS[this.a.who];
    const code = customer?.code ?? MISSING_CUSTOMER;
    const reasons: Reason[] = [];
    let noop = false;
    if (!receipt) reasons.push({ code: 'not_found', why: `no receipt ${number}` });
    if (!customer) reasons.push({ code: 'not_found', why: `no customer ${code}` });
    if (receipt && customer) {
      if (receipt.customer === customer.code) noop = true;
      else if (receipt.customer !== null) reasons.push({ code: 'refused', why: `${number} belongs to ${receipt.customer}` });
      else if (receipt.currency !== customer.currency) reasons.push({ code: 'refused', why: `${number} is in ${receipt.currency}` });
    }
    this.resolved = `${number} to ${code}`;
    const done = await this.perform(m, r, 'receipt assign', reasons, (s, actor) => assignReceipt(s, actor, number, code), noop);
    if (!done || !receipt || !customer) return [];
    receipt.customer = customer.code;
    m.touchedReceipts.add(number);
    return [receipt.date];
  }
}

// -----------------------------------------------------------------------------------------------
// Arbitraries.

const advance = fc.nat({ max: 9 }).map((n) => [0, 0, 0, 0, 1, 1, 1, 2, 3, 5][n]!);
const probes = fc.array(fc.integer({ min: -5, max: 200 }), { maxLength: 1 });
const interrupt = fc.oneof({ arbitrary: fc.constant(false), weight: 19 }, { arbitrary: fc.constant(true), weight: 1 });
const common: fc.Arbitrary<Common> = fc.record({ advance, probes, interrupt });
/** undefined: the use-case's default date (today); else days back from today, sometimes far. */
const back = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.nat({ max: 3 }), weight: 2 },
  { arbitrary: fc.nat({ max: 25 }), weight: 1 },
);
const index = fc.nat({ max: 50 });
/** Mostly aim at what the command can act on (open invoices, cash to apply …), sometimes at anything. */
const useful = fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 });
const aim: fc.Arbitrary<Aim> = fc.oneof(
  { arbitrary: fc.constant('invoice' as const), weight: 12 },
  { arbitrary: fc.constant('credit' as const), weight: 1 },
  { arbitrary: fc.constant('missing' as const), weight: 1 },
);
const amount: fc.Arbitrary<Amount> = fc.oneof(
  { arbitrary: fc.record({ mode: fc.constant('part' as const), percent: fc.integer({ min: 5, max: 95 }) }), weight: 4 },
  { arbitrary: fc.record({ mode: fc.constant('room' as const) }), weight: 2 },
  { arbitrary: fc.record({ mode: fc.constant('over' as const), by: fc.integer({ min: 1, max: 5_000 }) }), weight: 2 },
  { arbitrary: fc.record({ mode: fc.constant('fixed' as const), minor: fc.integer({ min: 1, max: 60_000 }) }), weight: 1 },
);

const issue = fc
  .record({ who: fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 12 }, { arbitrary: fc.constant(3), weight: 1 }), q13: fc.nat({ max: 4 }), q6: fc.nat({ max: 5 }), usdPrice: fc.nat({ max: 2 }), back })
  .map((a) => (a.q13 + a.q6 === 0 ? { ...a, q13: 1 } : a));

const issueCommand = fc.tuple(common, issue).map(([c, a]) => new IssueInvoice(c, a));

const receive = fc
  .tuple(
    common,
    fc.record({
      who: fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 8 }, { arbitrary: fc.constant(3), weight: 3 }, { arbitrary: fc.constant(4), weight: 1 }),
      usd: fc.boolean(),
      amount: fc.constantFrom('open' as const, 'short' as const, 'random' as const, 'small' as const),
      minor: fc.nat({ max: 80_000 }),
      index,
      back,
      ref: fc.oneof(
        { arbitrary: fc.constant('fresh' as const), weight: 4 },
        { arbitrary: fc.constant('none' as const), weight: 2 },
        { arbitrary: fc.constant('replay' as const), weight: 2 },
        { arbitrary: fc.constant('conflict' as const), weight: 1 },
      ),
      refIndex: index,
      memo: fc.constantFrom('none' as const, 'names' as const, 'names-two' as const, 'text' as const),
      memoIndex: index,
    }),
  )
  .map(([c, a]) => new Receive(c, a));

const credit = fc.tuple(common, fc.record({ aim, index, useful, amount, back })).map(([c, a]) => new CreditNote(c, a));

const apply = fc
  .tuple(
    common,
    fc.record({
      receipt: index,
      useful,
      missingReceipt: fc.oneof({ arbitrary: fc.constant(false), weight: 15 }, { arbitrary: fc.constant(true), weight: 1 }),
      own: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
      targets: fc.array(
        fc.record({ aim, index, amount: fc.oneof({ arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: amount, weight: 2 }) }),
        { minLength: 1, maxLength: 2 },
      ),
      back,
    }),
  )
  .map(([c, a]) => new Apply(c, a));

const auto = common.map((c) => new ReconcileAuto(c));

const undo = fc
  .tuple(
    common,
    fc.record({
      what: fc.oneof(
        { arbitrary: fc.constant('batch' as const), weight: 4 },
        { arbitrary: fc.constant('allocation' as const), weight: 2 },
        { arbitrary: fc.constant('missing' as const), weight: 1 },
      ),
      index,
      useful,
      back,
    }),
  )
  .map(([c, a]) => new Undo(c, a));

const reverse = fc
  .tuple(common, fc.record({ receipt: index, useful, missing: fc.oneof({ arbitrary: fc.constant(false), weight: 10 }, { arbitrary: fc.constant(true), weight: 1 }), back }))
  .map(([c, a]) => new Reverse(c, a));

const writeOff = fc
  .tuple(common, fc.record({ aim, index, useful, amount: fc.oneof({ arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: amount, weight: 2 }), back }))
  .map(([c, a]) => new WriteOff(c, a));

const assign = fc
  .tuple(common, fc.record({ receipt: index, anyReceipt: fc.boolean(), who: fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 8 }, { arbitrary: fc.constant(3), weight: 1 }) }))
  .map(([c, a]) => new Assign(c, a));

type AnyCommand = fc.Arbitrary<fc.AsyncCommand<LedgerModel, RealBook>>;

/** What a run starts with, so that the other commands find documents to act on: invoices, then receipts. */
export function openingCommands(): fc.Arbitrary<fc.AsyncCommand<LedgerModel, RealBook>[]> {
  return fc
    .tuple(fc.array(issueCommand, { minLength: 1, maxLength: 4 }), fc.array(receive, { minLength: 1, maxLength: 4 }))
    .map(([invoices, receipts]) => [...invoices, ...receipts]);
}

/** Every command; the duplicates weigh the choice towards documents and cash coming in, and applying it. */
export function ledgerCommands(): AnyCommand[] {
  return [issueCommand, issueCommand, receive, receive, receive, credit, apply, apply, apply, auto, undo, undo, reverse, writeOff, assign];
}
