import type { IsoDate } from '../dates.js';
import { InvariantError } from '../errors.js';
import { money, type Money } from '../money/index.js';
import { accountKey, accountRef, BALANCE_SHEET_ROLES, type AccountRef } from './accounts.js';

/**
 * The double-entry view of the ledger's documents. Every document becomes one balanced
 * transaction dated by the document; the rules are linear in the document's amounts, so a sum of
 * documents (the opening balances of a period) goes through the same rules as one document.
 *
 *   invoice           Dr receivable:CUSTOMER total    Cr sales total−tax, Cr vat_output tax
 *   credit note       Dr sales total−tax, Dr vat_output tax    Cr receivable:CUSTOMER total
 *   receipt           Dr bank (cash for method cash) amount    Cr receivable:CUSTOMER
 *                     (no customer yet: Cr customer_credit)
 *   receipt reversal  the receipt's entry reversed, on the reversal date
 *   write-off         Dr bad_debts    Cr receivable:CUSTOMER
 *   adjustment        Dr discounts    Cr receivable:CUSTOMER (a negative amount undoes one)
 */
export const DOCUMENT_KINDS = ['invoice', 'credit_note', 'receipt', 'receipt_reversal', 'write_off', 'adjustment'] as const;
export type JournalDocumentKind = (typeof DOCUMENT_KINDS)[number];

/** A document as storage hands it over: amounts in minor units of `currency`. */
export interface JournalDocument {
  readonly kind: JournalDocumentKind;
  readonly date: IsoDate;
  /** The document's number: INV-…, CN-…, RC-… (also for its reversal), WO-…; for an adjustment, its invoice. */
  readonly number: string;
  /** Allocation id of an adjustment; null otherwise. */
  readonly seq: number | null;
  /** Customer code; null only for a receipt (or its reversal) not yet attached to a customer. */
  readonly customer: string | null;
  readonly customerName: string | null;
  readonly currency: string;
  /** Invoice or credit note total, receipt amount, write-off amount, adjustment amount (signed). */
  readonly amount: number;
  /** Output VAT of an invoice or credit note; 0 for the other kinds. */
  readonly tax: number;
  /** Receipt method (bank, cash, cheque, card, other); null for the other kinds. */
  readonly method: string | null;
  /** The credited or written-off invoice; the receipt's bank reference; the reversal's reason; an adjustment's receipt. */
  readonly reference: string | null;
}

export interface Posting {
  readonly account: AccountRef;
  readonly amount: Money;
}

export interface JournalTransaction {
  /** Unique in the export: the document number, REV-RC-… for a reversal, ADJ-id, OPENING. */
  readonly id: string;
  readonly date: IsoDate;
  readonly kind: JournalDocumentKind | 'opening';
  /** Who: the customer's name (or code), "Unidentified payer", or "Opening balances". */
  readonly payee: string;
  /** What: "Invoice INV-…", "Receipt RC-… (bank ref …)", … */
  readonly narration: string;
  readonly postings: readonly Posting[];
}

function receivable(customer: string): AccountRef {
  return accountRef('receivable', customer);
}

function cashAccount(method: string | null): AccountRef {
  return accountRef(method === 'cash' ? 'cash' : 'bank');
}

/** The postings of one document (or of a sum of like documents), debits positive. */
export function postingsFor(doc: Pick<JournalDocument, 'kind' | 'customer' | 'currency' | 'amount' | 'tax' | 'method'>): Posting[] {
  const m = (minor: number) => money(minor, doc.currency);
  const total = doc.amount;
  const needsCustomer = (): string => {
    if (doc.customer === null) throw new InvariantError(`a ${doc.kind} without a customer cannot be journalled`);
    return doc.customer;
  };
  switch (doc.kind) {
    case 'invoice':
      return [
        { account: receivable(needsCustomer()), amount: m(total) },
        { account: accountRef('sales'), amount: m(-(total - doc.tax)) },
        { account: accountRef('vat_output'), amount: m(-doc.tax) },
      ];
    case 'credit_note':
      return [
        { account: accountRef('sales'), amount: m(total - doc.tax) },
        { account: accountRef('vat_output'), amount: m(doc.tax) },
        { account: receivable(needsCustomer()), amount: m(-total) },
      ];
    case 'receipt':
    case 'receipt_reversal': {
      const sign = doc.kind === 'receipt' ? 1 : -1;
      const from: AccountRef = doc.customer === null ? accountRef('customer_credit') : receivable(doc.customer);
      const lines: Posting[] = [
        { account: cashAccount(doc.method), amount: m(sign * total) },
        { account: from, amount: m(-sign * total) },
      ];
      return sign === 1 ? lines : [lines[1]!, lines[0]!];
    }
    case 'write_off':
      return [
        { account: accountRef('bad_debts'), amount: m(total) },
        { account: receivable(needsCustomer()), amount: m(-total) },
      ];
    case 'adjustment':
      return [
        { account: accountRef('discounts'), amount: m(total) },
        { account: receivable(needsCustomer()), amount: m(-total) },
      ];
  }
}

