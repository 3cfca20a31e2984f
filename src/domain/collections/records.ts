import type { IsoDate } from '../dates.js';

export type AlertLevel = 'warn' | 'critical';
export type AlertState = 'new' | 'ongoing' | 'escalated' | 'resolved' | 'acknowledged';

/** An alert as kept between runs: its key is the rule and the subject, stable across nights. */
export interface StoredAlert {
  readonly key: string;
  readonly rule: string;
  readonly subject: string;
  readonly level: AlertLevel;
  readonly state: AlertState;
  readonly message: string;
  readonly firstSeen: IsoDate;
  readonly lastSeen: IsoDate;
  readonly changedOn: IsoDate;
  readonly resolvedOn: IsoDate | null;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly ackNote: string | null;
  /** The highest level already sent by --notify, so a second run sends nothing. */
  readonly notifiedLevel: AlertLevel | null;
  readonly notifiedAt: string | null;
}

export interface ReminderRecord {
  readonly invoice: string;
  readonly level: string;
  readonly levelDays: number;
  readonly customer: string;
  readonly sentOn: IsoDate;
  readonly sentAt: string;
  readonly channel: 'smtp' | 'outbox';
  readonly messageId: string | null;
  readonly recipient: string;
}

/** Invoices closed in a band of days late, summed: what the collection curve learns from. */
export interface ClosedBand {
  readonly count: number;
  /** Σ invoice totals, minor units (currencies mixed: only the collected share is used). */
  readonly total: number;
  /** Σ (total − written off). */
  readonly collected: number;
}

/**
 * How invoices closed, aggregated by the database rather than read one by one: the days late of
 * each invoice paid in the recent window, per customer (for the medians), and the invoices closed
 * in the whole window summed per band of days late (for the collection curve).
 */
export interface PaymentHistory {
  /** Days late (closed − due) of each invoice closed in the recent window and not written off, per customer code; any order. */
  readonly delays: ReadonlyMap<string, readonly number[]>;
  /** One entry per band of the curve, in its order: closed invoices whose days late fall in that band. */
  readonly bands: readonly ClosedBand[];
}

/** An invoice settled (open 0) as of a date: how, for the reminders' "paid, not chased" list. */
export interface SettledInvoice {
  readonly invoice: string;
  readonly customer: string;
  readonly name: string;
  readonly currency: string;
  readonly dueDate: IsoDate;
  readonly paid: number;
  readonly credited: number;
  readonly writtenOff: number;
}

/** Credit sales and write-offs per currency over the windows the alert rules measure. */
export interface SalesActivity {
  /** Σ invoices − Σ credit notes issued in the last 90 days. */
  readonly sales90: ReadonlyMap<string, number>;
  /** The same over the last 365 days. */
  readonly sales365: ReadonlyMap<string, number>;
  /** Σ write-offs dated in the last 365 days. */
  readonly writeOffs365: ReadonlyMap<string, number>;
}

/** An invoice open as of a date, as the forecast needs it: no number, no name. */
export interface OpenAmount {
  readonly customer: string;
  readonly currency: string;
  readonly dueDate: IsoDate;
  /** Open as of the date, minor units; ≠ 0. */
  readonly open: number;
}

/** Set-based queries of the collections (forecast, alerts, reminders): one statement each, whatever the size of the book. */
export interface CollectionQueries {
  /**
   * Invoices closed (open amount zero, as known on `to`) with the closing allocation dated in
   * [from, to], aggregated: delays of those closed on or after `recentFrom` and not written off,
   * per customer; and per band of days late (bands given by their upper bounds, ascending, the
   * last one open-ended) the count, totals and collected amounts of all of them.
   */
  paymentHistory(from: IsoDate, recentFrom: IsoDate, to: IsoDate, bandUpperBounds: readonly number[]): Promise<PaymentHistory>;
  /**
   * Invoices issued ≤ asOf and settled as of asOf that were open as of `since` or issued after
   * it, with what settled them as of asOf. Optionally of one customer.
   */
  settledSince(since: IsoDate, asOf: IsoDate, customer?: string): Promise<SettledInvoice[]>;
  /**
   * The invoices issued ≤ asOf and open as of it (amount ≠ 0), in no particular order, in
   * batches: what AgingQueries.invoices gives, without looking up each invoice's number and
   * customer name.
   */
  openAmounts(asOf: IsoDate): AsyncIterable<OpenAmount[]>;
  /** Days from order to invoice for invoices issued in [from, to] from an order. */
  orderLags(from: IsoDate, to: IsoDate): Promise<number[]>;
  /** Sales over [asOf − 89, asOf] and [asOf − 364, asOf], write-offs over [asOf − 364, asOf]. */
  salesActivity(asOf: IsoDate): Promise<SalesActivity>;
  /**
   * Levels already sent, per invoice number, for the invoices not settled by `since` (open, or
   * settled after it): the only ones a run as of a later date can remind or list. Optionally of
   * one customer.
   */
  sentLevels(since: IsoDate, customer?: string): Promise<Map<string, Set<string>>>;
  /** Codes of the customers with a reminder recorded at one of these levels. */
  customersRemindedAt(levels: readonly string[]): Promise<Set<string>>;
  /**
   * The id of the latest allocation, 0 if none. What the forecast learns (invoice_balances,
   * write-offs) changes only with a new allocation, and allocation ids grow in commit order: on
   * SQLite one writer at a time, on PostgreSQL every allocation is written under
   * lockForAllocation's lock, held to the commit.
   */
  allocationsThrough(): Promise<number>;
  /** What saveLearning kept as of asOf, if kept with this method and allocations through this id. */
  savedLearning(asOf: IsoDate, method: string, through: number): Promise<string | undefined>;
  /**
   * Keeps what was learned as of asOf, replacing any other date's. Where the book may only be
   * read (a PostgreSQL role without the privilege, a read-only transaction) it keeps nothing.
   */
  saveLearning(asOf: IsoDate, method: string, through: number, learned: string): Promise<void>;
}
