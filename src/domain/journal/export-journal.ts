import { addDays, compareDates, type IsoDate } from '../dates.js';
import { InvariantError } from '../errors.js';
import type { Store } from '../store.js';
import { journalAccounts } from './accounts.js';
import { checkRange } from './exports.js';
import type { JournalOutput } from './format.js';
import { openingTransaction, toTransaction, type JournalTransaction } from './transactions.js';

export interface JournalOptions {
  readonly from?: IsoDate;
  readonly to?: IsoDate;
}

/**
 * The double-entry journal of the book: one balanced transaction per document dated in
 * [from, to], in date order, after an opening transaction dated the day before `from` (when
 * given) that carries every balance-sheet account, so balances in the file are the book's.
 *
 * It checks itself (DESIGN.md invariant 4): every transaction balances per currency, and the
 * receivable control account at the end equals Σ documents (what aging adds up to); a mismatch is
 * a bug, reported instead of written.
 */
export async function exportJournal(store: Store, options: JournalOptions): Promise<JournalOutput> {
  const from = options.from ?? null;
  const to = options.to ?? null;
  checkRange({ from, to });
  const accounts = journalAccounts(await store.settings.all());

  const transactions: JournalTransaction[] = [];
  if (from !== null) {
    const opening = openingTransaction(addDays(from, -1), await store.journal.totalsBefore(from));
    if (opening) transactions.push(opening);
  }
  for (const doc of await store.journal.documents(from, to)) {
    const tx = toTransaction(doc);
    const last = transactions[transactions.length - 1];
    if (last && compareDates(last.date, tx.date) > 0) throw new InvariantError(`journal out of date order: ${last.id} ${last.date} before ${tx.id} ${tx.date}`);
    transactions.push(tx);
  }

  const receivable = new Map<string, number>();
  for (const tx of transactions) {
    for (const p of tx.postings) {
      if (p.account.role === 'receivable') receivable.set(p.amount.currency, (receivable.get(p.amount.currency) ?? 0) + p.amount.minor);
    }
  }
  const end = to ?? transactions[transactions.length - 1]?.date ?? null;
  if (end !== null) {
    const expected = new Map((await store.aging.documentTotals(end)).map((t) => [t.currency, t.amount]));
    for (const currency of new Set([...receivable.keys(), ...expected.keys()])) {
      const got = receivable.get(currency) ?? 0;
      const want = expected.get(currency) ?? 0;
      if (got !== want) throw new InvariantError(`journal receivable as of ${end} in ${currency} is ${got}, documents say ${want} (minor units)`);
    }
  }
  return { accounts, from, to, transactions };
}