/** Zero postings say nothing; a transaction whose postings are all zero keeps them, so the document still shows. */
function dropZeros(postings: Posting[]): Posting[] {
  if (postings.every((p) => p.amount.minor !== 0)) return postings;
  const nonZero = postings.filter((p) => p.amount.minor !== 0);
  return nonZero.length > 0 ? nonZero : postings;
}

/** Σ postings per currency must be zero: a journal that does not balance is a bug, never output. */
export function assertBalanced(tx: Pick<JournalTransaction, 'id' | 'postings'>): void {
  // A document's postings share one currency: sum them without a map (millions of transactions).
  const currency = tx.postings[0]?.amount.currency;
  let total = 0;
  let single = true;
  for (const p of tx.postings) {
    total += p.amount.minor;
    single &&= p.amount.currency === currency;
  }
  if (single) {
    if (total !== 0) throw new InvariantError(`journal transaction ${tx.id} does not balance in ${currency}: off by ${total} minor units`);
    return;
  }
  const sums = new Map<string, number>();
  for (const p of tx.postings) sums.set(p.amount.currency, (sums.get(p.amount.currency) ?? 0) + p.amount.minor);
  for (const [currency, total] of sums) {
    if (total !== 0) throw new InvariantError(`journal transaction ${tx.id} does not balance in ${currency}: off by ${total} minor units`);
  }
}

function transactionId(doc: JournalDocument): string {
  switch (doc.kind) {
    case 'receipt_reversal':
      return `REV-${doc.number}`;
    case 'adjustment':
      return `ADJ-${doc.seq ?? doc.number}`;
    default:
      return doc.number;
  }
}

function narration(doc: JournalDocument): string {
  const ref = doc.reference === null || doc.reference === '' ? '' : doc.reference;
  switch (doc.kind) {
    case 'invoice':
      return `Invoice ${doc.number}`;
    case 'credit_note':
      return ref ? `Credit note ${doc.number} against ${ref}` : `Credit note ${doc.number}`;
    case 'receipt':
      return `Receipt ${doc.number}${ref ? ` (bank ref ${ref})` : ''}${doc.customer === null ? ', payer not yet identified' : ''}`;
    case 'receipt_reversal':
      return `Reversal of receipt ${doc.number}${ref ? `: ${ref}` : ''}`;
    case 'write_off':
      return `Write-off ${doc.number} of ${ref}`;
    case 'adjustment':
      return `${doc.amount < 0 ? 'Undo of tolerance adjustment' : 'Tolerance adjustment'} on ${doc.number}${ref ? ` (receipt ${ref})` : ''}`;
  }
}

/** One document as one balanced transaction. */
export function toTransaction(doc: JournalDocument): JournalTransaction {
  const tx: JournalTransaction = {
    id: transactionId(doc),
    date: doc.date,
    kind: doc.kind,
    payee: doc.customerName ?? doc.customer ?? 'Unidentified payer',
    narration: narration(doc),
    postings: dropZeros(postingsFor(doc)),
  };
  assertBalanced(tx);
  return tx;
}

/** Documents of one kind, customer, currency and cash account, summed: what happened before a period. */
export interface DocumentTotal {
  readonly kind: JournalDocumentKind;
  readonly customer: string | null;
  readonly currency: string;
  /** Receipts and reversals: 'cash' or another method (bank); null for the other kinds. */
  readonly method: string | null;
  readonly amount: number;
  readonly tax: number;
  /** The earliest date among the summed documents. */
  readonly first: IsoDate;
}

