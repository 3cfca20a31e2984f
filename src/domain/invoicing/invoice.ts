import { daysBetween, type IsoDate } from '../dates.js';
import type { Money } from '../money/index.js';

export type DocumentKind = 'invoice' | 'credit_note';

export interface InvoiceLine {
  readonly lineNo: number;
  readonly sku: string | null;
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly taxRate: string;
  readonly net: Money;
  readonly tax: Money;
  /** The order line this invoices, when invoiced from an order. */
  readonly orderLineNo: number | null;
}

/** An invoice or a credit note: immutable once issued. Amounts are positive for both kinds. */
export interface Invoice {
  readonly number: string;
  readonly kind: DocumentKind;
  readonly customer: string;
  readonly customerName: string;
  readonly order: string | null;
  /** For a credit note: the invoice it credits. */
  readonly creditOf: string | null;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  readonly currency: string;
  readonly net: Money;
  readonly tax: Money;
  readonly total: Money;
  readonly taxInclusive: boolean;
  readonly reason: string | null;
  readonly restocked: boolean;
  readonly externalRef: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lines: readonly InvoiceLine[];
}

export type InvoiceStatus = 'open' | 'partially paid' | 'paid' | 'overdue' | 'written off' | 'credited';

/** What reduced an invoice as of a date, by kind: the basis of its status. */
export interface Settlement {
  readonly open: Money;
  readonly paid: Money;
  readonly credited: Money;
  readonly writtenOff: Money;
}

export function invoiceStatus(invoice: Pick<Invoice, 'total' | 'dueDate'>, s: Settlement, asOf: IsoDate): InvoiceStatus {
  if (s.open.minor === 0) {
    if (s.writtenOff.minor > 0) return 'written off';
    if (s.paid.minor === 0 && s.credited.minor > 0) return 'credited';
    return 'paid';
  }
  if (daysOverdue(invoice.dueDate, asOf) > 0) return 'overdue';
  if (s.paid.minor > 0) return 'partially paid';
  return 'open';
}

export function daysOverdue(dueDate: IsoDate, asOf: IsoDate): number {
  return Math.max(0, daysBetween(dueDate, asOf));
}
