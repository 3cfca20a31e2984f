/**
 * What is checked after every command of the ledger property test: the invariants of DESIGN.md
 * on the database's own figures first (so a failure names the invariant), then the database
 * against the model.
 */
import { agingByInvoice, agingReport } from '../../src/domain/receivables/aging.js';
import type { Store } from '../../src/domain/store.js';
import { checkIntegrity } from '../../src/storage/integrity.js';
import type { RealBook } from './ledger-harness.js';
import { describeError } from './ledger-harness.js';
import { AGING_BOUNDS, FAR, WINDOW_START, addDays, agingKey, bucketOf, daysBetween, type LedgerModel } from './ledger-model.js';

export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

function fail(message: string): never {
  throw new CheckFailure(message);
}

function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail(`${what}: database has ${a}, model expects ${e}`);
}

/** Invariant 5: NNNNNN runs 1…n within each series and year. */
function gapless(numbers: readonly string[], what: string): void {
  const bySeries = new Map<string, number[]>();
  for (const n of numbers) {
    const m = /^([A-Z]+-\d{4})-(\d{6})$/.exec(n);
    if (!m) fail(`${what}: ${n} is not SERIES-YYYY-NNNNNN`);
    bySeries.set(m[1]!, [...(bySeries.get(m[1]!) ?? []), Number(m[2])]);
  }
  for (const [series, ns] of bySeries) {
    const sorted = [...ns].sort((a, b) => a - b);
    sorted.forEach((n, i) => {
      if (n !== i + 1) fail(`invariant 5: ${what} numbers of ${series} are not gapless and unique: ${sorted.join(', ')}`);
    });
  }
}

const sorted = (xs: readonly string[]) => [...xs].sort();

/** Documents, numbers, references and allocations: all of them, as of no particular date. */
export async function checkBook(m: LedgerModel, r: RealBook): Promise<void> {
  const store = r.reader();

  const docs = await store.invoices.list({}, FAR);
  const invoices = docs.filter((d) => d.invoice.kind === 'invoice');
  const notes = docs.filter((d) => d.invoice.kind === 'credit_note');
  gapless(invoices.map((d) => d.invoice.number), 'invoice');
  gapless(notes.map((d) => d.invoice.number), 'credit note');
  same(sorted(invoices.map((d) => d.invoice.number)), sorted(m.invoices.map((i) => i.number)), 'invoice numbers');
  same(sorted(notes.map((d) => d.invoice.number)), sorted(m.credits.map((c) => c.number)), 'credit note numbers');
  for (const d of invoices) {
    const i = m.invoice(d.invoice.number)!;
    same(
      [d.invoice.customer, d.invoice.currency, d.invoice.issueDate, d.invoice.dueDate, d.invoice.total.minor],
      [i.customer, i.currency, i.issueDate, i.dueDate, i.total],
      `invoice ${i.number} (customer, currency, issued, due, total)`,
    );
  }
  for (const d of notes) {
    const c = m.credits.find((x) => x.number === d.invoice.number)!;
    same([d.invoice.creditOf, d.invoice.issueDate, d.invoice.total.minor], [c.invoice, c.date, c.total], `credit note ${c.number} (of, date, total)`);
  }

  const receipts = await store.receipts.list({}, FAR);
  gapless(receipts.map((b) => b.receipt.number), 'receipt');
  same(sorted(receipts.map((b) => b.receipt.number)), sorted(m.receipts.map((x) => x.number)), 'receipt numbers');
  // Invariant 6: one bank reference, one receipt.
  const refs = receipts.map((b) => b.receipt.bankRef).filter((x): x is string => x !== null);
  if (new Set(refs).size !== refs.length) fail(`invariant 6: a bank reference is recorded twice: ${sorted(refs).join(', ')}`);
  for (const b of receipts) {
    const x = m.receipt(b.receipt.number)!;
    same(
      [b.receipt.customer, b.receipt.amount.currency, b.receipt.date, b.receipt.amount.minor, b.receipt.bankRef, b.receipt.memo, b.receipt.reversal?.date ?? null],
      [x.customer, x.currency, x.date, x.amount, x.ref, x.memo, x.reversal],
      `receipt ${x.number} (customer, currency, date, amount, ref, memo, reversed)`,
    );
  }

  const writeOffs: { number: string; write_off_date: string; amount: unknown }[] = await r.db.knex('write_offs').select('number', 'write_off_date', 'amount');
  gapless(writeOffs.map((w) => w.number), 'write-off');
  same(
    sorted(writeOffs.map((w) => `${w.number} ${w.write_off_date} ${Number(w.amount)}`)),
    sorted(m.writeOffs.map((w) => `${w.number} ${w.date} ${w.amount}`)),
    'write-offs',
  );
  const batches: { id: string; kind: string }[] = await r.db.knex('reconcile_batches').select('id', 'kind');
  gapless(batches.map((b) => b.id), 'reconcile batch');
  same(sorted(batches.map((b) => `${b.id} ${b.kind}`)), sorted(m.batches.map((b) => `${b.id} ${b.kind}`)), 'reconcile batches');

  const allocations = await store.allocations.list({});
  same(
    allocations.map((a) => [a.id, a.invoice, a.sourceKind, a.sourceNumber, a.amount.minor, a.date, a.batch, a.reverses, a.reversedBy]),
    m.allocations.map((a) => [a.id, a.invoice, a.kind, a.source, a.amount, a.date, a.batch, a.reverses, m.reversedBy(a.id)]),
    'allocations [id, invoice, kind, source, amount, date, batch, reverses, reversed by]',
  );
}

