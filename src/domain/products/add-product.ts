import type { Actor } from '../actor.js';
import { RefusedError, ValidationError } from '../errors.js';
import { isNegative, parseMoney, toDecimalString } from '../money/index.js';
import { parsePercent } from '../settings/registry.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import type { Product } from './product.js';

export interface ProductInput {
  readonly name?: string;
  readonly price?: string;
  readonly unit?: string;
  readonly taxRate?: string;
  /** A service: never stocked, never shipped. */
  readonly service?: boolean;
}

const SKU = /^[\p{L}\p{N}][\p{L}\p{N}._\-/]{0,63}$/u;

export function validateProduct(sku: string, input: ProductInput, settings: Awaited<ReturnType<typeof loadSettings>>, problems: Problems, now: string): Product {
  const normalisedSku = sku.trim();
  if (!SKU.test(normalisedSku)) problems.add('sku', sku, 'must be 1 to 64 letters or digits (. _ - / allowed after the first), no spaces');
  const name = (input.name ?? '').trim();
  if (input.name === undefined) problems.add('name', undefined, 'is required');
  else if (name === '') problems.add('name', input.name, 'must not be empty');
  else if (name.length > 200) problems.add('name', input.name, 'is longer than 200 characters');
  let priceMinor = 0;
  if (input.price === undefined) problems.add('price', undefined, 'is required');
  else {
    const price = problems.check(() => parseMoney(input.price!, settings.baseCurrency, 'price'));
    if (price && isNegative(price)) problems.add('price', input.price, 'must not be negative');
    else if (price) priceMinor = price.minor;
  }
  const unit = (input.unit ?? 'pcs').trim();
  if (unit === '' || unit.length > 16) problems.add('unit', input.unit, 'must be 1 to 16 characters');
  const taxRate = problems.check(() => {
    const rate = parsePercent('tax_rate', input.taxRate ?? settings.defaultTaxRate);
    if (!settings.taxRates.includes(rate)) {
      throw new ValidationError({
        field: 'tax_rate',
        value: input.taxRate ?? rate,
        reason: `is not one of the company's VAT rates (${settings.taxRates.join(', ')} %); add it with: owed settings set tax.rates ${[...settings.taxRates, rate].join(',')}`,
      });
    }
    return rate;
  });
  return {
    sku: normalisedSku,
    name,
    price: { minor: priceMinor, currency: settings.baseCurrency },
    unit,
    taxRate: taxRate ?? '0',
    stocked: !input.service,
    createdAt: now,
  };
}

export async function addProduct(store: Store, actor: Actor, sku: string, input: ProductInput): Promise<Product> {
  requirePermission(actor.user, actor.role, 'master-data', 'add products');
  const settings = await loadSettings(store);
  const problems = new Problems();
  const product = validateProduct(sku, input, settings, problems, actor.now);
  problems.throwIfAny();
  if (await store.products.find(product.sku)) {
    throw new RefusedError(`product ${product.sku} already exists`, `see it with: owed product show ${product.sku}`);
  }
  await store.products.insert(product);
  await store.audit.record({ entity: 'product', key: product.sku, action: 'add', detail: { name: product.name, price: toDecimalString(product.price) } });
  return product;
}
