import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSubset, matchCustomer, MATCH_RULES, type MatchRule, type OpenInvoice, type UnappliedCash } from '../../src/domain/receivables/matching.js';
import { referenceFindSubset, referenceMatchCustomer } from './matching-reference.js';

const SEED = Number(process.env.OWED_PROPERTY_SEED ?? 20261127);
const format = (minor: number) => (minor / 100).toFixed(2);
const day = (n: number) => `2026-${String(1 + Math.floor(n / 28)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;
const inv = (n: number) => `INV-2026-${String(n).padStart(6, '0')}`;

/**
 * One customer's book, drawn so that every rule has work: open amounts from a few values (ties for
 * exact, sums for subset), receipts that pay one invoice, a sum of some, a near miss or anything,
 * memos that name invoices (some unknown, some twice), several invoices due the same day.
 */
const customerBook = fc.integer({ min: 0, max: 60 }).chain((count) =>
  fc.record({
    invoices: fc.array(
      fc.record({
        open: fc.oneof(fc.constantFrom(10_000, 25_000, 40_000, 12_345), fc.integer({ min: -5, max: 90_000 })),
        issue: fc.integer({ min: 0, max: 120 }),
        term: fc.constantFrom(0, 15, 30),
      }),
      { minLength: count, maxLength: count },
    ),
    receipts: fc.array(
      fc.record({
        kind: fc.constantFrom('one', 'sum', 'near', 'any'),
        picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        amount: fc.integer({ min: 1, max: 200_000 }),
        offset: fc.integer({ min: -300, max: 300 }),
        date: fc.integer({ min: 0, max: 150 }),
        named: fc.array(fc.integer({ min: 0, max: count + 3 }), { maxLength: 3 }),
      }),
      { maxLength: 40 },
    ),
    tolerance: fc.constantFrom(0, 0, 50, 500),
    rules: fc.oneof(
      fc.constant([...MATCH_RULES] as MatchRule[]),
      fc.shuffledSubarray([...MATCH_RULES] as MatchRule[], { minLength: 1 }),
    ),
  }).map(({ invoices, receipts, tolerance, rules }) => {
    const open: OpenInvoice[] = invoices.map((x, i) => ({ invoice: inv(i + 1), open: x.open, issueDate: day(x.issue), dueDate: day(x.issue + x.term) }));
    const cash: UnappliedCash[] = receipts.map((r, k) => {
      const picked = open.length === 0 ? [] : r.picks.map((p) => open[p % open.length]!);
      const sum = picked.reduce((s, i) => s + Math.max(0, i.open), 0);
      const unapplied = r.kind === 'one' && picked[0] ? Math.max(1, picked[0].open)
        : r.kind === 'sum' ? Math.max(1, sum)
          : r.kind === 'near' && picked[0] ? Math.max(1, picked[0].open - Math.abs(r.offset))
            : r.amount;
      return { receipt: `RC-2026-${String(k + 1).padStart(6, '0')}`, unapplied, date: day(r.date), text: r.named.map((n) => `paid ${inv(n).toLowerCase()}`).join(' ') };
    });
    return { open, cash, tolerance, rules };
  }));

describe('matchCustomer', () => {
  it('gives exactly what the full-scan matcher gave, rule by rule (fast-check)', () => {
    fc.assert(
      fc.property(customerBook, ({ open, cash, tolerance, rules }) => {
        const options = { rules, tolerance, format };
        expect(matchCustomer(cash, open, options).map((m) => m.toJSON())).toEqual(referenceMatchCustomer(cash, open, options));
      }),
      { seed: SEED, numRuns: Number(process.env.OWED_PROPERTY_RUNS ?? 400) },
    );
  });

  it('agrees with the full-scan matcher on a customer with thousands of open invoices, and quickly', () => {
    // A deterministic large customer: 3,000 invoices from 40 amounts, 2,600 receipts.
    let x = 12345;
    const next = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
    const open: OpenInvoice[] = Array.from({ length: 3000 }, (_, i) => {
      const issue = Math.floor(i / 10);
      return { invoice: inv(i + 1), open: 1000 * (1 + next(40)), issueDate: day(issue % 300), dueDate: day((issue % 300) + 30) };
    });
    const cash: UnappliedCash[] = Array.from({ length: 2600 }, (_, k) => {
      const a = open[next(3000)]!;
      const b = open[next(3000)]!;
      const kind = next(4);
      const unapplied = kind === 0 ? a.open : kind === 1 ? a.open + b.open : kind === 2 ? a.open - 7 : 500 + next(90_000);
      return { receipt: `RC-2026-${String(k + 1).padStart(6, '0')}`, unapplied, date: day(next(330)), text: next(3) === 0 ? `pay ${a.invoice}` : '' };
    });
    const options = { rules: [...MATCH_RULES] as MatchRule[], tolerance: 10, format };
    const t0 = performance.now();
    const fast = matchCustomer(cash, open, options);
    const ms = performance.now() - t0;
    expect(fast.map((m) => m.toJSON())).toEqual(referenceMatchCustomer(cash, open, options));
    expect(fast.length).toBeGreaterThan(2600);
    expect(ms).toBeLessThan(5000);
  });
});

describe('findSubset', () => {
  it('finds the same combination as the unpruned search (fast-check)', () => {
    const item = fc.record({ open: fc.integer({ min: -3, max: 5000 }), issue: fc.integer({ min: 0, max: 60 }), term: fc.constantFrom(0, 30) });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(0, 0, 3, 100), (xs, target, tolerance) => {
        const items = xs.map((x, i) => ({ invoice: inv(i + 1), open: x.open, issueDate: day(x.issue), dueDate: day(x.issue + x.term) }));
        expect(findSubset(items, target, tolerance)).toEqual(referenceFindSubset(items, target, tolerance));
      }),
      { seed: SEED, numRuns: Number(process.env.OWED_PROPERTY_RUNS ?? 1000) },
    );
  });
});
