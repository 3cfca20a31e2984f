import type { IsoDate } from '../dates.js';
import type { Money } from '../money/index.js';

export const RECEIPT_METHODS = ['bank', 'cash', 'cheque', 'card', 'other'] as const;
export type ReceiptMethod = (typeof RECEIPT_METHODS)[number];

export interface Receipt {
  readonly number: string;
  /** null: unidentified cash, not yet attached to a customer. */
  readonly customer: string | null;
  readonly customerName: string | null;
  readonly date: IsoDate;
  readonly amount: Money;
  readonly method: ReceiptMethod;
  /** The bank's reference: the idempotency key of a receipt. */
  readonly bankRef: string | null;
  readonly memo: string | null;
  readonly reversal: { readonly date: IsoDate; readonly reason: string } | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface ReceiptBalance {
  readonly receipt: Receipt;
  /** Net of reversed allocations, as of the date asked. */
  readonly applied: Money;
  /** What is left to match: zero once reversed. */
  readonly unapplied: Money;
}

export interface Allocation {
  readonly id: number;
  readonly date: IsoDate;
  readonly invoice: string;
  readonly customer: string;
  readonly sourceKind: 'credit_note' | 'receipt' | 'write_off' | 'adjustment';
  readonly sourceNumber: string;
  /** Positive applies; negative reverses an earlier allocation. */
  readonly amount: Money;
  readonly batch: string | null;
  readonly rule: string | null;
  readonly note: string | null;
  readonly reverses: number | null;
  /** The id of the row that reversed this one, if any. */
  readonly reversedBy: number | null;
}
