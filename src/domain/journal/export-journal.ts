import { addDays, compareDates, type IsoDate } from '../dates.js';
import { InvariantError } from '../errors.js';
import type { Store } from '../store.js';
import { accountKey, journalAccounts } from './accounts.js';
import { checkRange } from './exports.js';
import { declarationsOf, type JournalOutput } from './format.js';
import { openingTransaction, postingsFor, toTransaction, type JournalTransaction, type Posting } from './transactions.js';

export interface JournalOptions {
  readonly from?: IsoDate;
  readonly to?: IsoDate;
}

/** Σ receivable postings per currency. */
function receivableTotals(postings: Iterable<Posting>, into = new Map<string, number>()): Map<string, number> {
  for (const p of postings) {
    if (p.account.role === 'receivable') into.set(p.amount.currency, (into.get(p.amount.currency) ?? 0) + p.amount.minor);
  }
  return into;
}

function sameTotals(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, what: string): void {
  for (const currency of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(currency) ?? 0;
    const y = b.get(currency) ?? 0;
    if (x !== y) throw new InvariantError(`${what} in ${currency}: ${x} vs ${y} (minor units)`);
  }
}

/**
 * The double-entry journal of the book: one balanced transaction per document dated in
 * [from, to], in date order, after an opening transaction dated the day before `from` (when
 * given) that carries every balance-sheet account, so balances in the file are the book's.
 *
 * Set-based and streamed: the documents summed per kind and customer (one query) give the
 * declarations and the checks up front; the documents themselves are one statement read in
 * batches while the caller writes, so memory stays flat. Iterate `transactions` once, before using
 * the store again.
 *
 * It checks itself (DESIGN.md invariant 4): every transaction balances per currency; the
 * receivable control account at the end equals Σ documents (what aging adds up to) before
 * anything is written; and the transactions as read add up to the same, in date order, on
 * declared accounts only. A failure is a bug (InvariantError).
 */
export async function exportJournal(store: Store, options: JournalOptions): Promise<JournalOutput> {
  const from = options.from ?? null;
  const to = options.to ?? null;
  checkRange({ from, to });
  const accounts = journalAccounts(await store.settings.all());

  const opening = from === null ? null : openingTransaction(addDays(from, -1), await store.journal.totals(null, addDays(from, -1)));
  const totals = await store.journal.totals(from, to);
  const planned = [...(opening?.postings ?? []), ...totals.flatMap((t) => postingsFor(t))];
  const firstDate = opening?.date ?? totals.reduce<IsoDate | null>((min, t) => (min === null || compareDates(t.first, min) < 0 ? t.first : min), null);
  const declared = declarationsOf(planned, firstDate);

  const expectedReceivable = receivableTotals(planned);
  const documents = new Map((await store.aging.documentTotals(to ?? '9999-12-31')).map((d) => [d.currency, d.amount]));
  sameTotals(expectedReceivable, documents, `journal receivable as of ${to ?? 'the end'} vs documents`);

  const declaredKeys = new Set(declared.accounts.map(accountKey));
  async function* transactions(): AsyncGenerator<JournalTransaction> {
    const seen = new Map<string, number>();
    let last: JournalTransaction | null = null;
    const emit = (tx: JournalTransaction): JournalTransaction => {
      if (last && compareDates(last.date, tx.date) > 0) throw new InvariantError(`journal out of date order: ${last.id} ${last.date} before ${tx.id} ${tx.date}`);
      for (const p of tx.postings) {
        if (!declaredKeys.has(accountKey(p.account))) throw new InvariantError(`journal transaction ${tx.id} posts to an undeclared account`);
      }
      receivableTotals(tx.postings, seen);
      last = tx;
      return tx;
    };
    if (opening) yield emit(opening);
    for await (const batch of store.journal.documents(from, to)) {
      for (const doc of batch) yield emit(toTransaction(doc));
    }
    sameTotals(seen, expectedReceivable, 'journal receivable as read vs as summed');
  }

  return { accounts, from, to, declared, transactions: transactions() };
}
