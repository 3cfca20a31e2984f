/**
 * What `reconcile auto` works on, held compactly: every unapplied receipt and open invoice of a
 * book can be a million rows each, so they are kept in columns (typed arrays, one entry per
 * document, 1 to 8 bytes) rather than an object per document (over 100 bytes each in Node, whose
 * V8 keeps 8-byte pointers), with dates and currencies stored once and document numbers as
 * numbers. The storage fills a CandidateSet in one pass per table; reconcile-plan.ts reads it
 * customer by customer.
 */
import type { IsoDate } from '../dates.js';
import { compareNumbers, invoiceNumbersIn } from './matching.js';

/** Distinct strings (dates, currencies) by small integer. */
export class Interner {
  private readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  of(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }

  get(i: number): string {
    return this.values[i]!;
  }

  get size(): number {
    return this.values.length;
  }
}

/**
 * A typed array that grows (by half) as values are pushed. One class per element type, so
 * that each push and get stays monomorphic: a generic column over several array kinds was among
 * the costliest functions of a whole-book run.
 */
function column<T extends Int32Array | Float64Array | Uint8Array>(make: (size: number) => T) {
  return class {
    private data: T;
    length = 0;

    constructor(capacity = 0) {
      this.data = make(Math.max(16, capacity));
    }

    push(value: number): number {
      if (this.length === this.data.length) {
        const bigger = make(Math.ceil(this.data.length * 1.5));
        bigger.set(this.data);
        this.data = bigger;
      }
      this.data[this.length] = value;
      return this.length++;
    }

    get(i: number): number {
      return this.data[i]!;
    }
  };
}

export const Int32Column = column((size) => new Int32Array(size));
export const Float64Column = column((size) => new Float64Array(size));
export const Uint8Column = column((size) => new Uint8Array(size));
export type Int32Column = InstanceType<typeof Int32Column>;
export type Float64Column = InstanceType<typeof Float64Column>;
export type Uint8Column = InstanceType<typeof Uint8Column>;

/** owed's document numbers: a series, the year and six digits (INV-2026-000123). */
const NUMBER = /^([A-Z]{1,8})-(\d{4})-(\d{6})$/;
const SEQUENCE = 1_000_000;
const YEARS = 10_000;

/**
 * Document numbers by position. One in owed's own format is kept as one number (series, year and
 * sequence), about 8 bytes instead of a 32-byte string; any other is kept as it is. Numbers that
 * share their `series` (one per CandidateSet) have equal codes exactly when they are equal.
 */
export class DocumentNumbers {
  private readonly codes: Float64Column;
  private readonly others = new Map<number, string>();

  constructor(private readonly series = new Interner(), capacity = 0) {
    this.codes = new Float64Column(capacity);
  }

  get length(): number {
    return this.codes.length;
  }

  push(number: string): number {
    const m = NUMBER.exec(number);
    if (m === null) {
      const at = this.codes.push(-1);
      this.others.set(at, number);
      return at;
    }
    return this.codes.push((this.series.of(m[1]!) * YEARS + Number(m[2])) * SEQUENCE + Number(m[3]));
  }

  get(at: number): string {
    const code = this.codes.get(at);
    if (code < 0) return this.others.get(at)!;
    const sequence = code % SEQUENCE;
    const rest = (code - sequence) / SEQUENCE;
    const year = rest % YEARS;
    return `${this.series.get((rest - year) / YEARS)}-${String(year).padStart(4, '0')}-${String(sequence).padStart(6, '0')}`;
  }

  /** The number as a Map key, without making its string when it can: equal keys, equal numbers (one series). */
  key(at: number): number | string {
    const code = this.codes.get(at);
    return code < 0 ? this.others.get(at)! : code;
  }

  /** The order of get(a) and get(b) by code point, without making the strings when it can. */
  compare(a: number, b: number): number {
    const x = this.codes.get(a);
    const y = this.codes.get(b);
    // One series: its numbers sort as (year, sequence), which their codes are.
    if (x >= 0 && y >= 0 && Math.floor(x / (YEARS * SEQUENCE)) === Math.floor(y / (YEARS * SEQUENCE))) return x - y;
    const p = this.get(a);
    const q = this.get(b);
    return p < q ? -1 : p > q ? 1 : 0;
  }

  /** compareNumbers(get(a), get(b)) (matching.ts), without the strings for owed's own numbers. */
  order(a: number, b: number): number {
    return this.codes.get(a) >= 0 && this.codes.get(b) >= 0 ? this.compare(a, b) : compareNumbers(this.get(a), this.get(b));
  }
}

/** Dated amounts in minor units: the allocations of one document, reversals negative. */
export type History = readonly { readonly date: IsoDate; readonly amount: number }[];

