import { describe, it, expect } from 'vitest';
import { daysOverdue, invoiceStatus, type Settlement } from '../../src/domain/invoicing/invoice.js';
import { money } from '../../src/domain/money/index.js';

const cny = (minor: number) => money(minor, 'CNY');
const invoice = { total: cny(100000), dueDate: '2025-12-31' };
function settled(s: Partial<Record<keyof Settlement, number>>): Settlement {
  return { open: cny(s.open ?? 0), paid: cny(s.paid ?? 0), credited: cny(s.credited ?? 0), writtenOff: cny(s.writtenOff ?? 0) };
}

describe('daysOverdue', () => {
  it.each([
    ['2025-12-01', 0],
    ['2025-12-30', 0],
    ['2025-12-31', 0],
    ['2026-01-01', 1],
    ['2026-01-30', 30],
    ['2026-03-01', 60],
  ])('due 2025-12-31, as of %s → %i', (asOf, days) => {
    expect(daysOverdue('2025-12-31', asOf)).toBe(days);
  });

  it('counts calendar days across a leap day', () => {
    expect(daysOverdue('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysOverdue('2027-02-28', '2027-03-01')).toBe(1);
  });
});

describe('invoiceStatus', () => {
  it('is open when nothing is paid and it is not yet past due (the due date itself is not overdue)', () => {
    expect(invoiceStatus(invoice, settled({ open: 100000 }), '2025-12-01')).toBe('open');
    expect(invoiceStatus(invoice, settled({ open: 100000 }), '2025-12-31')).toBe('open');
  });

  it('is overdue from the day after the due date while anything is open', () => {
    expect(invoiceStatus(invoice, settled({ open: 100000 }), '2026-01-01')).toBe('overdue');
    expect(invoiceStatus(invoice, settled({ open: 40000, paid: 60000 }), '2026-01-01')).toBe('overdue');
    expect(invoiceStatus(invoice, settled({ open: 1, paid: 99999 }), '2026-06-30')).toBe('overdue');
  });

  it('is partially paid when part is settled and it is not past due', () => {
    expect(invoiceStatus(invoice, settled({ open: 40000, paid: 60000 }), '2025-12-31')).toBe('partially paid');
    // Credited but not paid: still open, not "partially paid".
    expect(invoiceStatus(invoice, settled({ open: 70000, credited: 30000 }), '2025-12-15')).toBe('open');
  });

  it('is paid when nothing is open, even long after the due date', () => {
    expect(invoiceStatus(invoice, settled({ paid: 100000 }), '2025-12-01')).toBe('paid');
    expect(invoiceStatus(invoice, settled({ paid: 100000 }), '2026-12-31')).toBe('paid');
    expect(invoiceStatus(invoice, settled({ paid: 50000, credited: 50000 }), '2026-02-01')).toBe('paid');
  });

  it('is written off when nothing is open and anything was written off', () => {
    expect(invoiceStatus(invoice, settled({ writtenOff: 100000 }), '2026-06-30')).toBe('written off');
    expect(invoiceStatus(invoice, settled({ paid: 70000, writtenOff: 30000 }), '2026-06-30')).toBe('written off');
    expect(invoiceStatus(invoice, settled({ credited: 70000, writtenOff: 30000 }), '2025-12-01')).toBe('written off');
  });

  it('is credited when settled by credit notes alone', () => {
    expect(invoiceStatus(invoice, settled({ credited: 100000 }), '2025-12-01')).toBe('credited');
    expect(invoiceStatus(invoice, settled({ credited: 100000 }), '2026-03-01')).toBe('credited');
  });

  it('goes back to open once a receipt is reversed (the settlement as of the date decides)', () => {
    expect(invoiceStatus(invoice, settled({ paid: 100000 }), '2025-12-10')).toBe('paid');
    expect(invoiceStatus(invoice, settled({ open: 100000, paid: 0 }), '2025-12-20')).toBe('open');
  });
});
