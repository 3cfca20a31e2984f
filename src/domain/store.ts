import type { CollectionQueries, ReminderRecord, StoredAlert } from './collections/records.js';
import type { Customer } from './customers/customer.js';
import type { IsoDate } from './dates.js';
import type { DocumentKind, Invoice, Settlement } from './invoicing/invoice.js';
import type { ExportRecord } from './journal/exports.js';
import type { DocumentTotal, JournalDocument, JournalScope } from './journal/transactions.js';
import type { Money } from './money/index.js';
import type { Allocation, Receipt, ReceiptBalance } from './receivables/receipt.js';
import type { CandidateSet } from './receivables/reconcile-candidates.js';
import type { Plan } from './receivables/reconcile-plan.js';
import type { Order, OrderState } from './sales/order.js';
import type { Product, StockLevel } from './products/product.js';
import type { StockMove } from './stock/stock-move.js';
import type { Role } from './users/roles.js';

/**
 * The ports the use-cases need from storage. One Store is bound to one transaction: everything a
 * command does through it commits together or not at all.
 */
export interface Store {
  readonly settings: SettingsRepository;
  readonly users: UserRepository;
  readonly audit: AuditLog;
  readonly customers: CustomerRepository;
  readonly products: ProductRepository;
  readonly stock: StockRepository;
  readonly numbers: NumberSeries;
  readonly orders: OrderRepository;
  readonly invoices: InvoiceRepository;
  readonly ledger: CustomerLedger;
  readonly receipts: ReceiptRepository;
  readonly allocations: AllocationRepository;
  readonly reconciliation: ReconciliationRepository;
  readonly aging: AgingQueries;
  readonly alerts: AlertRepository;
  readonly reminders: ReminderRepository;
  readonly disputes: DisputeRepository;
  readonly history: HistoryQueries;
  readonly collections: CollectionQueries;
  readonly journal: JournalQueries;
  readonly exports: ExportQueries;
  readonly imports: ImportRepository;
}

/** Gapless numbering: the next number of a series and year, taken inside the caller's transaction. */
export interface NumberSeries {
  next(series: string, year: number): Promise<number>;
}

export interface OrderFilter {
  readonly state?: OrderState;
  readonly customer?: string;
}

export interface LineQuantities {
  readonly shipped?: number;
  readonly invoiced?: number;
  readonly reserved?: number;
  readonly returned?: number;
}

export interface Shipment {
  readonly number: string;
  readonly order: string;
  readonly date: IsoDate;
  readonly lines: readonly { readonly lineNo: number; readonly quantity: number }[];
}

export interface OrderRepository {
  find(number: string): Promise<Order | undefined>;
  list(filter: OrderFilter): Promise<Order[]>;
  insert(order: Order): Promise<void>;
  approve(number: string, at: string, by: string, overrideReason: string | null): Promise<void>;
  cancel(number: string, at: string, reason: string): Promise<void>;
  setLineQuantities(number: string, lineNo: number, quantities: LineQuantities): Promise<void>;
  insertShipment(shipment: Shipment, at: string, by: string): Promise<void>;
}

export type InvoiceHeader = Omit<Invoice, 'lines'>;

export interface InvoiceFilter {
  readonly customer?: string;
  readonly kind?: DocumentKind;
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  /** Only documents with something open as of asOf. */
  readonly openOnly?: boolean;
}

export interface InvoiceWithSettlement {
  readonly invoice: InvoiceHeader;
  readonly settlement: Settlement;
}

export type AllocationSource = 'credit_note' | 'receipt' | 'write_off' | 'adjustment';

export interface NewAllocation {
  readonly invoice: string;
  readonly sourceKind: AllocationSource;
  /** The credit note, receipt or write-off; for an adjustment, the receipt it settles. */
  readonly sourceNumber: string;
  /** Positive reduces the open amount; a reversal is negative. */
  readonly amount: Money;
  readonly date: IsoDate;
  readonly batch: string | null;
  readonly note: string | null;
  readonly rule?: string | null;
  readonly reverses?: number | null;
}

