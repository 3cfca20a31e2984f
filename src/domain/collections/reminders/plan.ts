import type { Customer } from '../../customers/customer.js';
import { addDays, type IsoDate } from '../../dates.js';
import type { Store } from '../../store.js';
import { daysSince } from '../days.js';
import type { SettledInvoice } from '../records.js';
import { levelToSend, type ReminderLevel } from './levels.js';
import type { ReminderLine } from './message.js';
import type { ReminderSettings } from './settings.js';

export type SkipReason = 'paid' | 'credited' | 'written off' | 'disputed' | 'customer on hold' | 'no email address';

/** An invoice that reached a level but is not chased, and why. */
export interface SkippedInvoice {
  readonly customer: string;
  readonly name: string;
  readonly invoice: string;
  readonly currency: string;
  /** Open amount as of the run, in minor units (0 for a settled invoice). */
  readonly open: number;
  readonly dueDate: IsoDate;
  readonly level: string;
  readonly reason: SkipReason;
}

/** One message to one customer: every invoice of theirs that reached a new level. */
export interface ReminderBatch {
  readonly customer: Customer;
  readonly email: string;
  /** The highest level among the lines. */
  readonly level: ReminderLevel;
  readonly lines: readonly ReminderLine[];
  /** Sending this message puts the customer on credit hold (remind.hold_level reached). */
  readonly placesHold: boolean;
  /** The customer is on credit hold through the reminders, before or with this message. */
  readonly onHold: boolean;
}

export interface ReminderPlan {
  readonly asOf: IsoDate;
  readonly batches: readonly ReminderBatch[];
  readonly skipped: readonly SkippedInvoice[];
}

export interface PlanOptions {
  /** Only this customer. */
  readonly customer?: string;
  /**
   * Also list invoices settled within the receipts window (remind.max_receipts_age_days, at least
   * a day) that reached a level not yet sent: the customers who paid and are not chased.
   */
  readonly settled?: boolean;
}

function settledReason(s: SettledInvoice): SkipReason {
  if (s.writtenOff > 0) return 'written off';
  if (s.paid === 0 && s.credited > 0) return 'credited';
  return 'paid';
}

/**
 * What a reminder run as of asOf would send, per customer, and what it skips. Reads only.
 * An invoice gets the highest level it has reached, if that is above every level already sent
 * for it; disputed invoices, customers on a credit hold that the reminders did not place (a hold
 * set by hand means someone is dealing with them) and customers without an e-mail address are
 * skipped and listed.
 */
export async function planReminders(store: Store, asOf: IsoDate, settings: ReminderSettings, options: PlanOptions = {}): Promise<ReminderPlan> {
  const { levels, holdLevel } = settings;
  const open = await store.aging.invoices(asOf, options.customer);
  // Only invoices not settled when the receipts window began can still be reminded or listed.
  const since = windowStart(asOf, settings);
  const sent = await store.collections.sentLevels(since, options.customer);
  const disputed = await store.disputes.disputed(asOf);
  const customers = new Map<string, Customer>();
  if (options.customer !== undefined) {
    const c = await store.customers.find(options.customer);
    if (c) customers.set(c.code, c);
  } else {
    for (const c of await store.customers.list({})) customers.set(c.code, c);
  }

  // Customers the reminders put on hold (a reminder at the hold level or above), read once.
  let heldByReminders: Set<string> | undefined;
  const placedOnHold = async (code: string): Promise<boolean> => {
    if (holdLevel === null) return false;
    heldByReminders ??= await store.collections.customersRemindedAt(levels.filter((l) => l.rank >= holdLevel.rank).map((l) => l.name));
    return heldByReminders.has(code);
  };

  const skipped: SkippedInvoice[] = [];
  const lines = new Map<string, ReminderLine[]>();
  const daysPastDue = daysSince(asOf);
  for (const row of open) {
    const level = levelToSend(levels, row.dueDate, asOf, sent.get(row.invoice), daysPastDue(row.dueDate));
    if (level === null) continue;
    const customer = customers.get(row.customer);
    if (customer === undefined) continue;
    const skip = (reason: SkipReason) =>
      skipped.push({ customer: row.customer, name: row.name, invoice: row.invoice, currency: row.currency, open: row.open, dueDate: row.dueDate, level: level.name, reason });
    if (disputed.has(row.invoice)) skip('disputed');
    else if (customer.onHold && !(await placedOnHold(customer.code))) skip('customer on hold');
    else if (customer.email === null || customer.email.trim() === '') skip('no email address');
    else {
      const list = lines.get(customer.code) ?? [];
      list.push({
        invoice: row.invoice,
        currency: row.currency,
        open: row.open,
        issueDate: row.issueDate,
        dueDate: row.dueDate,
        days: daysPastDue(row.dueDate),
        level,
      });
      lines.set(customer.code, list);
    }
  }

  if (options.settled) skipped.push(...(await settledInvoices(store, asOf, since, settings, sent, options.customer)));

  const batches: ReminderBatch[] = [...lines.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, list]) => {
      const customer = customers.get(code)!;
      const sorted = [...list].sort((a, b) => (a.dueDate === b.dueDate ? (a.invoice < b.invoice ? -1 : 1) : a.dueDate < b.dueDate ? -1 : 1));
      const level = sorted.reduce((top, l) => (l.level.rank > top.rank ? l.level : top), sorted[0]!.level);
      const placesHold = holdLevel !== null && level.rank >= holdLevel.rank && !customer.onHold;
      return { customer, email: customer.email!.trim(), level, lines: sorted, placesHold, onHold: customer.onHold || placesHold };
    });
  skipped.sort((a, b) => (a.customer === b.customer ? (a.invoice < b.invoice ? -1 : a.invoice > b.invoice ? 1 : 0) : a.customer < b.customer ? -1 : 1));
  return { asOf, batches, skipped };
}

/** The receipts window: invoices settled after its first day are the ones "paid, not chased". */
function windowStart(asOf: IsoDate, settings: ReminderSettings): IsoDate {
  return addDays(asOf, -Math.max(1, settings.maxReceiptsAgeDays));
}

/** Invoices settled within the receipts window that would otherwise be reminded now: one query for all of them. */
async function settledInvoices(
  store: Store,
  asOf: IsoDate,
  since: IsoDate,
  settings: ReminderSettings,
  sent: ReadonlyMap<string, ReadonlySet<string>>,
  customer: string | undefined,
): Promise<SkippedInvoice[]> {
  const result: SkippedInvoice[] = [];
  for (const s of await store.collections.settledSince(since, asOf, customer)) {
    const level = levelToSend(settings.levels, s.dueDate, asOf, sent.get(s.invoice));
    if (level === null) continue;
    result.push({
      customer: s.customer,
      name: s.name,
      invoice: s.invoice,
      currency: s.currency,
      open: 0,
      dueDate: s.dueDate,
      level: level.name,
      reason: settledReason(s),
    });
  }
  return result;
}