/** Every figure as of one date D. */
export async function checkAsOf(m: LedgerModel, r: RealBook, asOf: string, options: { byInvoice?: boolean; ledger?: boolean } = {}): Promise<void> {
  const store = r.reader();
  const at = `as of ${asOf}`;

  // Invariant 1, and the settlement of every document against the model.
  for (const { invoice, settlement } of await store.invoices.list({}, asOf)) {
    const open = settlement.open.minor;
    if (invoice.kind === 'invoice') {
      if (open < 0 || open > invoice.total.minor) fail(`invariant 1: ${invoice.number} ${at} is open ${open} of ${invoice.total.minor}`);
      const i = m.invoice(invoice.number)!;
      same(
        [open, settlement.paid.minor, settlement.credited.minor, settlement.writtenOff.minor],
        [m.openAt(i, asOf), m.reducedBy(i.number, 'receipt', asOf), m.reducedBy(i.number, 'credit_note', asOf), m.reducedBy(i.number, 'write_off', asOf)],
        `${i.number} ${at} (open, paid, credited, written off)`,
      );
    } else {
      const c = m.credits.find((x) => x.number === invoice.number)!;
      same(open, c.total - m.creditUsedAt(c, asOf), `credit note ${c.number} ${at} unused`);
    }
  }

  // Invariant 2, and every receipt's balance against the model.
  for (const { receipt, applied, unapplied } of await store.receipts.list({}, asOf)) {
    const carries = receipt.date <= asOf && !(receipt.reversal !== null && receipt.reversal.date <= asOf) ? receipt.amount.minor : 0;
    if (applied.minor < 0 || applied.minor > carries) {
      fail(`invariant 2: ${receipt.number} ${at} has ${applied.minor} applied but carries ${carries} (amount ${receipt.amount.minor}, dated ${receipt.date}, reversed ${receipt.reversal?.date ?? 'never'})`);
    }
    if (unapplied.minor < 0) fail(`invariant 2: ${receipt.number} ${at} shows ${unapplied.minor} unapplied`);
    const x = m.receipt(receipt.number)!;
    same([applied.minor, unapplied.minor], [m.appliedAt(x, asOf), m.cashAt(x, asOf) - m.appliedAt(x, asOf)], `${x.number} ${at} (applied, unapplied)`);
  }

  // Invariant 3: the aging report as of D.
  let report;
  try {
    report = await agingReport(store, { asOf });
  } catch (error) {
    fail(`invariant 3: aging ${at} failed: ${describeError(error)}`);
  }
  for (const row of report.rows) {
    const sum = row.buckets.reduce((s, b) => s + b.minor, 0) + row.unapplied.minor;
    if (sum !== row.total.minor) fail(`invariant 3: aging ${at}, ${row.customer ?? 'unidentified'}: buckets + unapplied = ${sum}, row total ${row.total.minor}`);
    if (row.unapplied.minor > 0) fail(`aging ${at}, ${row.customer ?? 'unidentified'}: unapplied cash and credits are ${row.unapplied.minor}, must be ≤ 0`);
  }
  const expected = m.agingRows(asOf);
  const actual = new Map(report.rows.map((row) => [agingKey(row.customer, row.currency), row]));
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const e = expected.get(key);
    const a = actual.get(key);
    same(
      a ? [a.buckets.map((b) => b.minor), a.unapplied.minor] : [Array(AGING_BOUNDS.length + 2).fill(0), 0],
      e ? [e.buckets, e.unapplied] : [Array(AGING_BOUNDS.length + 2).fill(0), 0],
      `aging ${at}, row ${key} (buckets, unapplied)`,
    );
  }
  const documents = m.documentTotals(asOf);
  const currencies = new Set([...documents.keys(), ...report.rows.map((row) => row.currency)]);
  for (const currency of currencies) {
    const identified = report.rows.filter((row) => row.customer !== null && row.currency === currency).reduce((s, row) => s + row.total.minor, 0);
    if (identified !== (documents.get(currency) ?? 0)) {
      fail(`invariant 3: aging ${at} in ${currency} totals ${identified}; Σ invoices − credits − receipts + reversals − write-offs − adjustments dated ≤ D (model) = ${documents.get(currency) ?? 0}`);
    }
    const all = report.rows.filter((row) => row.currency === currency).reduce((s, row) => s + row.total.minor, 0);
    const total = report.totals.find((t) => t.currency === currency);
    same(total?.total.minor ?? 0, all, `aging ${at} total line in ${currency}`);
  }

  // The customer ledger is the same account from documents alone.
  for (const c of options.ledger ? m.customers : []) {
    const balance = await store.ledger.balance(c.code, asOf);
    same(balance.minor, m.documentTotals(asOf, c.code).get(c.currency) ?? 0, `ledger balance of ${c.code} ${at}`);
  }

  if (options.byInvoice) {
    const byInvoice = await agingByInvoice(store, { asOf });
    same(
      byInvoice.invoices.map((i) => `${i.invoice} ${i.open.minor} ${i.bucket}`).sort(),
      m.invoices
        .filter((i) => i.issueDate <= asOf && m.openAt(i, asOf) !== 0)
        .map((i) => `${i.number} ${m.openAt(i, asOf)} ${byInvoice.labels[bucketOf(daysBetween(i.dueDate, asOf))]}`)
        .sort(),
      `aging by invoice ${at}`,
    );
  }
}