export interface InvoiceRepository {
  find(number: string): Promise<Invoice | undefined>;
  insert(invoice: Invoice): Promise<void>;
  /** Locks the invoice against concurrent allocation until the transaction ends (PostgreSQL). */
  lock(number: string): Promise<void>;
  settlement(number: string, asOf: IsoDate): Promise<Settlement>;
  /** One set-based query, whatever the number of invoices. */
  list(filter: InvoiceFilter, asOf: IsoDate): Promise<InvoiceWithSettlement[]>;
  /** The same as list, in batches as the query is read: for all of a large book. */
  stream(filter: InvoiceFilter, asOf: IsoDate): AsyncIterable<InvoiceWithSettlement[]>;
  allocate(allocation: NewAllocation, at: string, by: string): Promise<void>;
  /** Every allocation against the invoice, reversals included, by date. */
  allocations(number: string): Promise<{ readonly date: IsoDate; readonly amount: Money; readonly sourceKind: AllocationSource }[]>;
  /** Quantities already credited per SKU by credit notes against the invoice. */
  creditedQuantities(number: string): Promise<Map<string, number>>;
}

export type LedgerEntryKind = 'invoice' | 'credit_note' | 'receipt' | 'receipt_reversal' | 'write_off' | 'adjustment';

export interface LedgerEntry {
  readonly date: IsoDate;
  readonly document: string;
  readonly kind: LedgerEntryKind;
  /** Signed: what the entry adds to the customer's balance (an invoice +, a credit note −). */
  readonly amount: Money;
  readonly reference: string | null;
}

/** A customer's account from the documents alone, independent of how cash was matched. */
export interface CustomerLedger {
  /** Σ of every entry dated ≤ asOf, in the customer's currency. */
  balance(customer: string, asOf: IsoDate): Promise<Money>;
  entries(customer: string, from: IsoDate, to: IsoDate): Promise<LedgerEntry[]>;
}

export interface SettingsRepository {
  all(): Promise<Map<string, string>>;
  set(key: string, value: string): Promise<void>;
}

export interface User {
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
}

export interface UserRepository {
  find(name: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  insert(user: User): Promise<void>;
  setRole(name: string, role: Role): Promise<void>;
}

export interface AuditEntry {
  readonly entity: string;
  readonly key: string;
  readonly action: string;
  readonly detail?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly user: string;
  readonly command: string;
}

/** Every write records who did it, when, through which command and to what. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(filter: { entity?: string; key?: string; limit?: number }): Promise<AuditRecord[]>;
}

export interface CustomerFilter {
  readonly segment?: string;
}

export interface CustomerRepository {
  find(code: string): Promise<Customer | undefined>;
  list(filter: CustomerFilter): Promise<Customer[]>;
  insert(customer: Customer): Promise<void>;
  update(customer: Customer): Promise<void>;
  /** Whether an order, invoice or receipt names the customer: documents in its currency. */
  hasDocuments(code: string): Promise<boolean>;
}

export interface ProductRepository {
  find(sku: string): Promise<Product | undefined>;
  list(): Promise<Product[]>;
  insert(product: Product): Promise<void>;
}

export interface StockRepository {
  levels(filter: { sku?: string }): Promise<StockLevel[]>;
  findByReference(sku: string, kind: StockMove['kind'], reference: string): Promise<StockMove | undefined>;
  /** Records the move and changes on hand by its quantity, in the same transaction. */
  move(move: StockMove, at: string): Promise<void>;
  /**
   * Adds to the reservation in one conditional statement, so two processes cannot both take the
   * last units. Returns false, changing nothing, when available stock is short and backorders
   * are not allowed.
   */
  reserve(sku: string, quantity: number, allowBackorder: boolean): Promise<boolean>;
  release(sku: string, quantity: number): Promise<void>;
}

export interface ReceiptFilter {
  readonly customer?: string;
  readonly unappliedOnly?: boolean;
  /** Only receipts without a customer. */
  readonly unidentifiedOnly?: boolean;
}

export interface ReceiptRepository {
  find(number: string): Promise<Receipt | undefined>;
  findByBankRef(bankRef: string): Promise<Receipt | undefined>;
  insert(receipt: Receipt): Promise<void>;
  /** Locks the receipt against concurrent allocation until the transaction ends (PostgreSQL). */
  lock(number: string): Promise<void>;
  balance(number: string, asOf: IsoDate): Promise<ReceiptBalance>;
  /** One set-based query. */
  list(filter: ReceiptFilter, asOf: IsoDate): Promise<ReceiptBalance[]>;
  /** The same as list, in batches as the query is read: for all of a large book. */
  stream(filter: ReceiptFilter, asOf: IsoDate): AsyncIterable<ReceiptBalance[]>;
  assign(number: string, customer: string): Promise<void>;
  reverse(number: string, date: IsoDate, reason: string, at: string, by: string): Promise<void>;
}

