import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/domain/errors.js';
import { accountKey } from '../../src/domain/journal/accounts.js';
import { money } from '../../src/domain/money/index.js';
import {
  accountBalances,
  assertBalanced,
  DOCUMENT_KINDS,
  journalTotals,
  openingTransaction,
  postingsFor,
  scopeAccounts,
  toTransaction,
  type DocumentTotal,
  type JournalDocument,
  type JournalDocumentKind,
  type JournalTransaction,
} from '../../src/domain/journal/transactions.js';

function doc(kind: JournalDocumentKind, over: Partial<JournalDocument> = {}): JournalDocument {
  return {
    kind,
    date: '2026-03-01',
    number: kind === 'write_off' ? 'WO-2026-000001' : kind.startsWith('receipt') ? 'RC-2026-000001' : kind === 'credit_note' ? 'CN-2026-000001' : 'INV-2026-000001',
    seq: kind === 'adjustment' ? 7 : null,
    customer: 'C001',
    customerName: '上海华美贸易有限公司',
    currency: 'CNY',
    amount: 113000,
    tax: kind === 'invoice' || kind === 'credit_note' ? 13000 : 0,
    method: kind.startsWith('receipt') ? 'bank' : null,
    reference: kind === 'write_off' || kind === 'credit_note' ? 'INV-2026-000001' : kind === 'adjustment' ? 'RC-2026-000001' : null,
    ...over,
  };
}

/** [role or role:customer, minor] pairs, for compact expectations. */
function lines(tx: Pick<JournalTransaction, 'postings'>): [string, number][] {
  return tx.postings.map((p) => [p.account.customer === undefined ? p.account.role : `${p.account.role}:${p.account.customer}`, p.amount.minor]);
}

