import type { Money } from '../money/index.js';

export interface Product {
  readonly sku: string;
  readonly name: string;
  /** Unit price before tax, in the base currency. */
  readonly price: Money;
  readonly unit: string;
  /** VAT rate in percent, as a decimal string ('13', '6.5'): never a float. */
  readonly taxRate: string;
  /** Services are not stocked: they never reserve or ship stock. */
  readonly stocked: boolean;
  readonly createdAt: string;
}

export interface StockLevel {
  readonly sku: string;
  readonly name: string;
  readonly unit: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
}