export interface WriteOff {
  readonly number: string;
  readonly invoice: string;
  readonly date: IsoDate;
  readonly amount: Money;
  readonly reason: string;
}

export interface AllocationFilter {
  readonly batch?: string;
  readonly receipt?: string;
  readonly invoice?: string;
  readonly customer?: string;
}

export interface AllocationRepository {
  find(id: number): Promise<Allocation | undefined>;
  list(filter: AllocationFilter): Promise<Allocation[]>;
  /** The same as list, in batches as the query is read: for all of a large book. */
  stream(filter: AllocationFilter): AsyncIterable<Allocation[]>;
  /**
   * A batch's receipt and adjustment allocations: how many there are, how many are live (neither
   * an undo nor undone), and the first live one (by id) dated after `date`, if any.
   */
  undoState(batch: string, date: IsoDate): Promise<{ undoable: number; live: number; firstAfter: { id: number; date: IsoDate } | null }>;
  /** Locks the receipts of a batch's allocations against concurrent allocation (PostgreSQL). */
  lockBatchReceipts(batch: string): Promise<void>;
  createBatch(id: string, kind: 'auto' | 'manual' | 'undo' | 'reversal', undoes: string | null, at: string, by: string): Promise<void>;
  batchExists(id: string): Promise<boolean>;
  /** Serialises everything that allocates, for the rest of the transaction (PostgreSQL; SQLite already is). */
  lockForAllocation(): Promise<void>;
  insertWriteOff(writeOff: WriteOff, at: string, by: string): Promise<void>;
}

/** Unidentified, unreversed cash: what `reconcile auto` may assign to a customer by its memo. */
export interface UnidentifiedCash {
  readonly key: number;
  readonly number: string;
  readonly currency: string;
  /** Reference and memo. */
  readonly text: string;
}

/** A document of the invoices table found by its number. */
export interface NamedDocument {
  readonly number: string;
  readonly kind: 'invoice' | 'credit_note';
  readonly currency: string;
  readonly customerKey: number;
  readonly customer: string;
}

export interface ReceiptAssignment {
  readonly receiptKey: number;
  readonly customerKey: number;
}

/**
 * `reconcile auto` in bulk: candidates read set-based, chunk by chunk of customers, and the plan
 * written with multi-row inserts. Keys are the storage's ids, opaque to the domain. Call it only
 * under lockForAllocation.
 */
export interface ReconciliationRepository {
  /** Unidentified, unreversed receipts, by number. */
  unidentifiedCash(): Promise<UnidentifiedCash[]>;
  documentsByNumber(numbers: readonly string[]): Promise<Map<string, NamedDocument>>;
  /** Attaches unidentified receipts to customers. */
  assign(assignments: readonly ReceiptAssignment[]): Promise<void>;
  recordAudit(entries: readonly AuditEntry[]): Promise<void>;
  /**
   * Every customer's (or one customer's) unapplied, unreversed receipts, and the open invoices
   * of the customers among them that have any.
   */
  candidates(customer?: string): Promise<CandidateSet>;
  /** Writes the plan's allocations (and tolerance adjustments) in order; returns the rows written. */
  insertAllocations(batch: string, plan: Plan, at: string, by: string): Promise<number>;
  /**
   * Reverses every live receipt and adjustment allocation of `batch` (`live` of them, from
   * undoState) with a row of its own in the batch `undo`, dated `date`, set-based; the ids
   * reversed, in order.
   */
  undoBatch(batch: string, undo: string, date: IsoDate, live: number, at: string, by: string): Promise<number[]>;
  /**
   * What the batch wrote, checked against the documents themselves (not the balances the plan was
   * made from): the documents it allocated that are now past their amount, by number, and its
   * references to documents the book does not have, with those of the receipts `assigned` (keys)
   * to customers it does not have. Both should be empty. No batch: the receipts only.
   */
  checkBatch(batch: string | null, assigned: readonly number[]): Promise<{ over: string[]; unknown: string[] }>;
}

export type AgingBasis = 'due' | 'invoice';

/** Σ open per customer, currency and bucket, computed by the database in one statement. */
export interface AgingBucketTotal {
  readonly customer: string | null;
  readonly name: string | null;
  readonly currency: string;
  readonly bucket: number;
  readonly amount: number;
}

export interface AgingInvoiceRow {
  readonly invoice: string;
  readonly customer: string;
  readonly name: string;
  readonly currency: string;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  readonly open: number;
}