describe('journal transactions: one balanced transaction per document', () => {
  it('an invoice debits the customer’s receivable with the total and credits sales (net) and output VAT', () => {
    const tx = toTransaction(doc('invoice'));
    expect(tx).toMatchObject({ id: 'INV-2026-000001', date: '2026-03-01', kind: 'invoice', payee: '上海华美贸易有限公司', narration: 'Invoice INV-2026-000001' });
    expect(lines(tx)).toEqual([['receivable:C001', 113000], ['sales', -100000], ['vat_output', -13000]]);
  });

  it('a credit note reverses sales and VAT against the receivable', () => {
    const tx = toTransaction(doc('credit_note'));
    expect(lines(tx)).toEqual([['sales', 100000], ['vat_output', 13000], ['receivable:C001', -113000]]);
    expect(tx.narration).toBe('Credit note CN-2026-000001 against INV-2026-000001');
  });

  it('a receipt debits the bank, or cash for method cash, and credits the customer', () => {
    expect(lines(toTransaction(doc('receipt')))).toEqual([['bank', 113000], ['receivable:C001', -113000]]);
    expect(lines(toTransaction(doc('receipt', { method: 'cheque' })))).toEqual([['bank', 113000], ['receivable:C001', -113000]]);
    expect(lines(toTransaction(doc('receipt', { method: 'cash' })))).toEqual([['cash', 113000], ['receivable:C001', -113000]]);
  });

  it('unidentified cash credits customer credit, not a receivable', () => {
    const tx = toTransaction(doc('receipt', { customer: null, customerName: null }));
    expect(lines(tx)).toEqual([['bank', 113000], ['customer_credit', -113000]]);
    expect(tx.payee).toBe('Unidentified payer');
    expect(tx.narration).toContain('not yet identified');
  });

  it('a receipt reversal is the receipt’s entry the other way round, with its own id', () => {
    const tx = toTransaction(doc('receipt_reversal', { date: '2026-03-09', reference: 'cheque bounced' }));
    expect(tx.id).toBe('REV-RC-2026-000001');
    expect(tx.date).toBe('2026-03-09');
    expect(lines(tx)).toEqual([['receivable:C001', 113000], ['bank', -113000]]);
    expect(lines(toTransaction(doc('receipt_reversal', { customer: null, method: 'cash' })))).toEqual([['customer_credit', 113000], ['cash', -113000]]);
  });

  it('a write-off is a bad debt; a tolerance adjustment a discount, and a negative one undoes it', () => {
    expect(lines(toTransaction(doc('write_off', { amount: 5000 })))).toEqual([['bad_debts', 5000], ['receivable:C001', -5000]]);
    const adj = toTransaction(doc('adjustment', { amount: 50 }));
    expect(adj.id).toBe('ADJ-7');
    expect(lines(adj)).toEqual([['discounts', 50], ['receivable:C001', -50]]);
    expect(adj.narration).toBe('Tolerance adjustment on INV-2026-000001 (receipt RC-2026-000001)');
    const undo = toTransaction(doc('adjustment', { amount: -50, seq: 8 }));
    expect(lines(undo)).toEqual([['discounts', -50], ['receivable:C001', 50]]);
    expect(undo.narration).toMatch(/^Undo of tolerance adjustment/);
  });

  it('zero postings are dropped (a zero-rated invoice has no VAT line), but an all-zero document still shows', () => {
    expect(lines(toTransaction(doc('invoice', { amount: 100000, tax: 0 })))).toEqual([['receivable:C001', 100000], ['sales', -100000]]);
    expect(toTransaction(doc('invoice', { amount: 0, tax: 0 })).postings).toHaveLength(3);
  });

  it('every kind balances, for any amounts and currencies (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DOCUMENT_KINDS),
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: 0, max: 1e11 }),
        fc.constantFrom('CNY', 'USD', 'JPY', 'EUR'),
        fc.constantFrom('bank', 'cash', 'cheque', 'card', 'other'),
        fc.boolean(),
        (kind, amount, tax, currency, method, identified) => {
          const customer = identified || !kind.startsWith('receipt') ? 'C9' : null;
          const tx = toTransaction(doc(kind, { amount, tax, currency, method, customer }));
          const total = tx.postings.reduce((s, p) => s + p.amount.minor, 0);
          expect(total).toBe(0);
          expect(new Set(tx.postings.map((p) => p.amount.currency))).toEqual(new Set([currency]));
          const [totals] = journalTotals([tx]);
          expect(totals!.debits).toBe(totals!.credits);
        },
      ),
    );
  });

  it('an unbalanced transaction is a bug', () => {
    expect(() => assertBalanced({ id: 'X', postings: [{ account: { role: 'bank' }, amount: money(1, 'CNY') }] })).toThrow(InvariantError);
    // Balanced in total but not per currency.
    expect(() =>
      assertBalanced({ id: 'X', postings: [{ account: { role: 'bank' }, amount: money(1, 'CNY') }, { account: { role: 'sales' }, amount: money(-1, 'USD') }] }),
    ).toThrow(/does not balance in CNY/);
  });

  it('a document that needs a customer and has none is a bug', () => {
    expect(() => postingsFor(doc('invoice', { customer: null }))).toThrow(InvariantError);
  });
});

