import { describe, expect, it } from 'vitest';
import { RefusedError, ValidationError } from '../../src/domain/errors.js';
import {
  ACCOUNT_DEFAULTS,
  beancountAccountName,
  beancountComponent,
  journalAccounts,
  normaliseAccountName,
  plainAccountName,
  plainComponent,
} from '../../src/domain/journal/accounts.js';
import { csvField } from '../../src/domain/csv-field.js';
import { beancountString, isJournalFormat, journalOf, plainText, renderJournal, type JournalOutput } from '../../src/domain/journal/format.js';
import { openingTransaction, toTransaction, type JournalDocument } from '../../src/domain/journal/transactions.js';
import { settingDefinition } from '../../src/domain/settings/registry.js';

const accounts = journalAccounts(new Map());

function doc(over: Partial<JournalDocument>): JournalDocument {
  return { kind: 'invoice', date: '2026-03-01', number: 'INV-2026-000001', seq: null, customer: 'C001', customerName: '上海华美贸易有限公司', currency: 'CNY', amount: 113000, tax: 13000, method: null, reference: null, ...over };
}

const sampleTransactions = [
  openingTransaction('2026-02-28', [{ kind: 'invoice', customer: 'C002', currency: 'CNY', method: null, amount: 5000, tax: 0 }])!,
  toTransaction(doc({})),
  toTransaction(doc({ kind: 'receipt', date: '2026-03-05', number: 'RC-2026-000001', amount: 100050, tax: 0, method: 'cash', reference: 'BANK;REF|1', customerName: 'Acme; "Trading" | Ltd' })),
  toTransaction(doc({ kind: 'invoice', date: '2026-03-07', number: 'INV-2026-000002', customer: 'C012', customerName: 'Acme Trading Ltd', currency: 'JPY', amount: 12000, tax: 0 })),
];
const sample: JournalOutput = journalOf(accounts, '2026-03-01', '2026-03-31', sampleTransactions);

