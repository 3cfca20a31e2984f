import type { Knex } from 'knex';
import { money } from '../../domain/money/index.js';
import type { Product, StockLevel } from '../../domain/products/product.js';
import type { ProductRepository, StockRepository } from '../../domain/store.js';
import { NotFoundError } from '../../domain/errors.js';
import { readBoolean, readInteger } from './rows.js';

export interface ProductRow {
  id: number;
  sku: string;
  name: string;
  price: unknown;
  currency: string;
  unit: string;
  tax_rate: string;
  stocked: unknown;
  on_hand: unknown;
  reserved: unknown;
  created_at: string;
}

export function productFromRow(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    price: money(readInteger(row.price), row.currency),
    unit: row.unit,
    taxRate: row.tax_rate,
    stocked: readBoolean(row.stocked),
    createdAt: row.created_at,
  };
}

export function productRepository(q: Knex): ProductRepository {
  return {
    async find(sku) {
      const row = await q<ProductRow>('products').where({ sku }).first();
      return row ? productFromRow(row) : undefined;
    },
    async list() {
      return (await q<ProductRow>('products').orderBy('sku')).map(productFromRow);
    },
    async insert(p) {
      await q('products').insert({
        sku: p.sku,
        name: p.name,
        price: p.price.minor,
        currency: p.price.currency,
        unit: p.unit,
        tax_rate: p.taxRate,
        stocked: p.stocked,
        on_hand: 0,
        reserved: 0,
        created_at: p.createdAt,
      });
    },
  };
}

export function stockRepository(q: Knex, user: string): StockRepository {
  return {
    async levels(filter) {
      const query = q<ProductRow>('products')
        .select('sku', 'name', 'unit', 'on_hand', 'reserved')
        .where({ stocked: true })
        .orderBy('sku');
      if (filter.sku !== undefined) query.where({ sku: filter.sku });
      return (await query).map((row): StockLevel => {
        const onHand = readInteger(row.on_hand);
        const reserved = readInteger(row.reserved);
        return { sku: row.sku, name: row.name, unit: row.unit, onHand, reserved, available: onHand - reserved };
      });
    },
    async findByReference(sku, kind, reference) {
      const row = await q('stock_moves as m')
        .join('products as p', 'p.id', 'm.product_id')
        .select('m.date', 'm.quantity', 'm.kind', 'm.reference', 'm.reason')
        .where({ 'p.sku': sku, 'm.kind': kind, 'm.reference': reference })
        .first();
      if (!row) return undefined;
      return {
        sku,
        date: String(row.date),
        quantity: readInteger(row.quantity),
        kind: row.kind,
        reference: row.reference,
        reason: row.reason,
      };
    },
    async reserve(sku, quantity, allowBackorder) {
      const query = q('products').where({ sku });
      if (!allowBackorder) query.andWhereRaw('on_hand - reserved >= ?', [quantity]);
      const changed = await query.increment('reserved', quantity);
      return Number(changed) === 1;
    },
    async release(sku, quantity) {
      await q('products').where({ sku }).decrement('reserved', quantity);
    },
    async move(move, at) {
      const product = await q<ProductRow>('products').select('id').where({ sku: move.sku }).first();
      if (!product) throw new NotFoundError('product', move.sku);
      await q('stock_moves').insert({
        product_id: product.id,
        date: move.date,
        quantity: move.quantity,
        kind: move.kind,
        reference: move.reference,
        reason: move.reason,
        created_at: at,
        created_by: user,
      });
      await q('products').where({ id: product.id }).increment('on_hand', move.quantity);
    },
  };
}
