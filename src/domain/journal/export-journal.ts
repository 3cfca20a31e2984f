import { addDays, compareDates, type IsoDate } from '../dates.js';
import { InvariantError } from '../errors.js';
import type { Store } from '../store.js';
import { accountKey, journalAccounts, type AccountRef } from './accounts.js';
import { checkRange } from './exports.js';
import type { JournalDeclarations, JournalOutput } from './format.js';
import { openingTransaction, scopeAccounts, toTransaction, type JournalTransaction } from './transactions.js';

export interface JournalOptions {
  readonly from?: IsoDate;
  readonly to?: IsoDate;
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
 * Set-based and streamed: what the period's documents post to (customers, kinds, currencies,
 * found without summing them) gives the declarations up front; the documents themselves are one
 * statement read in batches while the caller writes, so memory stays flat. Only the opening
 * balances are sums (of the documents before the period). Iterate `batches` once, before using
 * the store again.
 *
 * It checks itself (DESIGN.md invariant 4): every transaction balances per currency, comes in
 * date order and posts only to declared accounts, and at the end the receivable control account
 * as written equals Σ documents as of the end (what aging adds up to). A failure is a bug
 * (InvariantError); the caller discards what it wrote (see commands/export.ts).
 */
export async function exportJournal(store: Store, options: JournalOptions): Promise<JournalOutput> {
  const from = options.from ?? null;
  const to = options.to ?? null;
  checkRange({ from, to });
  const accounts = journalAccounts(await store.settings.all());

  const opening = from === null ? null : openingTransaction(addDays(from, -1), await store.journal.totals(null, addDays(from, -1)));
  const scope = await store.journal.scope(from, to);
  const declaredRefs = [...(opening?.postings.map((p) => p.account) ?? []), ...scopeAccounts(scope)];
  const currencies = new Set([...(opening?.postings.map((p) => p.amount.currency) ?? []), ...scope.kinds.map((k) => k.currency)]);
  const firstDate = opening?.date ?? scope.firstDate;
  const byKey = new Map(declaredRefs.map((ref) => [accountKey(ref), ref]));
  const declared: JournalDeclarations = { accounts: [...byKey.values()], currencies: [...currencies].sort(), firstDate };
  const documents = new Map((await store.aging.documentTotals(to ?? '9999-12-31')).map((d) => [d.currency, d.amount]));

  const declaredRefSet = new Set(declared.accounts);
  const declaredKeys = new Set(byKey.keys());
  const isDeclared = (ref: AccountRef) => declaredRefSet.has(ref) || declaredKeys.has(accountKey(ref));
  async function* batches(): AsyncGenerator<readonly JournalTransaction[]> {
    const seen = new Map<string, number>();
    let last: IsoDate | null = null;
    let lastId = '';
    const emit = (tx: JournalTransaction): JournalTransaction => {
      if (last !== null && compareDates(last, tx.date) > 0) throw new InvariantError(`journal out of date order: ${lastId} ${last} before ${tx.id} ${tx.date}`);
      for (const p of tx.postings) {
        if (!isDeclared(p.account)) throw new InvariantError(`journal transaction ${tx.id} posts to an undeclared account`);
        if (p.account.role === 'receivable') seen.set(p.amount.currency, (seen.get(p.amount.currency) ?? 0) + p.amount.minor);
      }
      last = tx.date;
      lastId = tx.id;
      return tx;
    };
    if (opening) yield [emit(opening)];
    for await (const batch of store.journal.documents(from, to)) yield batch.map((doc) => emit(toTransaction(doc)));
    sameTotals(seen, documents, `journal receivable as of ${to ?? 'the end'} vs documents`);
  }

  return { accounts, from, to, declared, batches: batches() };
}
