import { validateProduct } from '../../products/add-product.js';
import type { Product } from '../../products/product.js';
import { parseQuantity } from '../../stock/quantity.js';
import { Problems } from '../../validation.js';
import { BatchFindings, duplicateKey, type EntityImporter, type SourceRow } from '../importer.js';

interface ImportedProduct {
  readonly product: Product;
  /** Opening stock, received on import; null for a service. */
  readonly stock: number | null;
}

export const productImporter: EntityImporter<ImportedProduct> = {
  entity: 'products',
  columns: ['sku', 'name', 'price', 'unit', 'tax_rate', 'stock'],
  required: ['sku', 'name', 'price'],
  prepare(row, ctx) {
    const problems = new Problems(row.line);
    const f = (k: string) => row.fields.get(k);
    const stockText = f('stock') ?? '';
    // An empty stock column marks a service, as in the demo fixtures; 0 is a stocked product with none on hand.
    const service = stockText === '';
    const product = validateProduct(f('sku') ?? '', {
      name: f('name') ?? '',
      price: f('price') ?? '',
      ...(f('unit') ? { unit: f('unit')! } : {}),
      ...(f('tax_rate') ? { taxRate: f('tax_rate')! } : {}),
      ...(service ? { service: true } : {}),
    }, ctx.settings, problems, ctx.actor.now);
    const stock = service || stockText === '0' ? (service ? null : 0) : problems.check(() => parseQuantity(stockText, 'stock', { signed: false })) ?? null;
    if (problems.any) return [...problems.all()];
    return { key: product.sku, record: { product, stock } };
  },
  async commit(batch, ctx) {
    const existing = await ctx.store.imports.productsBySku(batch.map((b) => b.key));
    const found = new BatchFindings();
    const fresh: ImportedProduct[] = [];
    const rows: SourceRow[] = [];
    for (const b of batch) {
      const old = existing.get(b.key);
      const p = b.record.product;
      if (!old) {
        fresh.push(b.record);
        rows.push(b.row);
        continue;
      }
      const earlier = ctx.claim(old.id, b.row);
      if (earlier !== undefined) {
        found.problem(b.row, duplicateKey(productImporter, b.row.line, b.key, earlier));
      } else if (old.name === p.name && old.price.minor === p.price.minor && old.unit === p.unit && old.taxRate === p.taxRate && old.stocked === p.stocked) {
        found.present++;
      } else {
        // Products carry prices that orders were taken at: an import never rewrites one silently.
        found.conflict(b.row, `product ${b.key} already exists with different details${ctx.update ? ' (products are not updated by import; change them one by one)' : ''}`);
      }
    }
    if (fresh.length > 0) {
      const ids = await ctx.store.imports.insertProducts(fresh.map((f) => f.product));
      ids.forEach((id, i) => ctx.claim(id, rows[i]!));
      found.created += fresh.length;
      for (const f of fresh) {
        if (f.stock !== null && f.stock > 0) {
          await ctx.store.stock.move({ sku: f.product.sku, date: ctx.actor.today, quantity: f.stock, kind: 'receive', reference: 'IMPORT', reason: 'opening stock (import)' }, ctx.actor.now);
        }
      }
      await ctx.store.audit.record({ entity: 'product', key: `${fresh[0]!.product.sku}…${fresh[fresh.length - 1]!.product.sku}`, action: 'import', detail: { created: fresh.length } });
    }
    return found;
  },
};
