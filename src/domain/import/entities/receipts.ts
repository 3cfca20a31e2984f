import { createHash } from 'node:crypto';
import type { Customer } from '../../customers/customer.js';
import { parseDate } from '../../dates.js';
import { isPositive, parseMoney } from '../../money/index.js';
import { RECEIPT_METHODS } from '../../receivables/receipt.js';
import { reconcileAuto } from '../../receivables/reconcile.js';
import type { Found, ImportedReceipt } from '../../store.js';
import type { Problem } from '../../errors.js';
import { Problems } from '../../validation.js';
import { isPlainDate, minorDigitsOf, plainMinor } from '../fast-parse.js';
import { BatchFindings, duplicateKey, type EntityImporter, type ImportContext, type SourceRow } from '../importer.js';

interface ReceiptRow {
  readonly date: string;
  readonly amount: string;
  readonly customer: string | null;
  readonly currency: string | null;
  readonly reference: string | null;
  readonly memo: string | null;
  readonly method: string;
  readonly bankRef: string;
  readonly reversedOn: string | null;
}

const COLUMNS = ['date', 'amount', 'customer', 'currency', 'reference', 'memo', 'method', 'bank_ref', 'reversed_on'];
const METHODS = new Set<string>(RECEIPT_METHODS);
/** Lookups remembered per import (customers by code, payers by name); cleared past this many. */
const REMEMBERED = 100_000;

/**
 * The idempotency key of a bank line. The bank's own id when it gives one; otherwise a
 * fingerprint of date, amount and reference plus the count of identical lines so far in the file,
 * so two equal payments on one day are two receipts, and a statement imported twice is one.
 */
export function receiptFingerprint(date: string, amount: string, reference: string, occurrence: number): string {
  return `fp:${fingerprintDigest(date, amount, reference)}:${occurrence}`;
}

function fingerprintDigest(date: string, amount: string, reference: string): string {
  return createHash('sha256').update(`${date}\u0000${canonicalAmount(amount)}\u0000${reference}`).digest('hex').slice(0, 24);
}

/** Reference, memo and payer, those present, joined as the receipt's memo (at most 1,000 characters). */
function memoOf(reference: string | null, memo: string | null, payer: string | null): string | null {
  let out = reference || null;
  if (memo) out = out === null ? memo : `${out} · ${memo}`;
  if (payer) out = out === null ? payer : `${out} · ${payer}`;
  return out === null ? null : out.slice(0, 1000);
}

/** The year of a date the row's checks have already found to be YYYY-MM-DD. */
function yearOfDate(date: string): number {
  return (date.charCodeAt(0) - 48) * 1000 + (date.charCodeAt(1) - 48) * 100 + (date.charCodeAt(2) - 48) * 10 + (date.charCodeAt(3) - 48);
}