/** The documents the last command touched, through the single-document queries, on each date. */
export async function checkTouched(m: LedgerModel, store: Store, dates: readonly string[]): Promise<void> {
  for (const number of m.touchedInvoices) {
    const i = m.invoice(number);
    if (!i) continue;
    for (const d of dates) {
      const s = await store.invoices.settlement(number, d);
      if (s.open.minor < 0 || s.open.minor > i.total) fail(`invariant 1: settlement(${number}, ${d}) is open ${s.open.minor} of ${i.total}`);
      same(s.open.minor, m.openAt(i, d), `settlement(${number}, ${d}).open`);
    }
  }
  for (const number of m.touchedReceipts) {
    const x = m.receipt(number);
    if (!x) continue;
    for (const d of dates) {
      const b = await store.receipts.balance(number, d);
      if (b.unapplied.minor < 0 || b.applied.minor > m.cashAt(x, d)) fail(`invariant 2: balance(${number}, ${d}) applied ${b.applied.minor}, unapplied ${b.unapplied.minor}, carries ${m.cashAt(x, d)}`);
      same([b.applied.minor, b.unapplied.minor], [m.appliedAt(x, d), m.cashAt(x, d) - m.appliedAt(x, d)], `balance(${number}, ${d})`);
    }
  }
}

/**
 * After a command: the whole book; every figure on today, on the dates the command wrote at and on
 * the random probe dates; and the documents it touched through the single-document queries.
 */
export async function checkStep(m: LedgerModel, r: RealBook, written: readonly string[], probes: readonly string[]): Promise<void> {
  await checkBook(m, r);
  // Two dates per step (today, and where the command wrote or else a random probe); the end of the run sweeps them all.
  const dates = [...new Set([m.today, ...written.slice(0, 1), ...probes])].slice(0, 2);
  for (const [k, d] of dates.entries()) await checkAsOf(m, r, d, { byInvoice: k === 0 });
  await checkTouched(m, r.reader(), written.length > 0 ? written : [m.today]);
}

/** At the end of a run: every date on which anything happened or fell due, the day before the window, and far away. */
export async function checkAllDates(m: LedgerModel, r: RealBook): Promise<void> {
  const dates = new Set<string>([addDays(WINDOW_START, -1), ...m.dates, FAR]);
  for (const d of [...dates].sort()) await checkAsOf(m, r, d, { byInvoice: true, ledger: true });
  // `owed db check`: every invariant over the whole book, the trigger-kept balances (migration
  // 0006) equal to what the documents say among them.
  const broken = (await checkIntegrity(r.db.knex)).filter((c) => c.problems > 0);
  if (broken.length > 0) fail(`db check: ${broken.map((c) => `${c.check}: ${c.problems} (${c.examples.join('; ')})`).join(', ')}`);
}