describe('journal account names', () => {
  it('defaults follow CLI.md and settings override them', () => {
    expect(accounts).toMatchObject({ receivable: 'Assets:Receivable', bank: 'Assets:Bank', cash: 'Assets:Cash', sales: 'Income:Sales', vat_output: 'Liabilities:VAT Output', bad_debts: 'Expenses:Bad Debts', customer_credit: 'Liabilities:Customer Credit' });
    expect(journalAccounts(new Map([['journal.account.bank', 'Assets:Bank:ICBC'], ['journal.account.cash', '']])).bank).toBe('Assets:Bank:ICBC');
    expect(journalAccounts(new Map([['journal.account.cash', '']])).cash).toBe(ACCOUNT_DEFAULTS.cash);
  });

  it('the settings are declared and normalised: parts trimmed, runs of spaces collapsed; comments, tabs and virtual brackets refused', () => {
    const def = settingDefinition('journal.account.vat_output');
    expect(def.defaultValue).toBe('Liabilities:VAT Output');
    expect(def.normalise(' Liabilities : VAT   Output ')).toBe('Liabilities:VAT Output');
    expect(normaliseAccountName('k', '资产:应收账款')).toBe('资产:应收账款');
    for (const bad of ['Assets', 'Assets::Bank', 'Assets:Bank;x', 'Assets:\tBank', '(Assets:Bank)', '[Assets:Bank]', 'Assets:"Bank"']) {
      expect(() => normaliseAccountName('journal.account.bank', bad), bad).toThrow(ValidationError);
    }
  });

  it('hledger/ledger/CSV: the customer code is a sub-account; codes pass unchanged, separators are neutralised', async () => {
    expect(plainAccountName(accounts, { role: 'receivable', customer: 'C001' })).toBe('Assets:Receivable:C001');
    expect(plainAccountName(accounts, { role: 'receivable', customer: 'acme.cn_01-x' })).toBe('Assets:Receivable:acme.cn_01-x');
    expect(plainAccountName(accounts, { role: 'receivable', customer: '华美' })).toBe('Assets:Receivable:华美');
    expect(plainComponent('A:B')).toBe('A-B');
    expect(plainComponent('A  B\tC')).toBe('A B C');
    expect(plainComponent('x;y')).toBe('x-y');
    expect(plainComponent('(C1)')).toBe('-C1-');
    expect(plainComponent('  ')).toBe('-');
    expect(plainAccountName(accounts, { role: 'bank' })).toBe('Assets:Bank');
  });

  it('beancount: components become capitalised identifiers of letters, digits and dashes', async () => {
    expect(beancountAccountName(accounts, { role: 'receivable', customer: 'C001' })).toBe('Assets:Receivable:C001');
    expect(beancountAccountName(accounts, { role: 'vat_output' })).toBe('Liabilities:VAT-Output');
    expect(beancountAccountName(accounts, { role: 'discounts' })).toBe('Expenses:Discounts-and-Fees');
    expect(beancountAccountName(accounts, { role: 'opening' })).toBe('Equity:Opening-Balances');
    expect(beancountComponent('c.001')).toBe('C-001');
    expect(beancountComponent('acme_trading')).toBe('Acme-trading');
    expect(beancountComponent('001')).toBe('001');
    expect(beancountComponent('_x')).toBe('X');
    expect(beancountComponent('...')).toBe('X');
    expect(beancountComponent('华美')).toBe('华美');
    expect(beancountComponent('A & B')).toBe('A-B');
    for (const c of ['c.001', 'x', 'ABC-1', '9lives', '-a-', '华美-01', 'Ω']) expect(beancountComponent(c)).toMatch(/^[A-Z0-9\u0080-\uffff][A-Za-z0-9\u0080-\uffff-]*$/u);
  });

  it('beancount refuses a root that is not one of its five account types', async () => {
    const renamed = journalAccounts(new Map([['journal.account.receivable', '资产:应收账款']]));
    expect(() => beancountAccountName(renamed, { role: 'receivable', customer: 'C001' })).toThrow(RefusedError);
  });

  it('two customers whose codes sanitise to one beancount account are refused, not merged', async () => {
    const clash = journalOf(accounts, null, null, [toTransaction(doc({ customer: 'c.1' })), toTransaction(doc({ number: 'INV-2026-000009', customer: 'C-1' }))]);
    await expect(renderJournal('beancount', clash)).rejects.toThrow(/customers "c.1" and "C-1" would both be written as Assets:Receivable:C-1/);
    await expect(renderJournal('hledger', clash)).resolves.toContain('Assets:Receivable:C-1');
  });
});

describe('journal text', () => {
  it('descriptions lose comment and payee separators; strings and CSV fields are escaped', () => {
    expect(plainText('Acme; "Trading" | Ltd\n')).toBe('Acme, "Trading" / Ltd');
    expect(plainText('(x) y')).toBe('x) y');
    expect(beancountString('a "b" \\ c')).toBe('"a \\"b\\" \\\\ c"');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('plain')).toBe('plain');
    expect(isJournalFormat('hledger') && isJournalFormat('csv') && !isJournalFormat('json')).toBe(true);
  });
});

