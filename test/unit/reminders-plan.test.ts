import { describe, expect, it } from 'vitest';
import { planReminders } from '../../src/domain/collections/reminders/plan.js';
import { reminderSettings } from '../../src/domain/collections/reminders/settings.js';
import type { Customer } from '../../src/domain/customers/customer.js';
import type { Settlement } from '../../src/domain/invoicing/invoice.js';
import { money } from '../../src/domain/money/index.js';
import type { SettledInvoice } from '../../src/domain/collections/records.js';
import type { AgingInvoiceRow, Store } from '../../src/domain/store.js';

interface Inv {
  number: string;
  customer: string;
  issueDate: string;
  dueDate: string;
  total: number;
  paidOn?: string;
  writtenOffOn?: string;
}

function customer(code: string, over: Partial<Customer> = {}): Customer {
  return {
    code, name: `${code} Ltd`, email: `${code.toLowerCase()}@example.test`, phone: null, taxId: null, currency: 'CNY', terms: 'NET30',
    creditLimit: null, segment: null, birthday: null, address: null, language: 'en', onHold: false, createdAt: '', updatedAt: '', ...over,
  };
}

/** Just the ports planReminders reads, over a list of invoices that are paid or written off whole. */
function fakeStore(customers: Customer[], invoices: Inv[], sent: { invoice: string; level: string }[] = [], disputed: string[] = []): Store {
  const settlement = (i: Inv, asOf: string): Settlement => {
    const paid = i.paidOn !== undefined && i.paidOn <= asOf ? i.total : 0;
    const writtenOff = i.writtenOffOn !== undefined && i.writtenOffOn <= asOf ? i.total : 0;
    return { open: money(i.total - paid - writtenOff, 'CNY'), paid: money(paid, 'CNY'), credited: money(0, 'CNY'), writtenOff: money(writtenOff, 'CNY') };
  };
  const byCustomer = (code?: string) => invoices.filter((i) => code === undefined || i.customer === code);
  const store = {
    aging: {
      invoices: async (asOf: string, code?: string): Promise<AgingInvoiceRow[]> =>
        byCustomer(code)
          .filter((i) => i.issueDate <= asOf && settlement(i, asOf).open.minor > 0)
          .map((i) => ({ invoice: i.number, customer: i.customer, name: `${i.customer} Ltd`, currency: 'CNY', issueDate: i.issueDate, dueDate: i.dueDate, open: settlement(i, asOf).open.minor })),
    },
    collections: {
      // The fake keeps every invoice's levels: the real query leaves out invoices settled before
      // the receipts window, which no plan reads.
      sentLevels: async (_since: string, code?: string) => {
        const map = new Map<string, Set<string>>();
        for (const s of sent) {
          if (code !== undefined && invoices.find((i) => i.number === s.invoice)?.customer !== code) continue;
          map.set(s.invoice, (map.get(s.invoice) ?? new Set()).add(s.level));
        }
        return map;
      },
      customersRemindedAt: async (levels: readonly string[]) =>
        new Set(sent.filter((s) => levels.includes(s.level)).map((s) => invoices.find((i) => i.number === s.invoice)!.customer)),
      settledSince: async (since: string, asOf: string, code?: string): Promise<SettledInvoice[]> =>
        byCustomer(code)
          .filter((i) => i.issueDate <= asOf && settlement(i, asOf).open.minor === 0 && (i.issueDate > since || settlement(i, since).open.minor !== 0))
          .map((i) => {
            const s = settlement(i, asOf);
            return { invoice: i.number, customer: i.customer, name: `${i.customer} Ltd`, currency: 'CNY', dueDate: i.dueDate, paid: s.paid.minor, credited: s.credited.minor, writtenOff: s.writtenOff.minor };
          }),
    },
    disputes: { disputed: async () => new Set(disputed) },
    customers: {
      find: async (code: string) => customers.find((c) => c.code === code),
      list: async () => customers,
    },
  };
  return store as unknown as Store;
}

const SETTINGS = reminderSettings(new Map());
const AS_OF = '2026-11-27';
const summary = async (store: Store, options = { settled: true }) => {
  const plan = await planReminders(store, AS_OF, SETTINGS, options);
  return {
    batches: plan.batches.map((b) => [b.customer.code, b.level.name, b.placesHold, b.onHold, b.lines.map((l) => `${l.invoice}:${l.level.name}:${l.days}`)]),
    skipped: plan.skipped.map((s) => `${s.invoice}:${s.level}:${s.reason}`),
  };
};

