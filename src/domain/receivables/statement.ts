import type { Actor } from '../actor.js';
import { addDays, compareDates, parseDate, type IsoDate } from '../dates.js';
import { invariant, NotFoundError, ValidationError } from '../errors.js';
import { add, money, type Money } from '../money/index.js';
import type { LedgerEntryKind, Store } from '../store.js';
import { Problems } from '../validation.js';
import { agingReport } from './aging.js';

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

  const aging = await agingReport(store, { asOf: to!, customer: code });
  const row = aging.rows.find((r) => r.currency === currency);
  const amounts = row?.buckets ?? aging.labels.map(() => money(0, currency));
  const unapplied = row?.unapplied ?? money(0, currency);
  const total = row?.total ?? money(0, currency);
  invariant(total.minor === balance.minor, () => `statement of ${code} as of ${to}: aging ${total.minor} ≠ balance ${balance.minor}`);
  return {
    customer: code,
    name: customer.name,
    currency,
    from: input.from === undefined ? (lines[0]?.date ?? to!) : from!,
    to: to!,
    openingBalance: opening,
    lines,
    closingBalance: balance,
    aging: { asOf: to!, buckets: aging.labels, amounts, unapplied, total },
  };
}