export interface AgingQueries {
  /** Open invoices as of D grouped into buckets by days past due (or since issue). */
  bucketTotals(asOf: IsoDate, basis: AgingBasis, bounds: readonly number[], customer?: string): Promise<AgingBucketTotal[]>;
  /** Unapplied cash and open credit notes as of D, per customer (null: unidentified) and currency: ≥ 0. */
  unapplied(asOf: IsoDate, customer?: string): Promise<{ customer: string | null; name: string | null; currency: string; amount: number }[]>;
  /** Σ of all documents dated ≤ D, per currency: what the aging must add up to. */
  documentTotals(asOf: IsoDate, customer?: string): Promise<{ currency: string; amount: number }[]>;
  invoices(asOf: IsoDate, customer?: string): Promise<AgingInvoiceRow[]>;
}

export interface AlertRepository {
  all(): Promise<StoredAlert[]>;
  find(key: string): Promise<StoredAlert | undefined>;
  /** Inserts or replaces the alert, and appends the change to its history. */
  save(alert: StoredAlert, at: string): Promise<void>;
  /** save() for many alerts in a few statements; `previous` holds the stored rows they replace. */
  saveAll(alerts: readonly StoredAlert[], previous: ReadonlyMap<string, StoredAlert>, at: string): Promise<void>;
  history(key: string): Promise<{ date: IsoDate; state: string; level: string; message: string }[]>;
}

export interface ReminderRepository {
  /** Levels already sent, per invoice number. */
  sentLevels(customer?: string): Promise<Map<string, Set<string>>>;
  record(reminder: ReminderRecord): Promise<void>;
  history(filter: { customer?: string; invoice?: string; limit?: number }): Promise<ReminderRecord[]>;
  /** The date of the newest receipt in the book, or null when there is none. */
  latestReceiptDate(): Promise<IsoDate | null>;
}

export interface DisputeRepository {
  open(invoice: string, date: IsoDate, reason: string, at: string, by: string): Promise<void>;
  close(invoice: string, date: IsoDate, reason: string, at: string, by: string): Promise<void>;
  /** Invoice numbers whose latest dispute entry dated ≤ asOf is an open. */
  disputed(asOf: IsoDate): Promise<Set<string>>;
}

/** An invoice closed (open = 0) as of a date: how it ended and when. */
export interface ClosedInvoice {
  readonly customer: string;
  readonly currency: string;
  readonly dueDate: IsoDate;
  /** The date of the allocation that brought it to zero. */
  readonly closedOn: IsoDate;
  readonly total: number;
  readonly writtenOff: number;
}

/** Set-based facts about the past, for forecasts, backtests and alerts. */
export interface HistoryQueries {
  /** Invoices whose open amount reached zero on a date in [from, to], as known on `to`. */
  closedInvoices(from: IsoDate, to: IsoDate): Promise<ClosedInvoice[]>;
  /** Days from order to invoice for invoices issued in [from, to]. */
  orderToInvoiceDays(from: IsoDate, to: IsoDate): Promise<number[]>;
  /** Σ invoices − Σ credit notes issued in [from, to], per currency (gross). */
  sales(from: IsoDate, to: IsoDate): Promise<Map<string, number>>;
  /** Σ write-offs dated in [from, to], per currency. */
  writeOffs(from: IsoDate, to: IsoDate): Promise<Map<string, number>>;
  /** Cash in per day: receipts dated in [from, to] less reversals dated in [from, to], per currency. */
  cashByDay(from: IsoDate, to: IsoDate): Promise<{ date: IsoDate; currency: string; amount: number }[]>;
}

/** A document issued elsewhere (opening balance, migration), imported without lines. */
export interface ImportedInvoice {
  readonly number: string;
  /** A credit note imported from elsewhere stands as open credit, applied to no invoice. */
  readonly kind: 'invoice' | 'credit_note';
  readonly customer: string;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  readonly currency: string;
  readonly net: number;
  readonly tax: number;
  readonly total: number;
  readonly externalRef: string | null;
}

export interface ImportedReceipt {
  readonly number: string;
  readonly customer: string | null;
  readonly date: IsoDate;
  readonly currency: string;
  readonly amount: number;
  readonly method: string;
  /** The bank's id, or a fingerprint (fp:…) when the bank gives none: the idempotency key. */
  readonly bankRef: string;
  readonly memo: string | null;
  /** A payment that bounced after it was received, as exported by `owed export receipts`. */
  readonly reversedOn?: IsoDate | null;
}

/** The documents a large import may write in bulk. */
export type DocumentTable = 'invoices' | 'receipts';

