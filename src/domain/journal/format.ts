import { csvField } from '../csv-field.js';
import { RefusedError } from '../errors.js';
import { toDecimalString } from '../money/index.js';
import { accountKey, beancountAccountName, plainAccountName, type AccountRef, type JournalAccounts } from './accounts.js';
import type { JournalTransaction } from './transactions.js';

export const JOURNAL_FORMATS = ['hledger', 'ledger', 'beancount', 'csv'] as const;
export type JournalFormat = (typeof JOURNAL_FORMATS)[number];

export function isJournalFormat(text: string): text is JournalFormat {
  return (JOURNAL_FORMATS as readonly string[]).includes(text);
}

/**
 * What a renderer needs: the accounts and currencies the transactions post to (declared before
 * them, as ledger and beancount want), then the transactions in date order, in batches, read
 * once. A renderer yields one piece of text per batch.
 */
export interface JournalOutput {
  readonly accounts: JournalAccounts;
  readonly from: string | null;
  readonly to: string | null;
  readonly declared: JournalDeclarations;
  readonly batches: AsyncIterable<readonly JournalTransaction[]> | Iterable<readonly JournalTransaction[]>;
}

export interface JournalDeclarations {
  readonly accounts: readonly AccountRef[];
  readonly currencies: readonly string[];
  /** The date of the first transaction: when beancount opens the accounts. Null: no transactions. */
  readonly firstDate: string | null;
}

/** The declarations of the given postings' accounts and currencies, each once. */
export function declarationsOf(postings: Iterable<{ readonly account: AccountRef; readonly amount: { readonly currency: string } }>, firstDate: string | null): JournalDeclarations {
  const accounts = new Map<string, AccountRef>();
  const currencies = new Set<string>();
  for (const p of postings) {
    accounts.set(accountKey(p.account), p.account);
    currencies.add(p.amount.currency);
  }
  return { accounts: [...accounts.values()], currencies: [...currencies].sort(), firstDate };
}

/** A journal of transactions already at hand (tests, small exports). */
export function journalOf(accounts: JournalAccounts, from: string | null, to: string | null, transactions: readonly JournalTransaction[]): JournalOutput {
  return { accounts, from, to, declared: declarationsOf(transactions.flatMap((t) => t.postings), transactions[0]?.date ?? null), batches: [transactions] };
}

/** Whitespace other than single inner spaces: what oneLine changes. Most texts have none. */
const UNEVEN_SPACE = /[^\S ]|  |^ | $/;

/** Text on one line of a plain-text journal: no line breaks, tabs or runs of spaces. */
function oneLine(text: string): string {
  return UNEVEN_SPACE.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
}

