import { RefusedError } from '../errors.js';
import { toDecimalString } from '../money/index.js';
import { beancountAccountName, plainAccountName, type AccountRef, type JournalAccounts } from './accounts.js';
import type { JournalTransaction } from './transactions.js';

export const JOURNAL_FORMATS = ['hledger', 'ledger', 'beancount', 'csv'] as const;
export type JournalFormat = (typeof JOURNAL_FORMATS)[number];

export function isJournalFormat(text: string): text is JournalFormat {
  return (JOURNAL_FORMATS as readonly string[]).includes(text);
}

/** What a renderer needs: the transactions in date order and how to name their accounts. */
export interface JournalOutput {
  readonly accounts: JournalAccounts;
  readonly from: string | null;
  readonly to: string | null;
  readonly transactions: readonly JournalTransaction[];
}

/** Text on one line of a plain-text journal: no line breaks, tabs or runs of spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * hledger and ledger descriptions: ';' would start a comment and '|' splits payee from note in
 * hledger, so both are replaced; '(' after the date would be read as a code, so the payee never
 * starts with one.
 */
export function plainText(text: string): string {
  const cleaned = oneLine(text).replace(/;/g, ',').replace(/\|/g, '/');
  return cleaned.replace(/^[(*!]+/, '').trim();
}

/** A beancount string literal. */
export function beancountString(text: string): string {
  return `"${oneLine(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function periodText(out: JournalOutput): string {
  if (out.from === null && out.to === null) return 'every document';
  return `documents dated ${out.from ?? 'from the start'} to ${out.to ?? 'the end'}${out.from !== null ? `, opening balances on the day before ${out.from}` : ''}`;
}

/**
 * Every account the transactions use, sorted, each named once by the given namer. Two customers
 * whose codes come out as one account name are refused rather than merged; two roles set to one
 * account name (bank and cash, say) are the user's choice and are merged.
 */
function usedAccounts(out: JournalOutput, name: (ref: AccountRef) => string): string[] {
  const names = new Set<string>();
  const customerOf = new Map<string, string>();
  for (const tx of out.transactions) {
    for (const p of tx.postings) {
      const n = name(p.account);
      names.add(n);
      const customer = p.account.customer;
      if (customer === undefined) continue;
      const seen = customerOf.get(n);
      if (seen !== undefined && seen !== customer) {
        throw new RefusedError(
          `customers ${JSON.stringify(seen)} and ${JSON.stringify(customer)} would both be written as ${n}`,
          'the format cannot tell the two codes apart; export in another format, or give one customer a code of letters, digits and dashes',
        );
      }
      customerOf.set(n, customer);
    }
  }
  return [...names].sort();
}

function currencies(out: JournalOutput): string[] {
  return [...new Set(out.transactions.flatMap((tx) => tx.postings.map((p) => p.amount.currency)))].sort();
}

function postingLines(tx: JournalTransaction, name: (ref: AccountRef) => string, indent: string): string[] {
  const names = tx.postings.map((p) => name(p.account));
  const width = Math.max(36, ...names.map((n) => n.length));
  const numbers = tx.postings.map((p) => toDecimalString(p.amount));
  const numberWidth = Math.max(12, ...numbers.map((n) => n.length));
  return tx.postings.map((p, i) => `${indent}${names[i]!.padEnd(width)}  ${numbers[i]!.padStart(numberWidth)} ${p.amount.currency}`);
}

/** hledger: `DATE * (ID) payee | narration`, postings indented, the commodity after the amount. */
export function* hledgerJournal(out: JournalOutput): Generator<string> {
  const name = (ref: AccountRef) => plainAccountName(out.accounts, ref);
  const accounts = usedAccounts(out, name);
  yield `; owed journal export for hledger: ${periodText(out)}\n`;
  yield '; every transaction is one document; amounts are exact, in the document currency\n\n';
  for (const a of accounts) yield `account ${a}\n`;
  if (accounts.length > 0) yield '\n';
  for (const c of currencies(out)) yield `commodity ${c}\n`;
  for (const tx of out.transactions) {
    yield `\n${tx.date} * (${tx.id}) ${plainText(tx.payee)} | ${plainText(tx.narration)}\n`;
    for (const line of postingLines(tx, name, '    ')) yield `${line}\n`;
  }
}

/** ledger: `DATE * (ID) payee`, the narration as a note, postings indented. */
export function* ledgerJournal(out: JournalOutput): Generator<string> {
  const name = (ref: AccountRef) => plainAccountName(out.accounts, ref);
  const accounts = usedAccounts(out, name);
  yield `; owed journal export for ledger: ${periodText(out)}\n`;
  yield '; every transaction is one document; amounts are exact, in the document currency\n\n';
  for (const a of accounts) yield `account ${a}\n`;
  if (accounts.length > 0) yield '\n';
  for (const c of currencies(out)) yield `commodity ${c}\n`;
  for (const tx of out.transactions) {
    yield `\n${tx.date} * (${tx.id}) ${plainText(tx.payee)}\n`;
    yield `    ; ${plainText(tx.narration)}\n`;
    for (const line of postingLines(tx, name, '    ')) yield `${line}\n`;
  }
}

/**
 * beancount: accounts opened on the first transaction date, `DATE * "payee" "narration"`, the
 * document id as `document:` metadata. Account names are sanitised (see accounts.ts).
 */
export function* beancountJournal(out: JournalOutput): Generator<string> {
  const name = (ref: AccountRef) => beancountAccountName(out.accounts, ref);
  const accounts = usedAccounts(out, name);
  yield `; owed journal export for beancount: ${periodText(out)}\n`;
  yield '; every transaction is one document; amounts are exact, in the document currency\n\n';
  yield 'option "title" "owed receivables journal"\n';
  const first = out.transactions[0]?.date;
  if (first !== undefined) {
    yield '\n';
    for (const c of currencies(out)) yield `${first} commodity ${c}\n`;
    for (const a of accounts) yield `${first} open ${a}\n`;
  }
  for (const tx of out.transactions) {
    yield `\n${tx.date} * ${beancountString(tx.payee)} ${beancountString(tx.narration)}\n`;
    yield `  document: ${beancountString(tx.id)}\n`;
    for (const line of postingLines(tx, name, '  ')) yield `${line}\n`;
  }
}

export const JOURNAL_CSV_COLUMNS = ['date', 'transaction', 'account', 'amount', 'currency', 'description'] as const;

/** CSV: one row per posting; debits positive, credits negative; accounts named as for hledger. */
export function* csvJournal(out: JournalOutput): Generator<string> {
  const name = (ref: AccountRef) => plainAccountName(out.accounts, ref);
  usedAccounts(out, name);
  yield `${JOURNAL_CSV_COLUMNS.join(',')}\n`;
  for (const tx of out.transactions) {
    const description = `${oneLine(tx.payee)} | ${oneLine(tx.narration)}`;
    for (const p of tx.postings) {
      yield `${[tx.date, tx.id, name(p.account), toDecimalString(p.amount), p.amount.currency, description].map(csvField).join(',')}\n`;
    }
  }
}

export function journalChunks(format: JournalFormat, out: JournalOutput): Generator<string> {
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

export function renderJournal(format: JournalFormat, out: JournalOutput): string {
  let text = '';
  for (const chunk of journalChunks(format, out)) text += chunk;
  return text;
}
