import type { IsoDate } from '../dates.js';

export type StockMoveKind = 'receive' | 'adjust' | 'ship' | 'return';

/** Stock changes only by moves; on hand is their sum. Moves are never edited. */
export interface StockMove {
  readonly sku: string;
  readonly date: IsoDate;
  /** Signed whole units: positive in, negative out. */
  readonly quantity: number;
  readonly kind: StockMoveKind;
  readonly reference: string | null;
  readonly reason: string | null;
}