/** What plainText changes besides whitespace. */
const PLAIN_SPECIAL = /[;|]|^[(*!]/;

/**
 * hledger and ledger descriptions: ';' would start a comment and '|' splits payee from note in
 * hledger, so both are replaced; '(' after the date would be read as a code, so the payee never
 * starts with one.
 */
export function plainText(text: string): string {
  if (!UNEVEN_SPACE.test(text) && !PLAIN_SPECIAL.test(text)) return text;
  const cleaned = oneLine(text).replace(/;/g, ',').replace(/\|/g, '/');
  return cleaned.replace(/^[(*!]+/, '').trim();
}

/** A beancount string literal. */
export function beancountString(text: string): string {
  return `"${oneLine(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}


function periodText(out: JournalOutput): string {
  if (out.from === null && out.to === null) return 'every document';
  return `documents dated ${out.from ?? 'from the start'} to ${out.to ?? 'the end'}${out.from !== null ? `, opening balances on the day before ${out.from}` : ''}`;
}

/**
 * Every declared account named by the given namer, sorted. Two customers whose codes come out as
 * one account name are refused rather than merged; two roles set to one account name (bank and
 * cash, say) are the user's choice and are merged.
 */
function declaredNames(out: JournalOutput, name: (ref: AccountRef) => string): string[] {
  const names = new Set<string>();
  const customerOf = new Map<string, string>();
  for (const ref of out.declared.accounts) {
    const n = name(ref);
    names.add(n);
    if (ref.customer === undefined) continue;
    const seen = customerOf.get(n);
    if (seen !== undefined && seen !== ref.customer) {
      throw new RefusedError(
        `customers ${JSON.stringify(seen)} and ${JSON.stringify(ref.customer)} would both be written as ${n}`,
        'the format cannot tell the two codes apart; export in another format, or give one customer a code of letters, digits and dashes',
      );
    }
    customerOf.set(n, ref.customer);
  }
  return [...names].sort();
}

/**
 * Account names are computed once per account, not once per posting: by reference first (postings
 * share their account's reference, see accountRef), by key for references made elsewhere.
 */
function cachedNamer(name: (ref: AccountRef) => string): (ref: AccountRef) => string {
  const byRef = new Map<AccountRef, string>();
  const byKey = new Map<string, string>();
  return (ref) => {
    let n = byRef.get(ref);
    if (n !== undefined) return n;
    const key = accountKey(ref);
    n = byKey.get(key) ?? name(ref);
    byKey.set(key, n);
    if (byRef.size < 100_000) byRef.set(ref, n);
    return n;
  };
}

/** Payees repeat (one per customer): cleaned once each. */
function cachedText(clean: (text: string) => string): (text: string) => string {
  const cache = new Map<string, string>();
  return (text) => {
    let out = cache.get(text);
    if (out === undefined) {
      out = clean(text);
      if (cache.size < 100_000) cache.set(text, out);
    }
    return out;
  };
}

function postingLines(tx: JournalTransaction, name: (ref: AccountRef) => string, indent: string): string {
  const names: string[] = [];
  const numbers: string[] = [];
  let width = 36;
  let numberWidth = 12;
  for (const p of tx.postings) {
    const n = name(p.account);
    const number = toDecimalString(p.amount);
    if (n.length > width) width = n.length;
    if (number.length > numberWidth) numberWidth = number.length;
    names.push(n);
    numbers.push(number);
  }
  let text = '';
  for (let i = 0; i < names.length; i++) text += `${indent}${names[i]!.padEnd(width)}  ${numbers[i]!.padStart(numberWidth)} ${tx.postings[i]!.amount.currency}\n`;
  return text;
}

/**
 * A batch's text as one string, written at once. (Appending builds a rope that the write flattens
 * once; measured cheaper at 1M invoices than join(), which flattens every piece first.)
 */
function joined(batch: readonly JournalTransaction[], text: (tx: JournalTransaction) => string): string {
  let out = '';
  for (const tx of batch) out += text(tx);
  return out;
}

const PREAMBLE = '; every transaction is one document; amounts are exact, in the document currency\n';

/** hledger: `DATE * (ID) payee | narration`, postings indented, the commodity after the amount. */
export async function* hledgerJournal(out: JournalOutput): AsyncGenerator<string> {
  const name = cachedNamer((ref) => plainAccountName(out.accounts, ref));
  const accounts = declaredNames(out, name);
  yield `; owed journal export for hledger: ${periodText(out)}\n${PREAMBLE}\n`;
  yield accounts.map((a) => `account ${a}\n`).join('') + (accounts.length > 0 ? '\n' : '');
  yield out.declared.currencies.map((c) => `commodity ${c}\n`).join('');
  const payee = cachedText(plainText);
  for await (const batch of out.batches) {
    yield joined(batch, (tx) => `\n${tx.date} * (${tx.id}) ${payee(tx.payee)} | ${plainText(tx.narration)}\n${postingLines(tx, name, '    ')}`);
  }
}

/** ledger: `DATE * (ID) payee`, the narration as a note, postings indented. */
export async function* ledgerJournal(out: JournalOutput): AsyncGenerator<string> {
  const name = cachedNamer((ref) => plainAccountName(out.accounts, ref));
  const accounts = declaredNames(out, name);
  yield `; owed journal export for ledger: ${periodText(out)}\n${PREAMBLE}\n`;
  yield accounts.map((a) => `account ${a}\n`).join('') + (accounts.length > 0 ? '\n' : '');
  yield out.declared.currencies.map((c) => `commodity ${c}\n`).join('');
  const payee = cachedText(plainText);
  for await (const batch of out.batches) {
    yield joined(batch, (tx) => `\n${tx.date} * (${tx.id}) ${payee(tx.payee)}\n    ; ${plainText(tx.narration)}\n${postingLines(tx, name, '    ')}`);
  }
}

/**
 * beancount: commodities and accounts opened on the first transaction date,
 * `DATE * "payee" "narration"`, the document id as `document:` metadata. Account names are
 * sanitised (see accounts.ts).
 */
export async function* beancountJournal(out: JournalOutput): AsyncGenerator<string> {
  const name = cachedNamer((ref) => beancountAccountName(out.accounts, ref));
  const accounts = declaredNames(out, name);
  yield `; owed journal export for beancount: ${periodText(out)}\n${PREAMBLE}\noption "title" "owed receivables journal"\n`;
  const first = out.declared.firstDate;
  if (first !== null) {
    yield `\n${out.declared.currencies.map((c) => `${first} commodity ${c}\n`).join('')}${accounts.map((a) => `${first} open ${a}\n`).join('')}`;
  }
  const payee = cachedText(beancountString);
  for await (const batch of out.batches) {
    yield joined(batch, (tx) => `\n${tx.date} * ${payee(tx.payee)} ${beancountString(tx.narration)}\n  document: ${beancountString(tx.id)}\n${postingLines(tx, name, '  ')}`);
  }
}

export const JOURNAL_CSV_COLUMNS = ['date', 'transaction', 'account', 'amount', 'currency', 'description'] as const;

/** CSV: one row per posting; debits positive, credits negative; accounts named as for hledger. */
export async function* csvJournal(out: JournalOutput): AsyncGenerator<string> {
  const name = cachedNamer((ref) => plainAccountName(out.accounts, ref));
  declaredNames(out, name);
  yield `${JOURNAL_CSV_COLUMNS.join(',')}\n`;
  const payee = cachedText(oneLine);
  for await (const batch of out.batches) {
    yield joined(batch, (tx) => {
      const head = `${csvField(tx.date)},${csvField(tx.id)},`;
      const description = csvField(`${payee(tx.payee)} | ${oneLine(tx.narration)}`);
      let rows = '';
      for (const p of tx.postings) rows += `${head}${csvField(name(p.account))},${toDecimalString(p.amount)},${p.amount.currency},${description}\n`;
      return rows;
    });
  }
}

/** The journal as text, a piece per batch of transactions: write them as they come. */
export function journalChunks(format: JournalFormat, out: JournalOutput): AsyncGenerator<string> {
  switch (format) {
    case 'hledger':
      return hledgerJournal(out);
    case 'ledger':
      return ledgerJournal(out);
    case 'beancount':
      return beancountJournal(out);
    case 'csv':
      return csvJournal(out);
  }
}

/** The whole journal as one string (tests, small books). */
export async function renderJournal(format: JournalFormat, out: JournalOutput): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of journalChunks(format, out)) parts.push(chunk);
  return parts.join('');
}