/** A row an import found in the book, with its id (how the import tells its own rows from the book's). */
export type Found<T> = T & { readonly id: number };

/**
 * Bulk paths for imports: one query per batch of keys, a few multi-row statements per batch of
 * rows. Inserts return the new rows' ids, in order.
 */
export interface ImportRepository {
  customersByCode(codes: readonly string[]): Promise<Map<string, Found<Customer>>>;
  /** Customer codes by exact name, for bank statements that name the payer. */
  customerCodesByName(names: readonly string[]): Promise<Map<string, string[]>>;
  insertCustomers(customers: readonly Customer[]): Promise<number[]>;
  productsBySku(skus: readonly string[]): Promise<Map<string, Found<Product>>>;
  insertProducts(products: readonly Product[]): Promise<number[]>;
  invoicesByNumber(numbers: readonly string[]): Promise<Map<string, Found<ImportedInvoice>>>;
  invoicesByExternalRef(refs: readonly string[]): Promise<Map<string, Found<ImportedInvoice>>>;
  insertInvoices(invoices: readonly ImportedInvoice[], at: string, by: string): Promise<number[]>;
  receiptsByBankRef(refs: readonly string[]): Promise<Map<string, Found<ImportedReceipt>>>;
  insertReceipts(receipts: readonly ImportedReceipt[], at: string, by: string): Promise<number[]>;
  /** Takes `count` consecutive numbers of a series and year; returns the first. */
  reserveNumbers(series: string, year: number, count: number): Promise<number>;
  /** Moves a series on to at least `last`, so numbers imported in owed's format are never drawn again. */
  raiseNumbers(series: string, year: number, last: number): Promise<void>;
  /** Orders with their lines, by number (what `owed import orders` compares a re-import with). */
  ordersByNumber(numbers: readonly string[]): Promise<Map<string, Found<ImportedOrderContent>>>;
  /** Orders (draft or cancelled, nothing reserved) with their lines, in one statement per table and batch. */
  insertOrders(orders: readonly Order[]): Promise<number[]>;
  /** How many documents `table` holds, as far as its highest id tells (ids are never reused). */
  documentsIn(table: DocumentTable): Promise<number>;
  /**
   * A large import: from here on `table` takes its documents without its non-unique indexes and
   * their derived balances, which completeDeferred builds set-based before the import ends.
   * False when it already is.
   */
  deferDerived(table: DocumentTable): Promise<boolean>;
  completeDeferred(): Promise<void>;
  /** Runs `work` inside a savepoint: if it throws, what it wrote is undone and the error passes on. */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}

/** What identifies an imported order's content: customer, date and lines (state evolves after import). */
export interface ImportedOrderContent {
  readonly customer: string;
  readonly date: IsoDate;
  readonly lines: readonly { readonly sku: string; readonly quantity: number; readonly unitPrice: number }[];
}

/** The documents as double-entry material, for `owed export journal`: set-based, never a query per document. */
export interface JournalQueries {
  /**
   * Every document dated in [from, to] (null: an open end), ordered by date, then kind, then id:
   * one statement, read in batches. Read them through before using the store again.
   */
  documents(from: IsoDate | null, to: IsoDate | null): AsyncIterable<readonly JournalDocument[]>;
  /** Documents dated in [from, to] summed per kind, customer, currency and cash-or-bank (opening balances). */
  totals(from: IsoDate | null, to: IsoDate | null): Promise<DocumentTotal[]>;
  /** What the documents dated in [from, to] post to, found without summing them (declarations). */
  scope(from: IsoDate | null, to: IsoDate | null): Promise<JournalScope>;
}

/**
 * `owed export SET`: records keyed by the column names of the import sets (domain/journal/exports.ts),
 * one statement each, read in batches (memory stays flat). Read them through before using the store again.
 */
export interface ExportQueries {
  customers(): AsyncIterable<readonly ExportRecord[]>;
  products(): AsyncIterable<readonly ExportRecord[]>;
  /** One record per order line, for orders dated in [from, to]. */
  orderLines(from: IsoDate | null, to: IsoDate | null): AsyncIterable<readonly ExportRecord[]>;
  /** Invoices and credit notes issued in [from, to]. */
  invoices(from: IsoDate | null, to: IsoDate | null): AsyncIterable<readonly ExportRecord[]>;
  receipts(from: IsoDate | null, to: IsoDate | null): AsyncIterable<readonly ExportRecord[]>;
  allocations(from: IsoDate | null, to: IsoDate | null): AsyncIterable<readonly ExportRecord[]>;
}