/**
 * What the documents of a period post to, found without summing them: the customers with a
 * document there, each kind of document present by cash account ('cash' or 'bank' for receipts
 * and reversals), payer known or not, and currency; and the earliest document date.
 */
export interface JournalScope {
  readonly customers: readonly string[];
  readonly kinds: readonly {
    readonly kind: JournalDocumentKind;
    readonly method: 'cash' | 'bank' | null;
    readonly identified: boolean;
    readonly currency: string;
  }[];
  readonly firstDate: IsoDate | null;
}

/** Every account the documents of a scope post to, by the same rules as their postings. */
export function scopeAccounts(scope: JournalScope): AccountRef[] {
  const refs = new Set<AccountRef>(scope.customers.map((c) => receivable(c)));
  for (const k of scope.kinds) {
    const customer = k.identified ? scope.customers[0] ?? null : null;
    if (k.identified && customer === null) throw new InvariantError(`journal scope: ${k.kind} documents without any customer`);
    const postings = postingsFor({ kind: k.kind, customer, currency: k.currency, amount: 0, tax: 0, method: k.method });
    for (const p of postings) if (p.account.role !== 'receivable') refs.add(p.account);
  }
  return [...refs];
}

/** Σ postings per account and currency, in first-seen order. */
export function accountBalances(postings: Iterable<Posting>): Posting[] {
  const byKey = new Map<string, Posting>();
  for (const p of postings) {
    const key = `${accountKey(p.account)}\u0000${p.amount.currency}`;
    const seen = byKey.get(key);
    byKey.set(key, seen ? { account: p.account, amount: money(seen.amount.minor + p.amount.minor, p.amount.currency) } : p);
  }
  return [...byKey.values()];
}

function compareRefs(a: Posting, b: Posting): number {
  const order = (p: Posting) => ['receivable', 'bank', 'cash', 'customer_credit', 'vat_output', 'opening', 'sales', 'bad_debts', 'discounts'].indexOf(p.account.role);
  return (
    a.amount.currency.localeCompare(b.amount.currency) ||
    order(a) - order(b) ||
    (a.account.customer ?? '').localeCompare(b.account.customer ?? '')
  );
}

/**
 * The opening transaction of a period starting on `from`, dated the day before: the balance of
 * every balance-sheet account (each customer's receivable, bank, cash, VAT, customer credit) as
 * of that day, and past income and expenses folded into the opening-equity account, so it
 * balances per currency. Null when there is nothing to open with.
 */
export function openingTransaction(date: IsoDate, totals: readonly Omit<DocumentTotal, 'first'>[]): JournalTransaction | null {
  const balances = accountBalances(totals.flatMap((t) => postingsFor(t)));
  const carried: Posting[] = [];
  const equity = new Map<string, number>();
  for (const b of balances) {
    if (b.amount.minor === 0) continue;
    if (BALANCE_SHEET_ROLES.has(b.account.role)) carried.push(b);
    else equity.set(b.amount.currency, (equity.get(b.amount.currency) ?? 0) + b.amount.minor);
  }
  for (const [currency, minor] of equity) {
    if (minor !== 0) carried.push({ account: accountRef('opening'), amount: money(minor, currency) });
  }
  if (carried.length === 0) return null;
  const tx: JournalTransaction = {
    id: 'OPENING',
    date,
    kind: 'opening',
    payee: 'Opening balances',
    narration: `Balances as of ${date}`,
    postings: carried.sort(compareRefs),
  };
  assertBalanced(tx);
  return tx;
}

/** Debits and credits per currency over a whole journal: equal when every transaction balances. */
export function journalTotals(transactions: Iterable<JournalTransaction>): { currency: string; debits: number; credits: number }[] {
  const totals = new Map<string, { debits: number; credits: number }>();
  for (const tx of transactions) {
    for (const p of tx.postings) {
      const t = totals.get(p.amount.currency) ?? { debits: 0, credits: 0 };
      if (p.amount.minor > 0) t.debits += p.amount.minor;
      else t.credits -= p.amount.minor;
      totals.set(p.amount.currency, t);
    }
  }
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({ currency, ...t }));
}