/** Open invoices, one entry per column and document ("slot"). `key` is the storage's id, opaque here. */
export class InvoiceColumns {
  readonly key: Int32Column;
  readonly customerKey: Int32Column;
  /** Index into CandidateSet.currencies. */
  readonly currency: Uint8Column;
  readonly number: DocumentNumbers;
  /** Index into CandidateSet.dates. */
  readonly issueDate: Int32Column;
  readonly dueDate: Int32Column;
  /** total − Σ its allocations (reversals included); > 0. */
  readonly open: Float64Column;
  /** 1: has an allocation below zero (an undo), so its history decides allocation dates. */
  readonly irregular: Uint8Column;
  /** The totals of the irregular ones (the others' dates do not need them), by slot. */
  readonly totals = new Map<number, number>();

  constructor(capacity: number, series: Interner) {
    this.key = new Int32Column(capacity);
    this.customerKey = new Int32Column(capacity);
    this.currency = new Uint8Column(capacity);
    this.number = new DocumentNumbers(series, capacity);
    this.issueDate = new Int32Column(capacity);
    this.dueDate = new Int32Column(capacity);
    this.open = new Float64Column(capacity);
    this.irregular = new Uint8Column(capacity);
  }

  get length(): number {
    return this.key.length;
  }
}

/** Unapplied cash of identified, unreversed receipts, by slot. */
export class CashColumns {
  readonly key: Int32Column;
  readonly customerKey: Int32Column;
  readonly currency: Uint8Column;
  readonly number: DocumentNumbers;
  readonly date: Int32Column;
  /** amount − Σ its allocations; > 0. */
  readonly unapplied: Float64Column;
  readonly irregular: Uint8Column;
  /** The amounts of the irregular ones, by slot. */
  readonly amounts = new Map<number, number>();
  /** The invoice numbers its reference and memo name (matching.ts invoiceNumbersIn): named[namedFrom[slot] …]. */
  readonly namedFrom: Int32Column;
  readonly named: DocumentNumbers;

  constructor(capacity: number, series: Interner) {
    this.key = new Int32Column(capacity);
    this.customerKey = new Int32Column(capacity);
    this.currency = new Uint8Column(capacity);
    this.number = new DocumentNumbers(series, capacity);
    this.named = new DocumentNumbers(series);
    this.date = new Int32Column(capacity);
    this.unapplied = new Float64Column(capacity);
    this.irregular = new Uint8Column(capacity);
    this.namedFrom = new Int32Column(capacity);
  }

  get length(): number {
    return this.key.length;
  }

  /** The invoice numbers the receipt names are named[namedFrom[slot] … namedEnd(slot)), in the order its text names them. */
  namedEnd(slot: number): number {
    return slot + 1 < this.namedFrom.length ? this.namedFrom.get(slot + 1) : this.named.length;
  }
}

/** Every unapplied receipt and open invoice in scope, with what planning needs besides. */
export class CandidateSet {
  readonly dates = new Interner();
  readonly currencies = new Interner();
  /** Customer codes by key. */
  readonly customers = new Map<number, string>();
  readonly invoices: InvoiceColumns;
  readonly cash: CashColumns;
  /** For irregular documents only: receipt allocations by receipt key, all allocations by invoice key. */
  readonly cashHistory = new Map<number, History>();
  readonly invoiceHistory = new Map<number, History>();

  /** The expected counts (upper bounds are fine) size the columns once instead of growing them. */
  constructor(capacity: { readonly cash: number; readonly invoices: number } = { cash: 0, invoices: 0 }) {
    // One series table: a number a receipt names and the invoice's own have the same code.
    const series = new Interner();
    this.cash = new CashColumns(capacity.cash, series);
    this.invoices = new InvoiceColumns(capacity.invoices, series);
  }

  /** Its index, which a Uint8Array column holds. */
  private currency(code: string): number {
    const index = this.currencies.of(code);
    if (index > 255) throw new RangeError('reconcile auto handles at most 256 currencies in one run');
    return index;
  }

  addInvoice(key: number, customerKey: number, currency: string, number: string, issueDate: IsoDate, dueDate: IsoDate, total: number, open: number, irregular: boolean): void {
    const i = this.invoices;
    i.key.push(key);
    i.customerKey.push(customerKey);
    i.currency.push(this.currency(currency));
    i.number.push(number);
    i.issueDate.push(this.dates.of(issueDate));
    i.dueDate.push(this.dates.of(dueDate));
    const slot = i.open.push(open);
    i.irregular.push(irregular ? 1 : 0);
    if (irregular) i.totals.set(slot, total);
  }

  /** `text`: its reference and memo, of which only the invoice numbers they name are kept. */
  addCash(key: number, customerKey: number, currency: string, number: string, date: IsoDate, amount: number, unapplied: number, text: string, irregular: boolean): void {
    const c = this.cash;
    c.key.push(key);
    c.customerKey.push(customerKey);
    c.currency.push(this.currency(currency));
    c.number.push(number);
    c.date.push(this.dates.of(date));
    const slot = c.unapplied.push(unapplied);
    c.irregular.push(irregular ? 1 : 0);
    if (irregular) c.amounts.set(slot, amount);
    c.namedFrom.push(c.named.length);
    for (const n of invoiceNumbersIn(text)) c.named.push(n);
  }
}