describe('journal formats', () => {
  it('hledger: declarations, then DATE * (ID) payee | narration and aligned postings with the commodity after the amount', async () => {
    const text = await renderJournal('hledger', sample);
    expect(text).toContain('\naccount Assets:Receivable:C001\n');
    expect(text).toContain('\ncommodity CNY\ncommodity JPY\n');
    expect(text).toContain('\n2026-02-28 * (OPENING) Opening balances | Balances as of 2026-02-28\n');
    expect(text).toContain('\n2026-03-01 * (INV-2026-000001) 上海华美贸易有限公司 | Invoice INV-2026-000001\n');
    expect(text).toMatch(/\n {4}Assets:Receivable:C001 {2,}1130\.00 CNY\n {4}Income:Sales {2,}-1000\.00 CNY\n {4}Liabilities:VAT Output {2,}-130\.00 CNY\n/);
    expect(text).toContain('\n2026-03-05 * (RC-2026-000001) Acme, "Trading" / Ltd | Receipt RC-2026-000001 (bank ref BANK,REF/1)\n');
    expect(text).toMatch(/ {4}Assets:Cash {2,}1000\.50 CNY\n/);
    expect(text).toMatch(/ {2,}12000 JPY\n/);
    // Every posting line: indent, account without two spaces, two or more spaces, amount, commodity.
    for (const line of text.split('\n').filter((l) => l.startsWith('    '))) expect(line).toMatch(/^ {4}\S+( \S+)* {2,}-?\d+(\.\d+)? [A-Z]{3}$/);
  });

  it('ledger: the same postings, the narration as a note under the header', async () => {
    const text = await renderJournal('ledger', sample);
    expect(text).toContain('\n2026-03-01 * (INV-2026-000001) 上海华美贸易有限公司\n    ; Invoice INV-2026-000001\n    Assets:Receivable:C001');
    expect(text).toContain('\naccount Liabilities:VAT Output\n');
  });

  it('beancount: commodities and accounts opened on the first date, quoted payee and narration, document metadata', async () => {
    const text = await renderJournal('beancount', sample);
    expect(text).toContain('option "title" "owed receivables journal"\n');
    expect(text).toContain('\n2026-02-28 commodity CNY\n2026-02-28 commodity JPY\n');
    expect(text).toContain('\n2026-02-28 open Liabilities:VAT-Output\n');
    expect(text).toContain('\n2026-03-05 * "Acme; \\"Trading\\" | Ltd" "Receipt RC-2026-000001 (bank ref BANK;REF|1)"\n  document: "RC-2026-000001"\n');
    expect(text).toMatch(/\n {2}Liabilities:VAT-Output {2,}-130\.00 CNY\n/);
    const opened = new Set([...text.matchAll(/^\d{4}-\d{2}-\d{2} open (\S+)$/gm)].map((m) => m[1]));
    const used = new Set([...text.matchAll(/^ {2}([A-Z]\S*) {2,}-?\d/gm)].map((m) => m[1]));
    expect([...used].filter((a) => !opened.has(a))).toEqual([]);
  });

  it('csv: one row per posting with a header, fields quoted where needed', async () => {
    const text = await renderJournal('csv', sample);
    const rows = text.trimEnd().split('\n');
    expect(rows[0]).toBe('date,transaction,account,amount,currency,description');
    expect(rows).toHaveLength(1 + sampleTransactions.reduce((s, t) => s + t.postings.length, 0));
    expect(rows).toContain('2026-03-01,INV-2026-000001,Liabilities:VAT Output,-130.00,CNY,上海华美贸易有限公司 | Invoice INV-2026-000001');
    expect(rows).toContain('2026-03-05,RC-2026-000001,Assets:Cash,1000.50,CNY,"Acme; ""Trading"" | Ltd | Receipt RC-2026-000001 (bank ref BANK;REF|1)"');
  });

  it('an empty journal is still a valid file', async () => {
    const empty = journalOf(accounts, null, null, []);
    expect(await renderJournal('hledger', empty)).toMatch(/^; owed journal export for hledger: every document\n/);
    expect(await renderJournal('beancount', empty)).not.toContain(' open ');
    expect(await renderJournal('csv', empty)).toBe('date,transaction,account,amount,currency,description\n');
  });

  it('transactions may arrive asynchronously in batches of any size, and are read once', async () => {
    let reads = 0;
    async function* stream() {
      for (let i = 0; i < sampleTransactions.length; i += 3) {
        reads += 1;
        yield sampleTransactions.slice(i, i + 3);
      }
      yield [];
    }
    const text = await renderJournal('ledger', { ...sample, batches: stream() });
    expect(reads).toBe(2);
    expect(text).toBe(await renderJournal('ledger', sample));
  });
});