/** The same payment written 1,000.00, 1000.00 or 1000 is one payment. */
function canonicalAmount(amount: string): string {
  return amount.trim().replace(/,/g, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/**
 * How many lines of this file had each fingerprint so far: keyed by 64 bits of the digest, in
 * typed arrays (12 bytes a fingerprint, outside the JS heap). Only lines without a bank id have one.
 */
class Occurrences {
  private high = new Int32Array(1 << 10);
  private low = new Int32Array(1 << 10);
  private counts = new Int32Array(1 << 10);
  private size = 0;

  /** Counts one more line with this digest (24 hex digits); returns its running number, from 1. */
  next(digest: string): number {
    const high = parseInt(digest.slice(0, 8), 16) | 0;
    const low = parseInt(digest.slice(8, 16), 16) | 0;
    if ((this.size + 1) * 2 > this.counts.length) this.grow();
    const mask = this.counts.length - 1;
    for (let i = low & mask; ; i = (i + 1) & mask) {
      if (this.counts[i] === 0) {
        this.high[i] = high;
        this.low[i] = low;
        this.counts[i] = 1;
        this.size++;
        return 1;
      }
      if (this.high[i] === high && this.low[i] === low) return ++this.counts[i]!;
    }
  }

  private grow(): void {
    const { high, low, counts } = this;
    this.high = new Int32Array(counts.length * 2);
    this.low = new Int32Array(counts.length * 2);
    this.counts = new Int32Array(counts.length * 2);
    const mask = this.counts.length - 1;
    for (let j = 0; j < counts.length; j++) {
      if (counts[j] === 0) continue;
      let i = low[j]! & mask;
      while (this.counts[i] !== 0) i = (i + 1) & mask;
      this.high[i] = high[j]!;
      this.low[i] = low[j]!;
      this.counts[i] = counts[j]!;
    }
  }
}

type Parsed = Omit<ReceiptRow, 'bankRef'> & { readonly bankRef: string | null };

/** Every check of a row on its own, with its messages. */
function prepareThoroughly(row: SourceRow): Parsed | Problem[] {
  const problems = new Problems(row.line);
  const f = (k: string) => row.fields.get(k)?.trim() || null;
  const date = problems.check(() => parseDate(f('date') ?? '', 'date'));
  const amount = f('amount') ?? '';
  if (amount === '') problems.add('amount', '', 'is required');
  const method = (f('method') ?? 'bank').toLowerCase();
  if (!METHODS.has(method)) problems.add('method', method, `must be one of ${RECEIPT_METHODS.join(', ')}`);
  const bank = f('bank_ref');
  if (bank !== null && bank.length > 100) problems.add('bank_ref', bank, 'is longer than 100 characters');
  const reversedOn = f('reversed_on') === null ? null : problems.check(() => parseDate(f('reversed_on')!, 'reversed_on')) ?? null;
  if (reversedOn !== null && date && reversedOn < date) problems.add('reversed_on', reversedOn, `is before the receipt date ${date}`);
  if (problems.any) return [...problems.all()];
  return { date: date!, amount, customer: f('customer'), currency: f('currency')?.toUpperCase() ?? null, reference: f('reference'), memo: f('memo'), method, bankRef: bank, reversedOn };
}

/** The common row without the machinery of messages; undefined for anything else. */
function prepareQuickly(row: SourceRow): Parsed | undefined {
  const f = row.fields;
  const date = f.get('date') ?? '';
  const amount = f.get('amount') ?? '';
  const method = f.get('method') || 'bank';
  const bank = f.get('bank_ref') || null;
  const reversedOn = f.get('reversed_on') || null;
  if (amount === '' || !isPlainDate(date) || !METHODS.has(method) || (bank !== null && bank.length > 100)) return undefined;
  if (reversedOn !== null && (!isPlainDate(reversedOn) || reversedOn < date)) return undefined;
  const currency = f.get('currency') || null;
  return {
    date, amount, customer: f.get('customer') || null, currency: currency === null ? null : currency.toUpperCase(),
    reference: f.get('reference') || null, memo: f.get('memo') || null, method, bankRef: bank, reversedOn,
  };
}

/** What a receipt needs of the customer who paid it. */
interface Payer {
  readonly code: string;
  readonly currency: string;
  /** Minor digits of the currency, for the fast path (undefined: the full check says why). */
  readonly places: number | undefined;
}

function payerOf(customer: Found<Customer> | undefined): Payer | null {
  return customer === undefined ? null : { code: customer.code, currency: customer.currency, places: minorDigitsOf(customer.currency) };
}

export function createReceiptImporter(options: { reconcile: boolean }): EntityImporter<ReceiptRow> {
  const occurrences = new Occurrences();
  /**
   * Customers by code (null: no such code), and codes by payer name, as met in this file. Only
   * what a receipt needs is kept, in one shape: customers' own objects come in several, and
   * reading them per row was a megamorphic load.
   */
  const byCode = new Map<string, Payer | null>();
  const byName = new Map<string, readonly string[]>();

  /** Looks up, once per import, every payer of the batch: as a customer code, else as a customer's exact name. */
  async function resolvePayers(ctx: ImportContext, payers: ReadonlySet<string>): Promise<void> {
    if (byCode.size > REMEMBERED) byCode.clear();
    if (byName.size > REMEMBERED) byName.clear();
    const codes = [...payers].filter((p) => !byCode.has(p));
    if (codes.length > 0) {
      const found = await ctx.store.imports.customersByCode(codes);
      for (const code of codes) byCode.set(code, payerOf(found.get(code)));
    }
    const names = [...payers].filter((p) => byCode.get(p) === null && !byName.has(p));
    if (names.length > 0) {
      const found = await ctx.store.imports.customerCodesByName(names);
      for (const name of names) byName.set(name, found.get(name) ?? []);
    }
    const named = [...new Set([...payers].flatMap((p) => (byCode.get(p) === null ? byName.get(p) ?? [] : [])))].filter((c) => !byCode.has(c));
    if (named.length > 0) {
      const found = await ctx.store.imports.customersByCode(named);
      for (const code of named) byCode.set(code, payerOf(found.get(code)));
    }
  }

  /** The customer a payer names: by code, or the name of exactly one customer; undefined for unidentified cash. */
  const payerNamed = (payer: string | null): Payer | undefined => {
    if (payer === null) return undefined;
    const byItsCode = byCode.get(payer);
    if (byItsCode) return byItsCode;
    const codes = byName.get(payer);
    return codes?.length === 1 ? byCode.get(codes[0]!) ?? undefined : undefined;
  };

  const importer: EntityImporter<ReceiptRow> = {
    entity: 'receipts',
    documents: 'receipts',
    columns: COLUMNS,
    required: ['date', 'amount'],
    prepare(row) {
      const parsed = prepareQuickly(row) ?? prepareThoroughly(row);
      if (Array.isArray(parsed)) return parsed;
      const p = parsed as Parsed;
      if (p.bankRef !== null) return { key: p.bankRef, record: p as ReceiptRow };
      const bankRef = `fp:${fingerprintOf(p)}`;
      return { key: bankRef, record: { ...p, bankRef } };
    },
    async commit(batch, ctx) {
      const payers = new Set<string>();
      for (const b of batch) if (b.record.customer !== null) payers.add(b.record.customer);
      await resolvePayers(ctx, payers);
      const existing = await ctx.store.imports.receiptsByBankRef(batch.map((b) => b.key));
      const found = new BatchFindings();
      const fresh: { row: SourceRow; receipt: Omit<ImportedReceipt, 'number'>; year: number }[] = [];
      for (const b of batch) {
        const r = b.record;
        // An unknown payer is not an error on a bank statement: it is unidentified cash.
        const customer = payerNamed(r.customer);
        const code = customer?.code ?? null;
        const currency = r.currency ?? customer?.currency ?? ctx.settings.baseCurrency;
        const places = customer === undefined ? minorDigitsOf(currency) : currency === customer.currency ? customer.places : undefined;
        let amount = places === undefined ? undefined : plainMinor(r.amount, places);
        if (amount === undefined || amount <= 0) {
          const p = new Problems(b.row.line);
          if (customer && currency !== customer.currency) p.add('currency', currency, `customer ${customer.code} is billed in ${customer.currency}`);
          const money = p.check(() => parseMoney(r.amount, currency, 'amount'));
          if (money && !isPositive(money)) p.add('amount', r.amount, 'must be greater than zero');
          if (p.any || !money) {
            for (const problem of p.all()) found.problem(b.row, problem);
            continue;
          }
          amount = money.minor;
        }
        const memo = memoOf(r.reference, r.memo, code === null && r.customer !== null ? `payer: ${r.customer}` : null);
        const receipt = { customer: code, date: r.date, currency, amount, method: r.method, bankRef: r.bankRef, memo, reversedOn: r.reversedOn };
        const old = existing.get(b.key);
        if (!old) {
          fresh.push({ row: b.row, receipt, year: yearOfDate(r.date) });
          continue;
        }
        const earlier = ctx.claim(old.id, b.row);
        if (earlier !== undefined) found.problem(b.row, duplicateKey(importer, b.row.line, b.key, earlier));
        else if (old.date === receipt.date && old.amount === receipt.amount && old.currency === receipt.currency) found.present++;
        else found.conflict(b.row, `bank reference ${b.key} is already recorded as ${old.number} with a different date or amount`);
      }
      if (fresh.length > 0) {
        // Numbers are drawn in blocks per year, inside the transaction: gapless as for single receipts.
        const numbered: ImportedReceipt[] = [];
        const rows: SourceRow[] = [];
        const byYear = new Map<number, typeof fresh>();
        for (const f of fresh) {
          const ofYear = byYear.get(f.year);
          if (ofYear) ofYear.push(f);
          else byYear.set(f.year, [f]);
        }
        for (const [year, ofYear] of [...byYear].sort(([a], [b]) => a - b)) {
          const first = await ctx.store.imports.reserveNumbers('RC', year, ofYear.length);
          for (let i = 0; i < ofYear.length; i++) {
            const { row, receipt: r } = ofYear[i]!;
            numbered.push({
              number: `RC-${year}-${String(first + i).padStart(6, '0')}`, customer: r.customer, date: r.date, currency: r.currency, amount: r.amount,
              method: r.method, bankRef: r.bankRef, memo: r.memo, reversedOn: r.reversedOn,
            });
            rows.push(row);
          }
        }
        const ids = await ctx.store.imports.insertReceipts(numbered, ctx.actor.now, ctx.actor.user);
        for (let i = 0; i < ids.length; i++) ctx.claim(ids[i]!, rows[i]!);
        found.created += numbered.length;
        await ctx.store.audit.record({ entity: 'receipt', key: `${numbered[0]!.number}…${numbered[numbered.length - 1]!.number}`, action: 'import', detail: { created: numbered.length } });
      }
      return found;
    },
    async finish(ctx: ImportContext) {
      if (!options.reconcile) return {};
      const result = await reconcileAuto(ctx.store, ctx.actor, {});
      return { reconcile_batch: result.batch, allocations: result.allocations.length, assigned: result.assigned.length };
    },
  };

  /** The fingerprint key of a line without a bank id: digest and running number within this file. */
  function fingerprintOf(p: Parsed): string {
    const digest = fingerprintDigest(p.date, p.amount, p.reference ?? '');
    return `${digest}:${occurrences.next(digest)}`;
  }

  return importer;
}
