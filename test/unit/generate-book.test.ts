import { describe, expect, it } from 'vitest';
import {
  BOOK_COLUMNS,
  BOOK_TABLES,
  drainBook,
  generateBook,
  type BookOptions,
  type BookRow,
  type BookSummary,
  type BookTable,
} from '../../src/fixtures/generate-book.js';

type Fields = Record<string, unknown>;

function collect(options: BookOptions): { rows: BookRow[]; summary: BookSummary } {
  const rows: BookRow[] = [];
  const summary = drainBook(generateBook(options), (r) => rows.push(r));
  return { rows, summary };
}

/** Rows of one table as objects keyed by column. */
function records(rows: readonly BookRow[], table: BookTable): Fields[] {
  const columns = BOOK_COLUMNS[table];
  return rows.filter((r) => r.table === table).map((r) => Object.fromEntries(columns.map((c, i) => [c, r.values[i]])));
}

const SMALL: BookOptions = { invoices: 3000, seed: 7 };
const MEDIUM = collect({ invoices: 20_000 });

describe('generateBook', () => {
  it('is deterministic: the same options give the same rows and summary; another seed differs', () => {
    const a = collect(SMALL);
    const b = collect(SMALL);
    expect(b.rows).toEqual(a.rows);
    expect(b.summary).toEqual(a.summary);
    const other = collect({ ...SMALL, seed: 8 });
    expect(other.rows.filter((r) => r.table === 'invoices').slice(0, 50)).not.toEqual(a.rows.filter((r) => r.table === 'invoices').slice(0, 50));
  });

  it('yields rows of the declared width, for known tables only', () => {
    const bad = MEDIUM.rows.filter((r) => !BOOK_TABLES.includes(r.table) || r.values.length !== BOOK_COLUMNS[r.table].length);
    expect(bad).toEqual([]);
  });

  it('has the expected counts: customers = invoices / 200, ~0.9 receipts per invoice, ~2 % unidentified, ~1 % credit notes, ~0.5 % write-offs, pay runs', () => {
    const { rows, summary: s } = MEDIUM;
    const count = (t: BookTable) => rows.filter((r) => r.table === t).length;
    expect(s.invoices).toBe(20_000);
    expect(s.customers).toBe(100);
    expect(count('customers')).toBe(100);
    expect(count('products')).toBe(s.products);
    expect(s.products).toBeGreaterThanOrEqual(3);
    expect(s.products).toBeLessThanOrEqual(10);
    expect(count('invoices')).toBe(s.invoices + s.creditNotes);
    expect(count('invoice_lines')).toBe(s.invoiceLines);
    expect(count('receipts')).toBe(s.receipts);
    expect(count('write_offs')).toBe(s.writeOffs);
    expect(count('allocations')).toBe(s.allocations);
    expect(count('number_series')).toBe(s.numberSeries.length);
    expect(rows.length).toBe(s.rows);

    expect(s.receipts / s.invoices).toBeGreaterThan(0.84);
    expect(s.receipts / s.invoices).toBeLessThan(0.95);
    expect(s.unidentifiedReceipts / s.receipts).toBeGreaterThan(0.012);
    expect(s.unidentifiedReceipts / s.receipts).toBeLessThan(0.03);
    expect(s.creditNotes / s.invoices).toBeGreaterThan(0.007);
    expect(s.creditNotes / s.invoices).toBeLessThan(0.013);
    expect(s.writeOffs / s.invoices).toBeGreaterThan(0.0015);
    expect(s.writeOffs / s.invoices).toBeLessThan(0.006);
    // Every credit note and write-off is allocated once; every identified receipt at least once
    // (a pay run settles several invoices with one transfer); unidentified cash never.
    const allocations = records(rows, 'allocations');
    const bySource = (kind: string) => allocations.filter((a) => a.source_kind === kind);
    expect(bySource('credit_note')).toHaveLength(s.creditNotes);
    expect(bySource('write_off')).toHaveLength(s.writeOffs);
    const perReceipt = new Map<unknown, number>();
    for (const a of bySource('receipt')) perReceipt.set(a.source_id, (perReceipt.get(a.source_id) ?? 0) + 1);
    const identified = records(rows, 'receipts').filter((r) => r.customer_id !== null);
    expect(identified).toHaveLength(s.receipts - s.unidentifiedReceipts);
    expect(identified.every((r) => (perReceipt.get(r.id) ?? 0) >= 1)).toBe(true);
    expect(perReceipt.size).toBe(identified.length);
    expect([...perReceipt.values()].filter((n) => n > 1).length).toBeGreaterThan(0.01 * identified.length);
    expect(s.allocations).toBe(bySource('receipt').length + s.creditNotes + s.writeOffs);
    expect(s.invoiceLines / (s.invoices + s.creditNotes)).toBeGreaterThan(1.5);
    expect(s.invoiceLines / (s.invoices + s.creditNotes)).toBeLessThan(2.5);
  });

  it('spans three years ending 2026-11-27, with a skewed customer mix', () => {
    const { rows, summary } = MEDIUM;
    expect(summary.start).toBe('2023-11-28');
    expect(summary.end).toBe('2026-11-27');
    const dates = records(rows, 'invoices').map((i) => String(i.issue_date));
    expect(dates.every((d) => d >= '2023-11-28' && d <= '2026-11-27')).toBe(true);
    expect(dates).toContain('2023-11-28');
    expect(dates).toContain('2026-11-27');
    for (const table of ['receipts', 'write_offs', 'allocations'] as const) {
      const column = { receipts: 'receipt_date', write_offs: 'write_off_date', allocations: 'date' }[table];
      expect(records(rows, table).every((r) => String(r[column]) <= '2026-11-27')).toBe(true);
    }
    expect(summary.largestCustomer.invoices).toBeGreaterThan(3 * summary.typicalCustomer.invoices);
  });

  it('makes invoice totals from their lines: net plus 13 % VAT rounded half-up per line, integer minor units', () => {
    const { rows } = MEDIUM;
    const lines = new Map<number, Fields[]>();
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok) problems.push(what);
    };
    for (const l of records(rows, 'invoice_lines')) {
      const id = Number(l.invoice_id);
      let own = lines.get(id);
      if (own === undefined) lines.set(id, (own = []));
      own.push(l);
      for (const c of ['quantity', 'unit_price', 'net', 'tax'] as const) check(Number.isSafeInteger(l[c]), `line ${String(l.id)} ${c}`);
      check(l.tax_rate === '13', `line ${String(l.id)} rate`);
      if (l.product_id !== null) {
        check(l.net === Number(l.quantity) * Number(l.unit_price), `line ${String(l.id)} net`);
        check(l.tax === Math.floor((Number(l.net) * 13) / 100 + 0.5), `line ${String(l.id)} tax`);
      }
    }
    for (const i of records(rows, 'invoices')) {
      const own = lines.get(Number(i.id)) ?? [];
      const what = String(i.number);
      check(own.length > 0, `${what} has lines`);
      check(i.net === own.reduce((s, l) => s + Number(l.net), 0), `${what} net`);
      check(i.tax === own.reduce((s, l) => s + Number(l.tax), 0), `${what} tax`);
      check(i.total === Number(i.net) + Number(i.tax), `${what} total`);
      check(Number(i.total) > 0, `${what} positive`);
      check(String(i.due_date) >= String(i.issue_date), `${what} due date`);
    }
    expect(problems).toEqual([]);
  });

  it('never allocates more than the invoice has open or the receipt / credit note has unapplied, nor before either document (replayed in stream order)', () => {
    for (const { rows } of [MEDIUM, collect(SMALL), collect({ invoices: 500, seed: 3, customers: 2 })]) {
      const problems: string[] = [];
      const check = (ok: boolean, what: string) => {
        if (!ok) problems.push(what);
      };
      const seen = new Map<BookTable, Set<number>>(BOOK_TABLES.map((t) => [t, new Set()]));
      const invoices = new Map<number, { open: number; date: string; customer: unknown; kind: string; currency: unknown }>();
      const credit = new Map<number, number>();
      const receipts = new Map<number, { unapplied: number; date: string; customer: unknown; currency: unknown }>();
      const writeOffs = new Map<number, { amount: number; invoice: number; date: string; used: boolean }>();
      const customers = new Map<number, unknown>();
      const ref = (table: BookTable, id: unknown) => check(seen.get(table)!.has(Number(id)), `${table} ${String(id)} comes before it is referenced`);

      for (const r of rows) {
        const rec = Object.fromEntries(BOOK_COLUMNS[r.table].map((c, i) => [c, r.values[i]]));
        if (r.table !== 'number_series') {
          const id = Number(rec.id);
          check(!seen.get(r.table)!.has(id), `${r.table} id ${id} is unique`);
          seen.get(r.table)!.add(id);
        }
        switch (r.table) {
          case 'customers':
            customers.set(Number(rec.id), rec.currency);
            break;
          case 'invoices':
            ref('customers', rec.customer_id);
            check(rec.currency === customers.get(Number(rec.customer_id)), `${String(rec.number)} in the customer's currency`);
            if (rec.kind === 'credit_note') {
              ref('invoices', rec.credit_of);
              credit.set(Number(rec.id), Number(rec.total));
            }
            invoices.set(Number(rec.id), { open: Number(rec.total), date: String(rec.issue_date), customer: rec.customer_id, kind: String(rec.kind), currency: rec.currency });
            break;
          case 'invoice_lines':
            ref('invoices', rec.invoice_id);
            if (rec.product_id !== null) ref('products', rec.product_id);
            break;
          case 'receipts':
            if (rec.customer_id !== null) {
              ref('customers', rec.customer_id);
              check(rec.currency === customers.get(Number(rec.customer_id)), `${String(rec.number)} in the customer's currency`);
            }
            check(Number(rec.amount) > 0, `${String(rec.number)} positive`);
            receipts.set(Number(rec.id), { unapplied: Number(rec.amount), date: String(rec.receipt_date), customer: rec.customer_id, currency: rec.currency });
            break;
          case 'write_offs':
            ref('invoices', rec.invoice_id);
            writeOffs.set(Number(rec.id), { amount: Number(rec.amount), invoice: Number(rec.invoice_id), date: String(rec.write_off_date), used: false });
            break;
          case 'allocations': {
            ref('invoices', rec.invoice_id);
            const what = `allocation ${String(rec.id)}`;
            const invoice = invoices.get(Number(rec.invoice_id))!;
            const amount = Number(rec.amount);
            const date = String(rec.date);
            check(invoice.kind === 'invoice', `${what} to an invoice`);
            check(amount > 0, `${what} positive`);
            check(amount <= invoice.open, `${what} within the invoice's open amount`);
            check(date >= invoice.date, `${what} not before the invoice`);
            const source = Number(rec.source_id);
            if (rec.source_kind === 'receipt') {
              ref('receipts', source);
              const receipt = receipts.get(source)!;
              check(receipt.customer === invoice.customer && receipt.currency === invoice.currency, `${what} same customer and currency`);
              check(amount <= receipt.unapplied, `${what} within the receipt's unapplied cash`);
              check(date >= receipt.date, `${what} not before the receipt`);
              receipt.unapplied -= amount;
            } else if (rec.source_kind === 'credit_note') {
              ref('invoices', source);
              const note = invoices.get(source)!;
              check(note.customer === invoice.customer, `${what} same customer`);
              check(amount <= credit.get(source)!, `${what} within the credit note`);
              check(date >= note.date, `${what} not before the credit note`);
              credit.set(source, credit.get(source)! - amount);
            } else {
              check(rec.source_kind === 'write_off', `${what} kind`);
              ref('write_offs', source);
              const w = writeOffs.get(source)!;
              check(!w.used && w.invoice === Number(rec.invoice_id) && w.amount === amount && w.date === date, `${what} matches its write-off`);
              w.used = true;
            }
            invoice.open -= amount;
            break;
          }
          default:
            break;
        }
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect([...invoices.values()].every((i) => i.open >= 0)).toBe(true);
      expect([...writeOffs.values()].every((w) => w.used)).toBe(true);
      // Unidentified cash stays whole; overpayments leave some cash unapplied; nothing goes negative.
      const all = [...receipts.values()];
      expect(all.filter((r) => r.customer === null).every((r) => r.unapplied > 0)).toBe(true);
      expect(all.every((r) => r.unapplied >= 0)).toBe(true);
      expect([...credit.values()].every((c) => c === 0)).toBe(true);
    }
  });

  it('numbers documents INV/CN/RC/WO-YYYY-NNNNNN, gapless per series and year, in date order, and fills number_series', () => {
    const { rows, summary } = MEDIUM;
    const numbered: { number: string; date: string }[] = [
      ...records(rows, 'invoices').map((i) => ({ number: String(i.number), date: String(i.issue_date) })),
      ...records(rows, 'receipts').map((r) => ({ number: String(r.number), date: String(r.receipt_date) })),
      ...records(rows, 'write_offs').map((w) => ({ number: String(w.number), date: String(w.write_off_date) })),
    ];
    const bySeries = new Map<string, { n: number; date: string }[]>();
    const malformed: string[] = [];
    for (const { number, date } of numbered) {
      const m = /^(INV|CN|RC|WO)-(\d{4})-(\d{6})$/.exec(number);
      if (m === null || m[2] !== date.slice(0, 4)) {
        malformed.push(`${number} on ${date}`);
        continue;
      }
      const key = `${m[1]}-${m[2]}`;
      let docs = bySeries.get(key);
      if (docs === undefined) bySeries.set(key, (docs = []));
      docs.push({ n: Number(m[3]), date });
    }
    expect(malformed).toEqual([]);
    expect(new Set(numbered.map((x) => x.number)).size).toBe(numbered.length);
    const series = records(rows, 'number_series');
    expect(series.map((s) => `${String(s.series)}-${String(s.year)}`).sort()).toEqual([...bySeries.keys()].sort());
    for (const s of series) {
      const docs = bySeries.get(`${String(s.series)}-${String(s.year)}`)!.sort((a, b) => a.n - b.n);
      expect(docs.map((d) => d.n)).toEqual(docs.map((_, i) => i + 1));
      expect(s.last).toBe(docs.length);
      expect(docs.every((d, i) => i === 0 || d.date >= docs[i - 1]!.date)).toBe(true);
    }
    expect(summary.numberSeries.map((s) => s.series)).toEqual(expect.arrayContaining(['INV', 'CN', 'RC', 'WO']));
    expect(summary.numberSeries.filter((s) => s.series === 'INV').reduce((n, s) => n + s.last, 0)).toBe(summary.invoices);
  });

  it('names the paid invoices in 3 of 5 identified receipts\' memos, and one invoice in a third of the unidentified cash', () => {
    const { rows } = MEDIUM;
    const invoices = new Map(records(rows, 'invoices').map((i) => [String(i.number), i]));
    const paid = new Map<unknown, Set<string>>();
    const numberOf = new Map(records(rows, 'invoices').map((i) => [i.id, String(i.number)]));
    for (const a of records(rows, 'allocations').filter((x) => x.source_kind === 'receipt')) {
      let own = paid.get(a.source_id);
      if (own === undefined) paid.set(a.source_id, (own = new Set()));
      own.add(numberOf.get(a.invoice_id)!);
    }
    const receipts = records(rows, 'receipts');
    const named = (r: Fields) => String(r.memo ?? '').match(/INV-\d{4}-\d{6}/g) ?? [];
    const identified = receipts.filter((r) => r.customer_id !== null);
    const naming = identified.filter((r) => named(r).length > 0);
    expect(naming.length / identified.length).toBeGreaterThan(0.58);
    expect(naming.length / identified.length).toBeLessThan(0.62);
    // Exactly the invoices the receipt pays, each once, and nothing else in the memo.
    for (const r of naming) {
      expect(new Set(named(r)), String(r.number)).toEqual(paid.get(r.id));
      expect(named(r)).toHaveLength(paid.get(r.id)!.size);
      expect(String(r.memo)).toMatch(/^货款( INV-\d{4}-\d{6})+$/);
    }
    expect(identified.filter((r) => named(r).length === 0).every((r) => r.memo === null)).toBe(true);
    const unidentified = receipts.filter((r) => r.customer_id === null);
    const naming1 = unidentified.filter((r) => named(r).length > 0);
    expect(naming1.length / unidentified.length).toBeGreaterThan(0.28);
    expect(naming1.length / unidentified.length).toBeLessThan(0.39);
    for (const r of naming1) {
      expect(named(r), String(r.number)).toHaveLength(1);
      const invoice = invoices.get(named(r)[0]!)!;
      expect(invoice.kind).toBe('invoice');
      expect(invoice.currency).toBe(r.currency);
      expect(String(invoice.issue_date) <= String(r.receipt_date)).toBe(true);
    }
  });

  it('without allocations: the same documents, no allocations, no write-offs (nor their numbers)', () => {
    const full = collect(SMALL);
    const bare = collect({ ...SMALL, allocations: false });
    const keep = (rs: readonly BookRow[]) => rs.filter((r) => r.table !== 'allocations' && r.table !== 'write_offs' && r.table !== 'number_series');
    expect(keep(bare.rows)).toEqual(keep(full.rows));
    expect(bare.rows.filter((r) => r.table === 'allocations' || r.table === 'write_offs')).toEqual([]);
    expect(bare.summary).toMatchObject({ allocations: 0, writeOffs: 0, receipts: full.summary.receipts, invoices: full.summary.invoices, creditNotes: full.summary.creditNotes });
    expect(bare.summary.numberSeries).toEqual(full.summary.numberSeries.filter((s) => s.series !== 'WO'));
    expect(records(bare.rows, 'number_series')).toEqual(records(full.rows, 'number_series').filter((s) => s.series !== 'WO'));
    expect(bare.summary.rows).toBe(bare.rows.length);
    expect(bare.rows.length).toBe(full.rows.length - full.summary.allocations - full.summary.writeOffs - (full.summary.numberSeries.length - bare.summary.numberSeries.length));
  });

  it('streams: the first rows of a very large book come without generating the rest', () => {
    const book = generateBook({ invoices: 5_000_000 });
    const t0 = Date.now();
    let invoices = 0;
    for (let i = 0; i < 60_000; i++) {
      const next = book.next();
      if (next.done === true) throw new Error('ended early');
      if (next.value.table === 'invoices') invoices++;
    }
    expect(invoices).toBeGreaterThan(1000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    void book.return(undefined as never);
  });

  it('refuses impossible sizes and dates', () => {
    expect(() => generateBook({ invoices: 0 }).next()).toThrow(RangeError);
    expect(() => generateBook({ invoices: 1.5 }).next()).toThrow(RangeError);
    expect(() => generateBook({ invoices: 10, end: '2026-02-30' }).next()).toThrow(RangeError);
  });
});
