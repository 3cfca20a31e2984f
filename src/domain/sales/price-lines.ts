import { NotFoundError, ValidationError } from '../errors.js';
import { isNegative, parseMoney, type Money } from '../money/index.js';
import type { Product } from '../products/product.js';
import type { Store } from '../store.js';
import { Problems } from '../validation.js';
import type { LineSpec } from './line-spec.js';
import { lineAmounts, type LineAmounts } from './pricing.js';

export interface PricedLine extends LineAmounts {
  readonly lineNo: number;
  readonly product: Product;
  readonly quantity: number;
  readonly unitPrice: Money;
}

/**
 * Resolves SKUs and prices for a document in `currency`. A price typed on the line wins; else the
 * product's list price, which only serves when it is in the same currency.
 */
export async function priceLines(
  store: Store,
  specs: readonly LineSpec[],
  currency: string,
  taxInclusive: boolean,
  field = '--line',
): Promise<PricedLine[]> {
  const problems = new Problems();
  const priced: PricedLine[] = [];
  for (const [i, spec] of specs.entries()) {
    const product = await store.products.find(spec.sku);
    if (!product) throw new NotFoundError('product', spec.sku, 'list products with: owed product list');
    let unitPrice: Money | undefined;
    if (spec.price !== undefined) {
      unitPrice = problems.check(() => parseMoney(spec.price!, currency, `${field} ${spec.sku} price`));
      if (unitPrice && isNegative(unitPrice)) {
        problems.add(`${field} ${spec.sku} price`, spec.price, 'must not be negative');
        unitPrice = undefined;
      }
    } else if (product.price.currency !== currency) {
      problems.add(field, spec.sku, `has a list price in ${product.price.currency}; give the ${currency} price as ${spec.sku}:${spec.quantity}:PRICE`);
    } else {
      unitPrice = product.price;
    }
    if (unitPrice) {
      priced.push({ lineNo: i + 1, product, quantity: spec.quantity, unitPrice, ...lineAmounts(spec.quantity, unitPrice, product.taxRate, taxInclusive) });
    }
  }
  problems.throwIfAny();
  if (priced.length === 0) throw new ValidationError({ field, reason: 'at least one line is required' });
  return priced;
}
