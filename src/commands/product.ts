import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { amountOption } from '../cli/options.js';
import { emitCreated, emitListing, emitRecord, note } from '../cli/output.js';
import type { Listing } from '../cli/render/index.js';
import { NotFoundError } from '../domain/errors.js';
import { addProduct } from '../domain/products/add-product.js';
import type { Product, StockLevel } from '../domain/products/product.js';

const COLUMNS: Listing['columns'] = [
  { key: 'sku', header: 'SKU' },
  { key: 'name', header: 'Name' },
  { key: 'price', header: 'Price', kind: 'money' },
  { key: 'currency', header: 'Cur' },
  { key: 'unit', header: 'Unit' },
  { key: 'tax_rate', header: 'VAT %', kind: 'percent' },
  { key: 'stocked', header: 'Stocked', kind: 'boolean' },
];

function productRow(p: Product, level?: StockLevel): Record<string, string | number | boolean | null | Product['price']> {
  return {
    sku: p.sku,
    name: p.name,
    price: p.price,
    currency: p.price.currency,
    unit: p.unit,
    tax_rate: p.taxRate,
    stocked: p.stocked,
    ...(level ? { on_hand: level.onHand, reserved: level.reserved, available: level.available } : {}),
  };
}

export function registerProduct(program: Command, io: Io): void {
  const product = program.command('product').description('products and services: add, list, show')
    .addHelpText('after', `\nExamples:\n  $ owed product add P-1001 --name "激光打印机" --price 1500 --tax-rate 13 --unit 台\n  $ owed product list`);

  product
    .command('add')
    .description('add a product (or, with --service, a service that is never stocked)')
    .argument('<sku>', 'stock-keeping unit, e.g. P-1001')
    .requiredOption('--name <name>', 'product name')
    .requiredOption('--price <amount>', 'unit price before tax, in the base currency', amountOption)
    .option('--tax-rate <percent>', 'VAT rate in percent, one of the tax.rates setting (default: tax.default_rate)')
    .option('--unit <unit>', 'unit of measure', 'pcs')
    .option('--service', 'a service: not stocked, never shipped')
    .addHelpText('after', `
Examples:
  $ owed product add P-1001 --name "激光打印机" --price 1500 --tax-rate 13 --unit 台
  $ owed product add S-INSTALL --name "安装服务" --price 300 --tax-rate 6 --unit 次 --service`)
    .action(action<{ name: string; price: string; taxRate?: string; unit: string; service?: boolean }>(io, async (rt, args, o) => {
      const created = await withBook(rt, (store, actor) =>
        addProduct(store, actor, args[0]!, {
          name: o.name,
          price: o.price,
          unit: o.unit,
          ...(o.taxRate !== undefined ? { taxRate: o.taxRate } : {}),
          ...(o.service ? { service: true } : {}),
        }));
      emitCreated(rt, 'sku', created.sku);
      note(rt, `added ${created.stocked ? 'product' : 'service'} ${created.sku} ${created.name}`);
    }));

  product
    .command('list')
    .description('list products and services')
    .addHelpText('after', `
Example:
  $ owed product list --format csv -o products.csv`)
    .action(action(io, async (rt) => {
      const products = await readBook(rt, (store) => store.products.list());
      emitListing(rt, { columns: COLUMNS, rows: products.map((p) => productRow(p)) });
    }));

  product
    .command('show')
    .description('show one product with its stock')
    .argument('<sku>', 'stock-keeping unit')
    .addHelpText('after', `
Example:
  $ owed product show P-1001 --json`)
    .action(action(io, async (rt, args) => {
      const [found, level] = await readBook(rt, async (store) => {
        const p = await store.products.find(args[0]!);
        const levels = p?.stocked ? await store.stock.levels({ sku: p.sku }) : [];
        return [p, levels[0]] as const;
      });
      if (!found) throw new NotFoundError('product', args[0]!, 'list products with: owed product list');
      const row = productRow(found, level);
      const columns: Listing['columns'] = level
        ? [...COLUMNS, { key: 'on_hand', header: 'On hand', kind: 'quantity' }, { key: 'reserved', header: 'Reserved', kind: 'quantity' }, { key: 'available', header: 'Available', kind: 'quantity' }]
        : COLUMNS;
      emitRecord(rt, { columns, rows: [row] }, row);
    }));
}