describe('planning a reminder run', () => {
  it('one batch per customer, invoices by due date, the message at the highest level among them', async () => {
    const store = fakeStore([customer('C1')], [
      { number: 'I-2', customer: 'C1', issueDate: '2026-10-29', dueDate: '2026-11-28', total: 100 },
      { number: 'I-1', customer: 'C1', issueDate: '2026-09-28', dueDate: '2026-10-28', total: 200 },
      { number: 'I-3', customer: 'C1', issueDate: '2026-11-20', dueDate: '2026-12-20', total: 300 },
    ]);
    expect(await summary(store)).toEqual({
      batches: [['C1', 'final', true, true, ['I-1:final:30', 'I-2:courtesy:-1']]],
      skipped: [],
    });
  });

  it('skips disputed invoices, customers without e-mail, and customers put on hold by hand', async () => {
    const store = fakeStore(
      [customer('C1'), customer('C2', { email: null }), customer('C3', { onHold: true })],
      [
        { number: 'I-1', customer: 'C1', issueDate: '2026-10-01', dueDate: '2026-10-31', total: 100 },
        { number: 'I-2', customer: 'C1', issueDate: '2026-10-01', dueDate: '2026-11-20', total: 100 },
        { number: 'I-3', customer: 'C2', issueDate: '2026-10-01', dueDate: '2026-10-31', total: 100 },
        { number: 'I-4', customer: 'C3', issueDate: '2026-10-01', dueDate: '2026-10-31', total: 100 },
      ],
      [],
      ['I-1'],
    );
    expect(await summary(store)).toEqual({
      batches: [['C1', 'first', false, false, ['I-2:first:7']]],
      skipped: ['I-1:second:disputed', 'I-3:second:no email address', 'I-4:second:customer on hold'],
    });
  });

  it('keeps chasing a customer the reminders themselves put on hold', async () => {
    const store = fakeStore(
      [customer('C1', { onHold: true })],
      [
        { number: 'I-1', customer: 'C1', issueDate: '2026-08-01', dueDate: '2026-08-31', total: 100 },
        { number: 'I-2', customer: 'C1', issueDate: '2026-10-20', dueDate: '2026-11-19', total: 100 },
      ],
      [{ invoice: 'I-1', level: 'first' }, { invoice: 'I-1', level: 'final' }],
    );
    expect(await summary(store)).toEqual({
      batches: [['C1', 'collections', false, true, ['I-1:collections:88', 'I-2:first:8']]],
      skipped: [],
    });
  });

  it('lists invoices settled within the receipts window that would have been reminded, and only those', async () => {
    const store = fakeStore([customer('C1')], [
      // paid three days ago: listed
      { number: 'I-1', customer: 'C1', issueDate: '2026-10-01', dueDate: '2026-10-31', total: 100, paidOn: '2026-11-24' },
      // paid long ago: not listed
      { number: 'I-2', customer: 'C1', issueDate: '2026-09-01', dueDate: '2026-10-01', total: 100, paidOn: '2026-10-02' },
      // issued and paid within the window, now three days from due: listed
      { number: 'I-3', customer: 'C1', issueDate: '2026-11-25', dueDate: '2026-11-30', total: 100, paidOn: '2026-11-26' },
      // written off yesterday: listed as such
      { number: 'I-4', customer: 'C1', issueDate: '2026-09-01', dueDate: '2026-10-01', total: 100, writtenOffOn: '2026-11-26' },
      // paid in the window but already sent its level: nothing to say
      { number: 'I-5', customer: 'C1', issueDate: '2026-10-01', dueDate: '2026-10-31', total: 100, paidOn: '2026-11-24' },
    ], [{ invoice: 'I-5', level: 'second' }]);
    expect(await summary(store)).toEqual({
      batches: [],
      skipped: ['I-1:second:paid', 'I-3:courtesy:paid', 'I-4:final:written off'],
    });
    expect((await summary(store, { settled: false })).skipped).toEqual([]);
  });
});
