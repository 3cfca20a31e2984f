import type { Actor } from '../actor.js';
import { addDays, compareDates, daysBetween, parseDate, type IsoDate } from '../dates.js';
import { invariant, NotFoundError, ValidationError } from '../errors.js';
import { add, money, subtract, type Money } from '../money/index.js';
import { loadSettings } from '../settings/load-settings.js';
import type { LedgerEntryKind, Store } from '../store.js';
import { Problems } from '../validation.js';
import { bucketIndex, bucketLabels } from './buckets.js';

export interface StatementLine {
  readonly date: IsoDate;
  readonly document: string;
  readonly kind: LedgerEntryKind;
  readonly amount: Money;
  readonly balance: Money;
}

export interface StatementAging {
  readonly asOf: IsoDate;
  readonly buckets: readonly string[];
  readonly amounts: readonly Money[];
  /** Cash received and credits issued but not matched to an invoice: ≤ 0. */
  readonly unapplied: Money;
  readonly total: Money;
}

export interface Statement {
  readonly customer: string;
  readonly name: string;
  readonly currency: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly openingBalance: Money;
  readonly lines: readonly StatementLine[];
  readonly closingBalance: Money;
  readonly aging: StatementAging;
}

export interface StatementInput {
  readonly from?: string;
  readonly to?: string;
}

const EARLIEST = '1900-01-01';

/**
 * The customer's account for a period: opening balance, every document with a running balance,
 * the closing balance and how it ages. The aging must add up to the closing balance; if it does
 * not, the ledger is inconsistent and this is a bug, not a report.
 */
export async function customerStatement(store: Store, actor: Actor, code: string, input: StatementInput): Promise<Statement> {
  const problems = new Problems();
  const to = input.to === undefined ? actor.today : problems.check(() => parseDate(input.to!, '--to'));
  const from = input.from === undefined ? EARLIEST : problems.check(() => parseDate(input.from!, '--from'));
  problems.throwIfAny();
  if (compareDates(from!, to!) > 0) throw new ValidationError({ field: '--from', value: from!, reason: `is after --to ${to}` });

  const customer = await store.customers.find(code);
  if (!customer) throw new NotFoundError('customer', code, 'list customers with: owed customer list');
  const currency = customer.currency;
  const opening = from === EARLIEST ? money(0, currency) : await store.ledger.balance(code, addDays(from!, -1));
  let balance = opening;
  const lines: StatementLine[] = [];
  for (const entry of await store.ledger.entries(code, from!, to!)) {
    balance = add(balance, entry.amount);
    lines.push({ date: entry.date, document: entry.document, kind: entry.kind, amount: entry.amount, balance });
  }

  const settings = await loadSettings(store);
  const labels = bucketLabels(settings.agingBuckets);
  const amounts = labels.map(() => 0);
  let unapplied = money(0, currency);
  for (const { invoice, settlement } of await store.invoices.list({ customer: code, openOnly: true, to: to! }, to!)) {
    if (invoice.kind === 'credit_note') unapplied = subtract(unapplied, settlement.open);
    else amounts[bucketIndex(daysBetween(invoice.dueDate, to!), settings.agingBuckets)]! += settlement.open.minor;
  }
  const total = money(amounts.reduce((s, a) => s + a, 0) + unapplied.minor, currency);
  invariant(total.minor === balance.minor, `statement of ${code} as of ${to}: aging ${total.minor} ≠ balance ${balance.minor}`);
  return {
    customer: code,
    name: customer.name,
    currency,
    from: input.from === undefined ? (lines[0]?.date ?? to!) : from!,
    to: to!,
    openingBalance: opening,
    lines,
    closingBalance: balance,
    aging: { asOf: to!, buckets: labels, amounts: amounts.map((a) => money(a, currency)), unapplied, total },
  };
}