describe('journal opening transaction', () => {
  const totals: Omit<DocumentTotal, 'first'>[] = [
    { kind: 'invoice', customer: 'C001', currency: 'CNY', method: null, amount: 113000, tax: 13000 },
    { kind: 'invoice', customer: 'C002', currency: 'CNY', method: null, amount: 226000, tax: 26000 },
    { kind: 'receipt', customer: 'C001', currency: 'CNY', method: 'bank', amount: 113000, tax: 0 },
    { kind: 'receipt', customer: null, currency: 'CNY', method: 'cash', amount: 500, tax: 0 },
    { kind: 'write_off', customer: 'C002', currency: 'CNY', method: null, amount: 6000, tax: 0 },
    { kind: 'invoice', customer: 'C012', currency: 'USD', method: null, amount: 10000, tax: 0 },
  ];

  it('carries balance-sheet accounts, folds income and expenses into opening equity, and balances per currency', () => {
    const tx = openingTransaction('2026-02-28', totals)!;
    expect(tx).toMatchObject({ id: 'OPENING', date: '2026-02-28', kind: 'opening' });
    expect(lines(tx)).toEqual([
      ['receivable:C002', 220000],
      ['bank', 113000],
      ['cash', 500],
      ['customer_credit', -500],
      ['vat_output', -39000],
      ['opening', -294000],
      ['receivable:C012', 10000],
      ['opening', -10000],
    ]);
    for (const t of journalTotals([tx])) expect(t.debits).toBe(t.credits);
  });

  it('equals the sum of the documents’ own transactions on every balance-sheet account', () => {
    const one = (t: Omit<DocumentTotal, 'first'>): JournalDocument => ({ ...t, date: '2026-01-01', number: 'X', seq: 1, customerName: null, reference: null });
    const fromDocs = accountBalances(totals.flatMap((t) => toTransaction(one(t)).postings)).filter((p) => ['receivable', 'bank', 'cash', 'customer_credit', 'vat_output'].includes(p.account.role) && p.amount.minor !== 0);
    const opening = openingTransaction('2026-02-28', totals)!.postings.filter((p) => p.account.role !== 'opening');
    const key = (p: { account: { role: string; customer?: string }; amount: { minor: number; currency: string } }) => `${p.account.role}:${p.account.customer ?? ''}:${p.amount.currency}:${p.amount.minor}`;
    expect(opening.map(key).sort()).toEqual(fromDocs.map(key).sort());
  });

  it('is null when nothing came before', () => {
    expect(openingTransaction('2026-02-28', [])).toBeNull();
    expect(openingTransaction('2026-02-28', [
      { kind: 'invoice', customer: 'C001', currency: 'CNY', method: null, amount: 1000, tax: 0 },
      { kind: 'receipt', customer: 'C001', currency: 'CNY', method: 'bank', amount: 1000, tax: 0 },
      { kind: 'receipt_reversal', customer: 'C001', currency: 'CNY', method: 'bank', amount: 1000, tax: 0 },
      { kind: 'receipt', customer: 'C001', currency: 'CNY', method: 'bank', amount: 1000, tax: 0 },
    ])?.postings.map((p) => p.account.role)).toEqual(['bank', 'opening']);
  });
});

describe('journal scope: the accounts declared before the documents are read', () => {
  const arbitraryDoc = fc.record({
    kind: fc.constantFrom(...DOCUMENT_KINDS),
    customer: fc.constantFrom('C001', 'C002', 'c.3', null),
    currency: fc.constantFrom('CNY', 'USD'),
    method: fc.constantFrom('bank', 'cash', 'cheque'),
    amount: fc.integer({ min: -100000, max: 100000 }),
    tax: fc.integer({ min: 0, max: 1000 }),
  }).map((d) => doc(d.kind, {
    customer: d.kind.startsWith('receipt') ? d.customer : d.customer ?? 'C001',
    currency: d.currency,
    method: d.kind.startsWith('receipt') ? d.method : null,
    amount: d.amount,
    tax: d.kind === 'invoice' || d.kind === 'credit_note' ? d.tax : 0,
  }));

  it('are exactly the accounts the documents’ postings name, zero or not, found from customers and kinds alone', () => {
    fc.assert(fc.property(fc.array(arbitraryDoc, { maxLength: 30 }), (docs) => {
      const scope = {
        customers: [...new Set(docs.flatMap((d) => (d.customer === null ? [] : [d.customer])))],
        kinds: docs.map((d) => ({ kind: d.kind, method: d.method === null ? null : d.method === 'cash' ? ('cash' as const) : ('bank' as const), identified: d.customer !== null, currency: d.currency })),
        firstDate: docs.length > 0 ? '2026-03-01' : null,
      };
      const declared = new Set(scopeAccounts(scope).map(accountKey));
      const named = new Set(docs.flatMap((d) => postingsFor(d).map((p) => accountKey(p.account))));
      expect([...declared].sort()).toEqual([...named].sort());
      for (const d of docs) for (const p of toTransaction(d).postings) expect(declared.has(accountKey(p.account))).toBe(true);
    }));
  });

  it('postings share one reference per account, so a million of them name and check it once', () => {
    const a = toTransaction(doc('invoice'));
    const b = toTransaction(doc('receipt', { date: '2026-03-02' }));
    expect(b.postings[1]!.account).toBe(a.postings[0]!.account);
    expect(scopeAccounts({ customers: ['C001'], kinds: [], firstDate: null })[0]).toBe(a.postings[0]!.account);
    expect(Object.isFrozen(a.postings[0]!.account)).toBe(true);
  });
});
