import { Problems } from '../validation.js';
import { parseQuantity } from '../stock/quantity.js';

/** A line as typed: SKU:QTY or SKU:QTY:PRICE (unit price in the document's currency). */
export interface LineSpec {
  readonly sku: string;
  readonly quantity: number;
  /** Decimal text, validated later against the document's currency. */
  readonly price?: string;
}

export function parseLineSpecs(texts: readonly string[], field: string, problems: Problems): LineSpec[] {
  const specs: LineSpec[] = [];
  for (const text of texts) {
    const parts = text.split(':');
    if (parts.length < 2 || parts.length > 3 || parts[0]!.trim() === '') {
      problems.add(field, text, 'must be SKU:QTY or SKU:QTY:PRICE, e.g. P-1001:5 or P-1001:5:1480.00');
      continue;
    }
    const quantity = problems.check(() => parseQuantity(parts[1]!, `${field} ${parts[0]!.trim()} quantity`, { signed: false }));
    if (quantity === undefined) continue;
    const price = parts[2]?.trim();
    specs.push({ sku: parts[0]!.trim(), quantity, ...(price !== undefined ? { price } : {}) });
  }
  return specs;
}
